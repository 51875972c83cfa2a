// Interest normalisation, shared by the server's frame parser and the PWA's chip input so both
// agree on what "the same interest" means. Kept free of dependencies: the PWA bundles it.

export const MAX_INTERESTS = 10
export const MAX_INTEREST_LENGTH = 32

// Characters that show as nothing would let a stranger spoof what the other side sees, or make
// two equal-looking interests differ: controls, zero-width characters, bidi marks/overrides/
// isolates, and the "fillers" that render blank without being whitespace (combining grapheme
// joiner U+034F, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, Khmer inherent vowels U+17B4/5,
// Mongolian variation selectors and vowel separator U+180B–U+180F, braille blank U+2800,
// variation selectors U+FE00–FE0F and U+E0100–E01EF, tag characters U+E0000–E007F). In an
// interest an emoji's variation selector only picks its presentation, so it goes too.
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2069\u2800\u3164\ufe00-\ufe0f\uffa0\ufeff\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/gu

/**
 * Trim, drop invisible/bidi characters, fold compatibility forms (NFKC: fullwidth "ｃａｔｓ" is
 * "cats", "ﬁ" is "fi", a decomposed "café" is the composed one), collapse spaces, lower-case.
 * Returns '' when nothing is left. Case folding is toLowerCase after NFKC (then NFKC once more,
 * since lower-casing can leave a string that is no longer normalised): it does not fold "ß" to
 * "ss" or final sigma to sigma, which full Unicode case folding would.
 */
export function normaliseInterest(raw: string): string {
  // A tab or newline separates words like a space does; the other controls simply vanish.
  // Invisibles go before NFKC (so they cannot block composition: "e\u034f\u0301" is "é"), and
  // NFKC maps none of the rest to an invisible (U+3164 and U+FFA0, which map to U+1160, are gone).
  return raw
    .replace(/[\t\n\v\f\r]/g, ' ')
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Normalise a list, dropping empties and duplicates while keeping the user's order. */
export function normaliseInterests(raw: readonly string[]): string[] {
  const out: string[] = []
  for (const r of raw) {
    const n = normaliseInterest(r)
    if (n && !out.includes(n)) out.push(n)
  }
  return out
}
