// Cleaning of chat text and report notes, shared by the server's frame parser and (optionally)
// the PWA. Kept free of dependencies. Control characters and bidi overrides/isolates let a
// stranger spoof what the other side sees (reversed text, fake line structure, terminal escapes
// in an operator's shell); lone surrogates are not valid Unicode and MySQL refuses to store them;
// invisible "fillers" let a message look blank (or hide text, with tag characters) while passing
// a whitespace check.
//
// A message is shown as written: no NFKC, no case folding (those are for matching, see
// interests.ts; on a message they would change what was said: "x²" is not "x2").

// C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates, BOM.
const STRIP = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g
const LINE_SEPARATORS = /[\u2028\u2029]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

// Fillers: combining grapheme joiner U+034F, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, Khmer
// inherent vowels U+17B4/5, Mongolian variation selectors and vowel separator U+180B–U+180F,
// braille blank U+2800, variation selectors U+FE00–FE0F and U+E0100–E01EF, tags U+E0000–E007F.
// Kept where they are part of an emoji: VS15/VS16 (U+FE0E/FE0F, text or emoji presentation)
// right after a pictographic character or a keycap base, and the tag sequences of the three
// subdivision flags (England, Scotland, Wales) after U+1F3F4. Anything else is dropped: stripping
// a selector changes only how a glyph is drawn, never which character it is.
// Found with a plain (non-`u`) regex and decided one by one: a `u` regex with \p{…} lookbehinds
// over the whole message costs several times more, and most messages with emoji have few fillers.
const FILLER = /[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0]|\udb40[\udc00-\udc7f\udd00-\uddef]/g
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u
// The \p{} test is the costly step, and a message repeats the same few emoji: remember the answer
// per code point (0 unknown, 1 no, 2 yes). A fixed 1.1 MB table, so no input can make it grow.
let pictographic: Uint8Array | null = null
function isPictographic(cp: number): boolean {
  pictographic ??= new Uint8Array(0x110000)
  let known = pictographic[cp]!
  if (known === 0) pictographic[cp] = known = PICTOGRAPHIC.test(String.fromCodePoint(cp)) ? 2 : 1
  return known === 2
}
const BLACK_FLAG = '\u{1f3f4}'
// gbeng, gbsct, gbwls + cancel tag: the only recommended subdivision flags.
const FLAG_TAGS = [
  '\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}',
  '\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
  '\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f}',
]

function stripFillers(s: string): string {
  let out = ''
  let from = 0
  FILLER.lastIndex = 0
  for (let m = FILLER.exec(s); m; m = FILLER.exec(s)) {
    const at = m.index
    const f = m[0]
    if (f.length === 2 && s.startsWith(BLACK_FLAG, at - 2)) {
      const flag = FLAG_TAGS.find(t => s.startsWith(t, at))
      if (flag) {
        FILLER.lastIndex = at + flag.length
        continue
      }
    } else if (f === '\ufe0f' || f === '\ufe0e') {
      const low = s.charCodeAt(at - 1)
      const before = low >= 0xdc00 && low <= 0xdfff && at >= 2 ? s.codePointAt(at - 2)! : low
      if (at >= 1 && isPictographic(before)) continue
      // A keycap: # * or a digit, VS16, U+20E3.
      if (f === '\ufe0f' && s.charCodeAt(at + 1) === 0x20e3 && (before === 0x23 || before === 0x2a || (before >= 0x30 && before <= 0x39))) continue
    }
    out += s.slice(from, at)
    from = at + f.length
  }
  return from === 0 ? s : out + s.slice(from)
}

/**
 * True when cleanText could change `raw` (any stripped, filler, separator or surrogate code unit).
 * The cheap pre-test of the hot path: ordinary texts match nothing and skip cleaning. Astral
 * fillers (tags, supplementary selectors) are surrogate pairs, so the surrogate range covers them.
 */
export const NEEDS_CLEANING =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2028\u2029\u202a-\u202e\u2066-\u2069\u2800\u3164\ufe00-\ufe0f\uffa0\ufeff\ud800-\udfff]/

/** Drops invisible control, bidi-override and filler characters; keeps text, emoji, tabs and newlines. */
export function cleanText(raw: string): string {
  const s = raw.replace(LONE_SURROGATE, '\ufffd').replace(LINE_SEPARATORS, '\n').replace(STRIP, '')
  return stripFillers(s)
}

// Whitespace, and the invisible characters cleanText keeps because they shape real text (zero-width
// space/joiners for line breaking, emoji and Persian, directional marks, soft hyphen, word joiner).
const VISIBLE = /[^\s\u00ad\u061c\u200b-\u200f\u2060-\u2064]/

/** True when a cleaned text shows something: not only whitespace and zero-width characters. */
export const isVisible = (clean: string): boolean => VISIBLE.test(clean)
