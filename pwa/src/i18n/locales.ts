// The languages the app is written in, each named in its own language (the picker shows these),
// and how the first one is chosen: the browser's preferred languages in order, an exact tag
// first, then the same language in another region (pt-PT → pt-BR), else English.

export const LOCALES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'fr', name: 'Français' },
  { code: 'de', name: 'Deutsch' },
  { code: 'it', name: 'Italiano' },
  { code: 'tr', name: 'Türkçe' },
  { code: 'ru', name: 'Русский' },
  { code: 'ar', name: 'العربية', rtl: true },
  { code: 'hi', name: 'हिन्दी' },
  { code: 'id', name: 'Bahasa Indonesia' },
  { code: 'ja', name: '日本語' },
] as const satisfies ReadonlyArray<{ code: string; name: string; rtl?: boolean }>

export type LocaleCode = (typeof LOCALES)[number]['code']

export const DEFAULT_LOCALE: LocaleCode = 'en'

/** The primary language subtag, lower case ('pt-BR' → 'pt'): what matching by language compares. */
export const primary = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase()

export const isLocale = (code: unknown): code is LocaleCode => LOCALES.some(l => l.code === code)

export const isRtl = (code: LocaleCode) => LOCALES.some(l => l.code === code && 'rtl' in l && l.rtl)

/** The locale's web app manifest (pwa/vite-shell.ts): English's is vite-plugin-pwa's own. */
export const manifestHref = (code: LocaleCode) => `/manifest${code === 'en' ? '' : '.' + code}.webmanifest`

/** The best of our locales for a browser's preference list (navigator.languages). */
export function bestLocale(preferred: readonly string[]): LocaleCode {
  for (const tag of preferred) {
    const exact = LOCALES.find(l => l.code.toLowerCase() === tag.toLowerCase())
    if (exact) return exact.code
    const same = LOCALES.find(l => primary(l.code) === primary(tag))
    if (same) return same.code
  }
  return DEFAULT_LOCALE
}
