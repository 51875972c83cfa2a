// Interest normalisation, shared by the server's frame parser and the PWA's chip input so both
// agree on what "the same interest" means. Kept free of dependencies: the PWA bundles it.

export const MAX_INTERESTS = 10
export const MAX_INTEREST_LENGTH = 32

// Control characters, zero-width characters and bidi marks/overrides/isolates would let a stranger
// spoof what the other side sees, or make two equal-looking interests differ.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g

/** Trim, drop invisible/bidi characters, collapse spaces, lower-case. Returns '' when nothing is left. */
export function normaliseInterest(raw: string): string {
  // A tab or newline separates words like a space does; the other controls simply vanish.
  return raw.replace(/[\t\n\v\f\r]/g, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim().toLowerCase()
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
