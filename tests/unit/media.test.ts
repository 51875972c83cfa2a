// Pure parts of the media module: allow-list, names, ranges, link signing, the audio probe and
// ticket claiming over the in-process cache.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { checkDeclared, checkSniffed } from '../../api/media/allowlist'
import { probeAudio } from '../../api/media/audio-probe'
import { contentDisposition, MAX_NAME_LENGTH, sanitiseName } from '../../api/media/names'
import { parseRange } from '../../api/media/serve'
import { createMediaLinks } from '../../api/media/signing'
import { createTicketStore } from '../../api/media/tickets'
import { guarded } from '../../api/cache/cache'
import { createMemoryCache } from '../../api/cache/memory'
import { createSecrets } from '../../api/secrets'
import * as files from '../support/media-files'

describe('allow-list', () => {
  test('declared types are normalised and recorder codecs are accepted', () => {
    expect(checkDeclared('audio', 'Audio/WebM; codecs="opus"')).toEqual({ ok: true, value: 'audio/webm;codecs=opus' })
    expect(checkDeclared('audio', 'audio/mp4;codecs=mp4a.40.2')).toEqual({ ok: true, value: 'audio/mp4;codecs=mp4a.40.2' })
    expect(checkDeclared('image', 'image/jpeg')).toEqual({ ok: true, value: 'image/jpeg' })
  })

  test('scriptable types, video codecs and kind mix-ups are refused', () => {
    for (const [kind, mime] of [
      ['image', 'image/svg+xml'],
      ['file', 'text/html'],
      ['file', 'application/xhtml+xml'],
      ['audio', 'audio/webm;codecs=vp9'],
      ['audio', 'video/mp4'],
      ['image', 'image/png;codecs=opus'],
      ['file', 'image/png'],
      ['audio', ''],
    ] as const) {
      expect(checkDeclared(kind, mime).ok).toBe(false)
    }
  })

  test('sniffed types must belong to the ticket kind', () => {
    expect(checkSniffed('audio', 'video/webm')).toEqual({ ok: true, value: 'audio/webm' })
    expect(checkSniffed('audio', 'audio/x-m4a')).toEqual({ ok: true, value: 'audio/mp4' })
    expect(checkSniffed('image', 'image/apng')).toEqual({ ok: true, value: 'image/png' })
    expect(checkSniffed('audio', 'image/png')).toMatchObject({ ok: false, code: 'type_mismatch' })
    expect(checkSniffed('image', 'application/xml')).toMatchObject({ ok: false, code: 'unsupported_type' })
    expect(checkSniffed('image', undefined)).toMatchObject({ ok: false, code: 'unsupported_type' })
  })
})

describe('names', () => {
  test('path parts, control and bidi characters are removed, and long names keep their extension', () => {
    expect(sanitiseName('/home/me/photo.png')).toBe('photo.png')
    expect(sanitiseName('C:\\Users\\me\\a\tb.pdf')).toBe('ab.pdf')
    expect(sanitiseName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe')
    expect(sanitiseName('...hidden')).toBe('hidden')
    const long = sanitiseName('x'.repeat(500) + '.webm')
    expect([...long].length).toBe(MAX_NAME_LENGTH)
    expect(long).toEndWith('.webm')
  })

  test('any input gives a name without separators or control characters, within the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), raw => {
        const n = sanitiseName(raw)
        expect(n).not.toMatch(/[/\\\p{Cc}\p{Cf}]/u)
        expect([...n].length).toBeLessThanOrEqual(MAX_NAME_LENGTH)
      }),
    )
  })

  test('Content-Disposition carries an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('attachment', 'résumé "final".pdf')).toBe(`attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`)
  })
})

describe('byte ranges', () => {
  test('single ranges are clamped; unsatisfiable ones say so; others serve the whole file', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 })
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 })
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 })
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 })
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 })
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable')
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable')
    expect(parseRange(undefined, 1000)).toBeNull()
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull()
    expect(parseRange('items=0-1', 1000)).toBeNull()
    expect(parseRange('bytes=5-1', 1000)).toBeNull()
  })
})

describe('signed links', () => {
  const secrets = createSecrets('s'.repeat(40))
  let t = 1_700_000_000_000
  const links = createMediaLinks(secrets, 1800, () => t)

  test('a link verifies until it expires, and only for its own id', () => {
    const { url, expiresAt } = links.create('AbCdEfGhIjKlMnOpQrStUv')
    expect(expiresAt).toBe(t + 1800_000)
    const u = new URL(url, 'http://x')
    const [exp, sig] = [u.searchParams.get('exp')!, u.searchParams.get('sig')!]
    expect(links.check('AbCdEfGhIjKlMnOpQrStUv', exp, sig)).toBe('ok')
    expect(links.check('AbCdEfGhIjKlMnOpQrStUw', exp, sig)).toBe('forged')
    expect(links.check('AbCdEfGhIjKlMnOpQrStUv', String(Number(exp) + 1), sig)).toBe('forged')
    t += 1800_000
    expect(links.check('AbCdEfGhIjKlMnOpQrStUv', exp, sig)).toBe('expired')
    // Another secret (another server) cannot vouch for it.
    expect(createMediaLinks(createSecrets('t'.repeat(40)), 1800, () => 0).check('AbCdEfGhIjKlMnOpQrStUv', exp, sig)).toBe('forged')
  })

  test('no random signature verifies', () => {
    fc.assert(fc.property(fc.string({ minLength: 0, maxLength: 60 }), sig => links.check('AbCdEfGhIjKlMnOpQrStUv', String(Math.floor(t / 1000) + 60), sig) === 'forged'))
  })
})

describe('audio probe', () => {
  const probe = (container: 'webm' | 'ogg' | 'mp4', b: Uint8Array) => probeAudio(container, async (o, l) => b.subarray(o, o + l), b.length)

  test('reads durations from each recorder format', async () => {
    expect((await probe('ogg', files.oggOpus(7))).seconds).toBeCloseTo(7, 3)
    expect((await probe('mp4', files.m4a({ seconds: 9 }))).seconds).toBeCloseTo(9, 3)
    expect((await probe('mp4', files.fragmentedMp4(4))).seconds).toBeCloseTo(4, 1)
    expect((await probe('webm', files.webm({ seconds: 5, withDuration: true }))).seconds).toBeCloseTo(5, 3)
    // No Duration element (Chrome): the last block's time, a lower bound within one frame.
    expect((await probe('webm', files.webm({ seconds: 5 }))).seconds).toBeCloseTo(4.98, 2)
  })

  test('finds video tracks', async () => {
    expect((await probe('webm', files.webm({ video: true }))).video).toBe(true)
    expect((await probe('mp4', files.m4a({ video: true }))).video).toBe(true)
    expect((await probe('webm', files.webm())).video).toBe(false)
  })

  test('garbage and truncated files give no duration instead of an error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('webm' as const, 'ogg' as const, 'mp4' as const), async (bytes, c) => {
        const r = await probe(c, bytes)
        return r.seconds === null || Number.isFinite(r.seconds)
      }),
    )
    const whole = files.webm({ seconds: 3 })
    expect(await probe('webm', whole.subarray(0, 60))).toEqual({ seconds: null, video: false })
    // Cut inside the first cluster: what is there is measured, never more.
    expect((await probe('webm', whole.subarray(0, 200))).seconds).toBeLessThan(0.1)
  })
})

describe('tickets', () => {
  const make = () => {
    let t = 1_000_000
    const store = createTicketStore({ cache: guarded(createMemoryCache(), 100), now: () => t, ttlSeconds: 300 })
    return { store, advance: (ms: number) => (t += ms) }
  }
  const input = { sessionId: 'session-aaaaaaaaaaaa', chatId: 'chat-1', kind: 'image' as const, mime: 'image/png', name: 'x.png', size: 10 }

  test('a ticket is claimed once; concurrent claims have exactly one winner', async () => {
    const { store } = make()
    const { token } = (await store.issue(input))!
    const claims = await Promise.all(Array.from({ length: 5 }, () => store.claim(token, input.sessionId, input.chatId)))
    expect(claims.filter(c => c.ok)).toHaveLength(1)
    expect(claims.filter(c => !c.ok).map(c => !c.ok && c.code)).toEqual(Array(4).fill('ticket_used'))
  })

  test('binding and expiry', async () => {
    const { store, advance } = make()
    const { token } = (await store.issue(input))!
    expect(await store.claim(token, 'session-bbbbbbbbbbbb', input.chatId)).toMatchObject({ ok: false, code: 'wrong_session' })
    advance(300_000)
    expect(await store.claim(token, input.sessionId, input.chatId)).toMatchObject({ ok: false, code: 'ticket_expired', status: 410 })
    const second = (await store.issue(input))!
    expect(await store.claim(second.token, input.sessionId, 'chat-2')).toMatchObject({ ok: false, code: 'chat_changed' })
    expect(await store.claim('nope', input.sessionId, input.chatId)).toMatchObject({ ok: false, code: 'unknown_ticket' })
  })

  test('a cache that fails reads as unavailable, never as a crash', async () => {
    const broken = guarded(
      {
        kind: 'memcached',
        get: () => Promise.reject(new Error('down')),
        set: () => Promise.reject(new Error('down')),
        add: () => Promise.reject(new Error('down')),
        delete: () => Promise.reject(new Error('down')),
        incr: () => Promise.reject(new Error('down')),
        ping: () => Promise.reject(new Error('down')),
        close: async () => {},
      },
      50,
    )
    const store = createTicketStore({ cache: broken, now: Date.now, ttlSeconds: 300 })
    expect(await store.issue(input)).toBeNull()
    expect(await store.claim('x'.repeat(32), input.sessionId, input.chatId)).toMatchObject({ ok: false, status: 503, code: 'cache_unavailable' })
  })
})
