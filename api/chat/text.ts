// Cleaning of chat text and report notes, shared by the server's frame parser and (optionally)
// the PWA. Kept free of dependencies. Control characters and bidi overrides/isolates let a
// stranger spoof what the other side sees (reversed text, fake line structure, terminal escapes
// in an operator's shell); lone surrogates are not valid Unicode and MySQL refuses to store them.

// C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates, BOM.
const STRIP = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g
const LINE_SEPARATORS = /[\u2028\u2029]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** True when cleanText could change `raw` (any stripped, separator or surrogate code unit). */
export const NEEDS_CLEANING = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/

/** Drops invisible control and bidi-override characters; keeps text, emoji, tabs and newlines. */
export function cleanText(raw: string): string {
  return raw.replace(LONE_SURROGATE, '\ufffd').replace(LINE_SEPARATORS, '\n').replace(STRIP, '')
}
