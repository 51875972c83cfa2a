// The spam suite's tables (tests/support/spam-spellings.ts): every spelling of a link, handle or
// phone number that must be caught is, and no ordinary sentence is refused. A filter that refuses
// normal talk is as broken as one that lets spam through. `bun tests/bench/spam-filter.ts` prints
// the rates.
import { describe, expect, test } from 'bun:test'
import { openCache } from '../../api/cache'
import { loadConfig } from '../../api/config'
import { createSpamFilter, looksLikeLinkOrHandle } from '../../api/safety/spam'
import { MUST_CATCH, MUST_PASS } from '../support/spam-spellings'

describe('the spam filter against its tables', () => {
  test('the tables are as large as the suite promises', () => {
    expect(MUST_CATCH.length).toBeGreaterThanOrEqual(60)
    expect(MUST_PASS.length).toBeGreaterThanOrEqual(30)
  })

  for (const s of MUST_CATCH) test(`caught: ${JSON.stringify(s)}`, () => expect(looksLikeLinkOrHandle(s)).toBe(true))
  for (const s of MUST_PASS) test(`not refused: ${JSON.stringify(s)}`, () => expect(looksLikeLinkOrHandle(s)).toBe(false))
})

const cache = () => openCache(loadConfig({ DATA_DIR: '/tmp' }))
const config = { spamRepeatStrangers: 2, spamRepeatWindowSeconds: 600, spamLinkGraceSeconds: 10, spamScreenSeconds: 60 }
const ctx = (partnerId: string, sessionId = 's', chatStartedAt = 0) => ({ sessionId, ipHash: 'ip', partnerId, chatStartedAt })

describe('screening by time and by skeleton', () => {
  test('a link after three fillers, a second into the chat, is refused', async () => {
    const f = createSpamFilter({ config, cache: cache() })
    for (const [i, t] of ['hi', 'hey', 'ok'].entries()) expect(f.check(ctx('p'), t, 100 * i)).toBeNull()
    expect(await f.check(ctx('p'), 'evil dot com', 1000)).toContain('link')
  })

  test('every text of the first SPAM_SCREEN_SECONDS is counted for repeats, none after', async () => {
    const f = createSpamFilter({ config, cache: cache() })
    const pitch = 'buy my wonderful course today'
    for (const p of ['p1', 'p2']) expect(await f.check(ctx(p), pitch, 30_000)).toBeNull()
    expect(await f.check(ctx('p3'), pitch, 59_000)).toContain('strangers')
    expect(f.check(ctx('p4'), pitch, 60_000)).toBeNull()
  })

  test('one swapped letter, look-alikes or case do not make a new message for the repeat rule', async () => {
    const f = createSpamFilter({ config, cache: cache() })
    expect(await f.check(ctx('p1'), 'Hot singles near you, click my profile now', 20_000)).toBeNull()
    expect(await f.check(ctx('p2'), 'Hot singles near you, click my profile nOw', 20_000)).toBeNull()
    expect(await f.check(ctx('p3'), 'Hot singles neаr yоu, click my profilx now', 20_000)).toContain('strangers')
  })

  test('a link or handle split over the last few texts is checked joined', async () => {
    const f = createSpamFilter({ config, cache: cache() })
    expect(f.check(ctx('p', 'a'), 'evil.', 100)).toBeNull()
    expect(await f.check(ctx('p', 'a'), 'com', 200)).toContain('link')
    expect(f.check(ctx('p', 'b'), 'add me on', 100)).toBeNull()
    expect(await f.check(ctx('p', 'b'), 'snap', 200)).toContain('link')
    for (const [i, c] of ['s', 'n', 'a', 'p'].entries()) expect(f.check(ctx('p', 'c'), c, 100 + i)).toBeNull()
    expect(await f.check(ctx('p', 'c'), 'chat', 200)).toContain('link')
    // A new chat starts afresh: the last chat's pieces are forgotten.
    expect(f.check(ctx('p', 'a', 5000), 'com', 5100)).toBeNull()
  })

  test('ordinary texts one after another are not joined into a link', () => {
    const f = createSpamFilter({ config, cache: cache() })
    for (const [i, t] of ['ok', 'so', 'where are you from?', 'I like math.', 'do you?'].entries()) expect(f.check(ctx('p'), t, 100 * i)).toBeNull()
  })
})

describe('hostile texts', () => {
  // The longest text (MAX_TEXT_LENGTH 2000) built to make the patterns backtrack: each is
  // screened in well under a millisecond on the reference machine; the bound leaves room for load.
  const hostile: Record<string, string> = {
    dots: 'a.'.repeat(1000),
    spaced: 'a '.repeat(1000),
    digits: '1 '.repeat(1000),
    dashes: '1-'.repeat(1000),
    lookalikes: 'а.'.repeat(1000),
    zeroWidth: 'a\u200b'.repeat(1000),
    written: 'a dot '.repeat(333),
    brackets: '[dot]'.repeat(400),
    handles: '@a '.repeat(666),
    oneLabel: 'a'.repeat(1990) + '.c',
  }
  for (const [name, text] of Object.entries(hostile)) {
    test(`${name}: screened in bounded time, without throwing`, () => {
      const t0 = performance.now()
      looksLikeLinkOrHandle(text)
      expect(performance.now() - t0).toBeLessThan(100)
    })
  }
})
