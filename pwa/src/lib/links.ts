// Finds the links in a stranger's text, so the bubble can make them tappable behind a confirm
// (docs/safety.md, "Links"). Pure: no DOM, no network; nothing is ever fetched for a preview.
//
// Only `https://` becomes a link: plain http can be rewritten on the way, so the host the confirm
// names would not be the page that opens. No other scheme (javascript:, data:, file:, …) and no
// bare `example.com` is ever a link. A URL with a user name or password (`https://google.com@evil.com`)
// stays plain text: its only use in a chat is to make one host look like another.

export interface Link {
  /** where it opens: the parsed URL, normalized (ASCII host, percent-encoded) */
  href: string
  /** the host it really opens, in ASCII (an IDN as its `xn--` form), with a port if not 443 */
  host: string
  /** the host as written differs from `host` (an IDN, escapes, …): the bubble shows the real one too */
  disguised: boolean
  /** the link's characters as the stranger typed them */
  text: string
}

/** A text cut into plain runs and links, in order. */
export type Part = string | Link

/** Enough links for any honest message; past this the rest stays text (a wall of links is spam). */
export const MAX_LINKS = 50

// From `https://` up to a space or a character a URL never holds unescaped. Not after a letter,
// digit or `/` (so `xhttps://` or `ahttps://` inside a word is not cut out of it).
const CANDIDATE = /(?<![\p{L}\p{N}/])https:\/\/[^\s<>"`\\{}|^\p{Cc}]+/giu
// Punctuation that ends a sentence rather than a URL.
const TRAILING = /[.,:;!?'"*_~…。、，！？]$/u
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

/** Drops trailing punctuation, and closing brackets that have no opening one inside the URL. */
function trim(raw: string): string {
  let s = raw
  for (;;) {
    const last = s.at(-1)!
    if (TRAILING.test(last)) s = s.slice(0, -1)
    else if (CLOSERS[last] && count(s, last) > count(s, CLOSERS[last]!)) s = s.slice(0, -1)
    else return s
  }
}

const count = (s: string, ch: string) => s.split(ch).length - 1

/** The link a candidate makes, or null when it must stay text. */
export function toLink(text: string): Link | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  // As written: between `https://` and the first `/`, `?` or `#` (an empty user name, `https://@evil.com`, leaves no trace in the URL).
  const written = text.slice('https://'.length).split(/[/?#]/, 1)[0]!.toLowerCase().replace(/:443$/, '')
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password || written.includes('@')) return null
  return { href: url.href, host: url.host, disguised: written !== url.host, text }
}

/** The text cut into plain runs and links (at most MAX_LINKS). */
export function linkify(body: string): Part[] {
  const parts: Part[] = []
  let last = 0
  let links = 0
  for (const m of body.matchAll(CANDIDATE)) {
    if (links >= MAX_LINKS) break
    const text = trim(m[0])
    const link = text.length > 'https://'.length ? toLink(text) : null
    if (!link) continue
    if (m.index > last) parts.push(body.slice(last, m.index))
    parts.push(link)
    links++
    last = m.index + text.length
  }
  if (last < body.length) parts.push(body.slice(last))
  return parts
}
