// The PWA's link finder (pwa/src/lib/links.ts): what in a stranger's text becomes a tappable link,
// where it ends, and which host the confirm names.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { linkify, MAX_LINKS, type Link, type Part } from '../../pwa/src/lib/links'

const links = (body: string) => linkify(body).filter((p): p is Link => typeof p !== 'string')
const texts = (body: string) => links(body).map(l => l.text)
const joined = (parts: Part[]) => parts.map(p => (typeof p === 'string' ? p : p.text)).join('')

describe('linkify', () => {
  test('an https URL becomes a link with its host; the text around it stays as it was', () => {
    const parts = linkify('look at https://example.com/a?b=1#c now')
    expect(parts).toEqual(['look at ', { href: 'https://example.com/a?b=1#c', host: 'example.com', disguised: false, text: 'https://example.com/a?b=1#c' }, ' now'])
  })

  test('only https: http, javascript:, data:, file:, bare hosts and other schemes stay text', () => {
    for (const body of [
      'http://example.com',
      'javascript:alert(1)',
      'javascript://example.com/%0aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'ftp://example.com',
      'example.com',
      'www.example.com',
      'https://',
      'https:// example.com',
      'https:example.com',
      'https:/example.com',
    ]) {
      expect(links(body)).toEqual([])
      expect(linkify(body)).toEqual([body])
    }
  })

  test('upper-case HTTPS is a link too, its href normalized', () => {
    expect(links('HTTPS://EXAMPLE.COM/Path')).toEqual([{ href: 'https://example.com/Path', host: 'example.com', disguised: false, text: 'HTTPS://EXAMPLE.COM/Path' }])
  })

  test('trailing punctuation ends the sentence, not the URL', () => {
    expect(texts('see https://example.com.')).toEqual(['https://example.com'])
    expect(texts('see https://example.com/a, and')).toEqual(['https://example.com/a'])
    expect(texts('really https://example.com/?!')).toEqual(['https://example.com/'])
    expect(texts('"https://example.com/x"')).toEqual(['https://example.com/x'])
    expect(texts("'https://example.com/x'")).toEqual(['https://example.com/x'])
    expect(texts('https://example.com/x…')).toEqual(['https://example.com/x'])
    expect(texts('https://example.com/a.b.c')).toEqual(['https://example.com/a.b.c'])
    expect(joined(linkify('see https://example.com.'))).toBe('see https://example.com.')
  })

  test('parentheses: the closing one of a sentence goes, one that belongs to the URL stays', () => {
    expect(texts('(see https://example.com/a)')).toEqual(['https://example.com/a'])
    expect(texts('https://en.wikipedia.org/wiki/Foo_(bar)')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)'])
    expect(texts('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)'])
    expect(texts('[https://example.com/x]')).toEqual(['https://example.com/x'])
    expect(texts('(https://example.com/x).')).toEqual(['https://example.com/x'])
  })

  test('a user name before @ is refused: google.com@evil.com opens evil.com, so it stays text', () => {
    for (const body of ['https://google.com@evil.com', 'https://google.com:login@evil.com/x', 'https://@evil.com', 'https://user:pass@example.com/']) {
      expect(links(body)).toEqual([])
    }
    // An @ in the path is not a user name.
    expect(links('https://example.com/@someone')[0]?.host).toBe('example.com')
  })

  test('a backslash ends the URL (browsers read it as a slash, so the host is what comes before)', () => {
    const [l] = links('https://evil.com\\@google.com')
    expect(l?.host).toBe('evil.com')
    expect(l?.text).toBe('https://evil.com')
  })

  test('an IDN host is named in ASCII (xn--), and marked as not what it looks like', () => {
    // A Cyrillic "а" in place of the Latin "a".
    const [l] = links('https://\u0430pple.com/login')
    expect(l?.host).toBe('xn--pple-43d.com')
    expect(l?.href).toBe('https://xn--pple-43d.com/login')
    expect(l?.disguised).toBe(true)
    // Full-width letters and escapes are normalized by the URL parser; the real host is shown.
    expect(links('https://ｅxample.com')[0]).toMatchObject({ host: 'example.com', disguised: true })
    expect(links('https://%65xample.com')[0]).toMatchObject({ host: 'example.com', disguised: true })
    // Case and the default port are not a disguise; another port is part of the host.
    expect(links('https://Example.COM:443/')[0]).toMatchObject({ host: 'example.com', disguised: false })
    expect(links('https://example.com:8443/')[0]).toMatchObject({ host: 'example.com:8443', disguised: false })
  })

  test('not cut out of a word, and a URL inside a URL is not a second link', () => {
    expect(links('xhttps://example.com')).toEqual([])
    expect(texts('https://a.example/?u=https://b.example')).toEqual(['https://a.example/?u=https://b.example'])
  })

  test('many links, each found, up to MAX_LINKS; the rest stays text', () => {
    const body = Array.from({ length: 60 }, (_, i) => `https://e${i}.example/`).join(' ')
    const found = links(body)
    expect(found).toHaveLength(MAX_LINKS)
    expect(found[0]!.host).toBe('e0.example')
    expect(found.at(-1)!.host).toBe(`e${MAX_LINKS - 1}.example`)
    expect(joined(linkify(body))).toBe(body)
  })

  test('links split by line breaks and other spaces', () => {
    expect(texts('https://a.example\nhttps://b.example\u00a0https://c.example')).toEqual(['https://a.example', 'https://b.example', 'https://c.example'])
  })

  test('a very long text stays fast and whole', () => {
    const body = `${'word '.repeat(20_000)}https://example.com/${'a'.repeat(50_000)} ${'https:/'.repeat(10_000)}`
    const t0 = performance.now()
    const parts = linkify(body)
    expect(performance.now() - t0).toBeLessThan(500)
    expect(joined(parts)).toBe(body)
    expect(links(body)).toHaveLength(1)
  })

  test('any text: the parts put back together are the text, and every link is https with no user name', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constantFrom('https://', '(', ')', '.', '@', ' ', 'https://a@b.c')), {
          maxLength: 12,
        }),
        pieces => {
          const body = pieces.join('')
          const parts = linkify(body)
          expect(joined(parts)).toBe(body)
          for (const p of parts) {
            if (typeof p === 'string') continue
            const u = new URL(p.href)
            expect(u.protocol).toBe('https:')
            expect(u.username + u.password).toBe('')
            expect(u.host).toBe(p.host)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
