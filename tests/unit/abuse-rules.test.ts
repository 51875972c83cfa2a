// Pure parts of the abuse rules: the proof-of-work token, the spam pre-filter and counters, the
// difficulty curve.
import { describe, expect, test } from 'bun:test'
import { openCache } from '../../api/cache'
import { guarded, type RawCache } from '../../api/cache/cache'
import { loadConfig } from '../../api/config'
import { createMetrics } from '../../api/ops/metrics'
import { createSecrets } from '../../api/secrets'
import { createAddressRisk, extraBits } from '../../api/safety/address-risk'
import { CHALLENGE_TTL_MS, issueChallenge, leadingZeroBits, solveChallenge, verifyProof } from '../../api/safety/proof-of-work'
import { createSpamFilter, looksLikeLinkOrHandle, normaliseForRepeat } from '../../api/safety/spam'

const secrets = createSecrets('s'.repeat(40))
const cache = () => openCache(loadConfig({ DATA_DIR: '/tmp' }))
const who = { sessionId: 'sess-1', ipHash: 'ip-1' }

describe('proof of work', () => {
  test('leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0, 0, 0x80]))).toBe(16)
    expect(leadingZeroBits(new Uint8Array([0, 0x01]))).toBe(15)
    expect(leadingZeroBits(new Uint8Array([0xff]))).toBe(0)
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16)
  })

  test('a solved challenge verifies once, only for its session and address, only before it expires', async () => {
    const c = cache()
    const t = 1_800_000_000_000
    const ch = issueChallenge(secrets, who, 8, t)
    expect(ch.expiresAt).toBe(t + CHALLENGE_TTL_MS)
    const nonce = solveChallenge(ch)
    expect(await verifyProof(secrets, c, { ...who, sessionId: 'other' }, ch.token, nonce, t)).toMatchObject({ ok: false })
    expect(await verifyProof(secrets, c, { ...who, ipHash: 'ip-2' }, ch.token, nonce, t)).toMatchObject({ ok: false })
    expect(await verifyProof(secrets, c, who, ch.token, nonce, ch.expiresAt)).toMatchObject({ ok: false, message: expect.stringContaining('expired') })
    expect(await verifyProof(secrets, c, who, ch.token, nonce, t)).toEqual({ ok: true, bits: 8 })
    expect(await verifyProof(secrets, c, who, ch.token, nonce, t)).toMatchObject({ ok: false, message: expect.stringContaining('already used') })
  })

  test('a token signed with another secret, or with its bits lowered, is refused', async () => {
    const t = 1_800_000_000_000
    const ch = issueChallenge(secrets, who, 8, t)
    const nonce = solveChallenge(ch)
    expect(await verifyProof(createSecrets('o'.repeat(40)), cache(), who, ch.token, nonce, t)).toMatchObject({ ok: false })
    const easier = ch.token.replace('v1.8.', 'v1.1.')
    expect(await verifyProof(secrets, cache(), who, easier, solveChallenge({ token: easier, bits: 1 }), t)).toMatchObject({ ok: false })
  })

  test('during a cache outage a proof is let through (a replay cannot be told apart, nobody is locked out)', async () => {
    const fail = () => Promise.reject(new Error('down'))
    const down = guarded({ kind: 'memcached', get: fail, set: fail, add: fail, delete: fail, incr: fail, ping: fail, close: async () => {} } as RawCache, 50)
    const ch = issueChallenge(secrets, who, 6, 1_800_000_000_000)
    expect(await verifyProof(secrets, down, who, ch.token, solveChallenge(ch), 1_800_000_000_000)).toEqual({ ok: true, bits: 6 })
  })

  test('difficulty: +2 bits each time the risk score doubles past 4', () => {
    expect([0, 3, 4, 7, 8, 16, 32].map(extraBits)).toEqual([0, 0, 2, 2, 4, 6, 8])
  })
})

describe('spam heuristics', () => {
  test('normalising for repeats ignores case, spacing and punctuation', () => {
    expect(normaliseForRepeat('Check  MY page!!! 🙂')).toBe(normaliseForRepeat('check my page'))
  })

  test('links and contact handles', () => {
    for (const s of ['https://x.y', 'www.site', 'visit foo.com', 'foo (dot) net', 'add me @cool_kid', 'my snap is x', 'discord?', 't.me/abc'])
      expect({ s, hit: looksLikeLinkOrHandle(s) }).toEqual({ s, hit: true })
    for (const s of ['hello there', 'I like math.', 'e-mail me? no', 'a@b', 'what is up']) expect({ s, hit: looksLikeLinkOrHandle(s) }).toEqual({ s, hit: false })
  })

  test('short or ordinary texts never reach the cache; repeats count distinct strangers', async () => {
    const f = createSpamFilter({ config: { spamRepeatStrangers: 2, spamRepeatWindowSeconds: 60, spamLinkGraceSeconds: 5, spamScreenSeconds: 60 }, cache: cache() })
    const ctx = (partnerId: string) => ({ sessionId: 's', ipHash: 'ip', partnerId, chatStartedAt: 0 })
    expect(f.check(ctx('p1'), 'hi', 30_000)).toBeNull()
    const pitch = 'buy my wonderful course today'
    expect(await f.check(ctx('p1'), pitch, 30_000)).toBeNull()
    expect(await f.check(ctx('p1'), pitch, 30_000)).toBeNull() // the same stranger twice is one
    expect(await f.check(ctx('p2'), pitch, 30_000)).toBeNull()
    expect(await f.check(ctx('p3'), pitch, 30_000)).toContain('strangers')
    // A link from a new address: refused within the grace, fine after it.
    f.seen('ip', 0)
    expect(await f.check(ctx('p4'), 'www.x', 1000)).toContain('link')
    expect(f.check(ctx('p4'), 'www.x', 6000)).toBeNull()
  })

  test('0 turns each rule off', () => {
    const f = createSpamFilter({ config: { spamRepeatStrangers: 0, spamRepeatWindowSeconds: 60, spamLinkGraceSeconds: 0, spamScreenSeconds: 60 }, cache: cache() })
    expect(f.check({ sessionId: 's', ipHash: 'ip', partnerId: 'p', chatStartedAt: 0 }, 'https://spam.example.com buy buy buy buy', 1)).toBeNull()
  })
})

describe('address risk', () => {
  test('strikes quarantine at QUARANTINE_STRIKES, counting strike sources (image flags)', async () => {
    let flags = 0
    const risk = createAddressRisk({ config: { quarantineStrikes: 3, quarantineSeconds: 60 }, cache: cache(), metrics: createMetrics(), strikeSources: [async () => flags] })
    await risk.strike('ip', 'spam')
    expect(await risk.quarantined('ip')).toBe(false)
    flags = 2
    expect(await risk.strikes('ip')).toBe(3)
    expect(await risk.quarantined('ip')).toBe(true)
    expect(await risk.score('ip')).toBeGreaterThan(0)
  })
})

describe('the cluster connection-cap wrapper', () => {
  test("keeps the node guard's proof, pool, screening and risk hooks (cluster mode lost them once)", async () => {
    const { allowAll, withClusterConnectionCap } = await import('../../api/chat/guard')
    const calls: string[] = []
    const node = {
      ...allowAll,
      poolFor: async () => (calls.push('pool'), 'quarantine'),
      checkProof: async () => (calls.push('proof'), null),
      screenText: () => (calls.push('screen'), null),
      noteRisk: () => void calls.push('risk'),
    }
    const g = withClusterConnectionCap(node, { acquire: async () => true, release() {} }, 5)
    const ctx = { sessionId: 's', ipHash: 'i' }
    expect(await g.poolFor!(ctx)).toBe('quarantine')
    expect(await g.checkProof!(ctx, 't', 'n')).toBeNull()
    expect(g.screenText!({ ...ctx, partnerId: 'p', chatStartedAt: 0 }, 'hi', 1)).toBeNull()
    g.noteRisk!('i', 'skip')
    expect(calls).toEqual(['pool', 'proof', 'screen', 'risk'])
  })
})
