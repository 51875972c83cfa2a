// The skeleton of a text: what a reader sees, in one spelling, so that one rule matches every way
// of writing a link or a handle. After UTS #39 ("skeleton"): compatibility forms folded (NFKD:
// fullwidth, math bold, circled, ligatures), marks and invisible characters dropped (zero-width
// spaces, joiners, bidi marks, tags, combining underlines and accents), lower case, and every
// non-ASCII look-alike mapped through Unicode's confusables table (the `unhomoglyph` package
// carries confusables.txt; no table of ours). ASCII itself is left alone: the table would turn
// "0" into "O", "1" into "l" and "m" into "rn", which would break numbers and every rule written
// in plain letters. Only for matching: a message is always shown as written.
//
// Then `fold` reads the usual disguises as what they mean: "dot", "[.]", "(.)", "hxxp", letters
// spaced out ("s n a p"), "[at]".
import confusables from 'unhomoglyph/data.json'

const TABLE = confusables as Record<string, string>
const NON_ASCII = /[^\x00-\x7f]/
// Format characters (zero-width space/joiners, bidi marks, soft hyphen, tags), marks (accents,
// combining underlines, variation selectors) and the fillers that are letters by category.
const INVISIBLE = /[\p{Cf}\p{M}\u115f\u1160\u3164\uffa0\u2800\u180e]/gu
/** Full stops of other scripts that NFKD leaves alone but every reader takes for a dot. */
const DOTS = /[\u3002\uff61\u0701\u0702\u2024\u2e33\u30fb\u00b7\u2027]/g
const mapped = new Map<string, string>()

function mapChar(c: string): string {
  let m = mapped.get(c)
  if (m === undefined) {
    // By the letter as written (Cyrillic "Н" looks like H, its "н" does not), else in lower case.
    const lower = c.toLowerCase()
    const t = TABLE[c] ?? TABLE[lower]
    // The table's targets for look-alikes of "m" and of a capital I are "rn" and "l": keep the
    // letter a reader sees.
    m = t === undefined ? lower : t === 'rn' ? 'm' : t === 'l' && c !== lower ? 'i' : t.toLowerCase()
    // Bounded: the table and the Unicode repertoire are finite, and only seen characters are kept.
    if (mapped.size < 65_536) mapped.set(c, m)
  }
  return m
}

/** The skeleton of `text`: NFKD, no marks or invisibles, look-alikes mapped, lower case. */
export function skeleton(text: string): string {
  // The common case, ASCII only: nothing to fold but case.
  if (!NON_ASCII.test(text)) return text.toLowerCase()
  const s = text.normalize('NFKD').replace(INVISIBLE, '').replace(DOTS, '.')
  if (!NON_ASCII.test(s)) return s.toLowerCase()
  let out = ''
  for (const c of s) out += c.charCodeAt(0) < 0x80 ? c : mapChar(c)
  return out.toLowerCase()
}

// "evil dot com", "evil [.] com", "evil(.)com", "evil {dot} com", "evil . com" (a space before
// the dot: punctuation never has one).
const BRACKETED_DOT = /\s*[[({<]\s*(?:\.|dot|d0t|punto|punkt|point)\s*[\])}>]\s*/g
const WORD_DOT = /(?<=[\p{L}\p{N}])\s+(?:dot|d0t)\s+(?=[\p{L}\p{N}])/gu
const SPACED_DOT = /(?<=[\p{L}\p{N}])\s+\.\s*(?=[\p{L}\p{N}])/gu
const BRACKETED_AT = /\s*[[({<]\s*(?:@|at)\s*[\])}>]\s*/g
const SPACED_AT = /(?<=[\s:]|^)@\s+(?=[\p{L}\p{N}_])/gu
const HXXP = /\bh[xt]{2}p(s?)\b/g
const SCHEME_GAP = /\b(https?)\s*:\s*\/\s*\/\s*/g
// Four or more single letters or digits with separators between: "s n a p", "s.n.a.p", "s-n-a-p".
const SPACED_OUT = /(?<![\p{L}\p{N}])[\p{L}\p{N}](?:[\s_*|~+\-.\\/]{1,3}[\p{L}\p{N}](?![\p{L}\p{N}])){3,}/gu
const ALL_DOTS = /^[^.\s](?:\.[^.\s])+$/u
// The same for text that is all ASCII (most of it): a `u` regex costs more.
const SPACED_OUT_ASCII = /(?<![a-z0-9])[a-z0-9](?:[\s_*|~+\-.\\/]{1,3}[a-z0-9](?![a-z0-9])){3,}/g
const SEPARATORS = /[\s_*|~+\-.\\/]{1,3}/g

/** The skeleton with disguised dots, schemes, @ and spaced-out letters read as meant. */
export function fold(skel: string): string {
  let s = skel
  // Spaced-out letters first, keeping a dot where the gap had one ("e v i l . c o m" → "evil.com").
  // A run dotted all through is an acronym-like spelling ("s.n.a.p"): no dot kept at all.
  if (s.length >= 7)
    s = s.replace(NON_ASCII.test(s) ? SPACED_OUT : SPACED_OUT_ASCII, run =>
      ALL_DOTS.test(run) ? run.replace(/\./g, '') : run.replace(SEPARATORS, gap => (gap.includes('.') ? '.' : '')),
    )
  if (s.includes('dot') || s.includes('d0t') || s.includes('(') || s.includes('[') || s.includes('{') || s.includes('<')) {
    s = s.replace(BRACKETED_DOT, '.').replace(BRACKETED_AT, '@')
  }
  if (s.includes('dot') || s.includes('d0t')) s = s.replace(WORD_DOT, '.')
  if (s.includes(' .')) s = s.replace(SPACED_DOT, '.')
  if (s.includes('@ ')) s = s.replace(SPACED_AT, '@')
  if (s.includes('xxp') || s.includes('ttp')) s = s.replace(HXXP, 'http$1').replace(SCHEME_GAP, '$1://')
  return s
}

/** Letters and digits only (of a folded skeleton). */
export function lettersAndDigits(folded: string): string {
  return NON_ASCII.test(folded) ? folded.replace(/[^\p{L}\p{N}]+/gu, '') : folded.replace(/[^a-z0-9]+/g, '')
}

/** Letters and digits only, with the usual digit-for-letter swaps read back ("sn4pch4t"). */
export function compact(folded: string): string {
  return folded.replace(/[0134578$@]/g, c => LEET[c]!).replace(/[^\p{L}\p{N}]+/gu, '')
}
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', $: 's', '@': 'a' }
