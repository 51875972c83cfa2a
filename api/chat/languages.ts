// Chat languages as a `find` states them: BCP 47 primary language subtags ("pt", "en", "yue"),
// shared by the frame parser, the tRPC input and the matchmakers so all agree on what "the same
// language" means. A region or script ("pt-BR") is not asked for: people who read Portuguese meet
// whatever their variant. Kept free of dependencies: the PWA may bundle it.

export const MAX_LANGUAGES = 3

/** A primary language subtag, in any case on input (BCP 47: 2–3 letters; 4–8 are reserved/registered-only). */
export const LANGUAGE_SUBTAG = /^[A-Za-z]{2,3}$/

export const isLanguageSubtag = (s: string): boolean => LANGUAGE_SUBTAG.test(s)

/** The languages both lists state, in the order of `a`; empty when either states none. */
export function sharedLanguages(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === 0 || b.length === 0) return []
  return a.filter(l => b.includes(l))
}
