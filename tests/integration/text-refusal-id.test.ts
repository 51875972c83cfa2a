// An `error` that refuses a `text` names that text's `id`, so a client marks exactly the refused
// message (not a FIFO guess): spam, rate limits, texts outside a chat and a bad body, mixed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TEXT_REFUSAL_CODES } from '../../api/chat/protocol'
import { startTestApp, type TestApp } from '../support/app'
import { meet, person } from '../support/people'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({
    // A link within the first 60 s of a chat from a new address is spam.
    SPAM_LINK_GRACE_SECONDS: '60',
    SPAM_REPEAT_STRANGERS: '0',
    RATE_TEXT_PER_SECOND: '1',
    RATE_TEXT_BURST: '3',
    QUARANTINE_STRIKES: '1000',
    ABUSE_STRIKES_BEFORE_CLOSE: '1000',
  })
})
afterAll(() => app?.close())

describe('an error refusing a text carries its id', () => {
  test('a spam-refused text gets spam with its id, and later rate-limited texts get their own ids', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    a.send({ type: 'text', id: 'link', body: 'add me on snap: xx' })
    a.send({ type: 'text', id: 'hi', body: 'hello' })
    // The burst of 3 is spent by link + hi + this one; the next ones are over the rate.
    a.send({ type: 'text', id: 'how', body: 'how are you' })
    for (let i = 0; i < 3; i++) a.send({ type: 'text', id: `over${i}`, body: `more ${i}` })
    // The spam verdict may wait on the cache (memcached) while the rate limit answers at once, so
    // the errors come in either order: exactly why each one names its text.
    const errors = [await a.next('error'), await a.next('error'), await a.next('error'), await a.next('error')]
    expect(Object.fromEntries(errors.map(e => [e.id, e.code]))).toEqual({ link: 'spam', over0: 'rate_limited', over1: 'rate_limited', over2: 'rate_limited' })
    // The two that went were delivered under their own ids, and only they reached the stranger.
    const end = Date.now() + 3000
    while (a.all('delivered').length < 2 && Date.now() < end) await Bun.sleep(10)
    expect(
      a
        .all('delivered')
        .map(d => d.id)
        .sort(),
    ).toEqual(['hi', 'how'])
    expect([(await b.next('text')).body, (await b.next('text')).body]).toEqual(['hello', 'how are you'])
    expect(await b.nothing('text', 150)).toBe(true)
    a.close()
    b.close()
  })

  test('a text outside a chat gets not_in_chat with its id; a bad body names the id, a bad id does not', async () => {
    const a = await person(app)
    a.send({ type: 'text', id: 'alone', body: 'anyone?' })
    expect(await a.next('error')).toMatchObject({ code: 'not_in_chat', id: 'alone' })
    a.send({ type: 'text', id: 'blank', body: '\u200b\u200b' })
    expect(await a.next('error')).toMatchObject({ code: 'bad_frame', id: 'blank' })
    // An id the server cannot take is not echoed (too long, or not a string).
    a.send({ type: 'text', id: 'x'.repeat(65), body: 'hi' })
    const long = await a.next('error')
    expect(long.code).toBe('bad_frame')
    expect(long.id).toBeUndefined()
    a.send({ type: 'text', id: { evil: true }, body: 'hi' })
    const obj = await a.next('error')
    expect(obj.code).toBe('bad_frame')
    expect('id' in obj).toBe(false)
    // Every code seen here is one the protocol lists as refusing a text.
    for (const code of ['spam', 'rate_limited', 'not_in_chat', 'bad_frame'] as const) expect(TEXT_REFUSAL_CODES).toContain(code)
    a.close()
  })
})
