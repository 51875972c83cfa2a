// The app's TURN credentials on a real coturn: the session gets them from rtc.iceServers and
// allocates a relay with them; an expired or forged credential is refused by the turnserver.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { turnCredential, turnPassword } from '../../api/rtc/turn-credentials'
import { startTestApp, LIFTED_LIMITS, type TestApp } from '../support/app'
import { uniqueInterest } from '../support/people'
import { ATTR, StunClient, STUN_TYPES, errorCode } from '../support/stun-client'
import { callError, trpcClient } from '../support/trpc-calls'
import { startTurnServer, type TurnServer } from '../support/turnserver'

let turn: TurnServer
let app: TestApp

/** An Allocate from a socket of its own: one 5-tuple holds one allocation (a second one gets 437). */
async function allocate(username: string, password: string, server = turn) {
  const stun = await StunClient.open('127.0.0.1', server.port)
  try {
    return await stun.allocate(username, password)
  } finally {
    stun.close()
  }
}

beforeAll(async () => {
  turn = await startTurnServer()
  app = await startTestApp({ ...LIFTED_LIMITS, TURN_URLS: turn.url, TURN_SECRET: turn.secret, TURN_CREDENTIAL_TTL_SECONDS: '600' })
})

afterAll(async () => {
  await app?.close()
  await turn?.stop()
})

/** A session searching for a video chat, and its ICE configuration from rtc.iceServers. */
async function videoSearcher() {
  const c = await app.client()
  c.send({ type: 'find', interests: [uniqueInterest()], random: false, video: true })
  expect(await c.next('queued')).toMatchObject({ video: true })
  const ice = await trpcClient(app.url, { session: c.session }).rtc.iceServers.query()
  return { c, ice }
}

describe('TURN relays with the app’s credentials (real turnserver)', () => {
  test('hello says video is on; rtc.iceServers is relay-only, its username a keyed session ref (never the token)', async () => {
    const { c, ice } = await videoSearcher()
    expect(c.frames[0]).toMatchObject({ type: 'hello', video: true, videoScreening: 'on', videoScreenThreshold: 0.7 })
    expect(ice.iceTransportPolicy).toBe('relay')
    expect(ice.iceServers).toHaveLength(1)
    const server = ice.iceServers[0]!
    expect(server.urls).toEqual([turn.url])
    const [expiry, ref] = server.username.split(':') as [string, string]
    expect(Number(expiry) * 1000).toBe(ice.expiresAt)
    expect(ice.expiresAt - Date.now()).toBeGreaterThan(590_000)
    expect(ice.expiresAt - Date.now()).toBeLessThanOrEqual(600_000)
    expect(ref).toMatch(/^[\w-]{22}$/)
    expect(server.username).not.toContain(c.session)
    expect(server.credential).toBe(turnPassword(turn.secret, server.username))
    c.close()
  })

  test('the credential allocates a relay on the turnserver: 401 with realm and nonce, then XOR-RELAYED-ADDRESS', async () => {
    const { c, ice } = await videoSearcher()
    const { username, credential } = ice.iceServers[0]!
    const r = await allocate(username, credential)
    expect(r.challenge?.type).toBe(STUN_TYPES.ALLOCATE_ERROR)
    expect(errorCode(r.challenge!)).toBe(401)
    expect(r.answer?.type).toBe(STUN_TYPES.ALLOCATE_SUCCESS)
    expect(r.relayed?.address).toBe('127.0.0.1')
    expect(r.relayed!.port).toBeGreaterThan(0)
    c.close()
  })

  test('an expired credential is refused (401)', async () => {
    // Made exactly as the app makes them, but its expiry has passed.
    const old = turnCredential({ secret: turn.secret, userRef: 'expired-session-ref', ttlSeconds: 60, nowMs: Date.now() - 3_600_000 })
    const r = await allocate(old.username, old.credential)
    expect(r.answer?.type).toBe(STUN_TYPES.ALLOCATE_ERROR)
    expect([401, 438]).toContain(errorCode(r.answer!)!)
  })

  test('a forged credential (another secret, or an edited expiry) is refused (401)', async () => {
    const forged = turnCredential({ secret: 'not-the-turn-secret-at-all', userRef: 'forger', ttlSeconds: 600, nowMs: Date.now() })
    const r1 = await allocate(forged.username, forged.credential)
    expect(r1.answer?.type).toBe(STUN_TYPES.ALLOCATE_ERROR)
    expect([401, 438]).toContain(errorCode(r1.answer!)!)
    // A real credential whose username is given a later expiry: the HMAC no longer matches.
    const real = turnCredential({ secret: turn.secret, userRef: 'stretcher', ttlSeconds: 600, nowMs: Date.now() })
    const stretched = real.username.replace(/^\d+/, String(Math.floor(Date.now() / 1000) + 86_400 * 365))
    const r2 = await allocate(stretched, real.credential)
    expect(r2.answer?.type).toBe(STUN_TYPES.ALLOCATE_ERROR)
    expect([401, 438]).toContain(errorCode(r2.answer!)!)
  })

  test('rtc.iceServers only for a session in or searching for a video chat', async () => {
    const idle = await app.client()
    expect(await callError(trpcClient(app.url, { session: idle.session }).rtc.iceServers.query())).toMatchObject({ appCode: 'not_in_chat', httpStatus: 412 })
    // Searching for a text chat does not count either.
    idle.send({ type: 'find', interests: [uniqueInterest()], random: false })
    await idle.next('queued')
    expect(await callError(trpcClient(app.url, { session: idle.session }).rtc.iceServers.query())).toMatchObject({ appCode: 'not_in_chat' })
    expect(await callError(trpcClient(app.url).rtc.iceServers.query())).toMatchObject({ appCode: 'no_session', httpStatus: 401 })
    expect(await callError(trpcClient(app.url, { session: 'not-a-session-token-at-all' }).rtc.iceServers.query())).toMatchObject({ appCode: 'no_session' })
    idle.close()
  })

  test('/metrics says TURN is configured', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text()
    expect(text).toMatch(/^leetchat_turn_configured 1$/m)
  })
})

describe('the production coturn template (ops/coturn/turnserver.conf, rendered) on a real turnserver', () => {
  let prod: TurnServer
  beforeAll(async () => {
    prod = await startTurnServer({ production: true })
  })
  afterAll(() => prod?.stop())

  test("accepts the app's credentials, refuses forged ones, and will not relay to a private or loopback peer", async () => {
    const good = turnCredential({ secret: prod.secret, userRef: 'prod-session-ref', ttlSeconds: 600, nowMs: Date.now() })
    const stun = await StunClient.open('127.0.0.1', prod.port)
    try {
      const r = await stun.allocate(good.username, good.credential)
      expect(r.answer?.type).toBe(STUN_TYPES.ALLOCATE_SUCCESS)
      expect(r.relayed?.address).toBe('127.0.0.1')
      const realm = r.challenge!.attrs.get(ATTR.REALM)!
      const nonce = r.challenge!.attrs.get(ATTR.NONCE)!
      expect(realm.toString()).toBe(prod.realm)
      // denied-peer-ip: the relay never sends to this host, its LAN or link-local addresses.
      for (const peer of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.9', '169.254.169.254']) {
        const p = await stun.permission(good.username, good.credential, realm, nonce, peer)
        expect({ peer, type: p?.type, code: p && errorCode(p) }).toEqual({ peer, type: STUN_TYPES.CREATE_PERMISSION_ERROR, code: 403 })
      }
      // A public peer is allowed.
      const ok = await stun.permission(good.username, good.credential, realm, nonce, '8.8.8.8')
      expect(ok?.type).toBe(STUN_TYPES.CREATE_PERMISSION_SUCCESS)
    } finally {
      stun.close()
    }
    const forged = turnCredential({ secret: 'some-other-secret-entirely', userRef: 'x', ttlSeconds: 600, nowMs: Date.now() })
    const bad = await allocate(forged.username, forged.credential, prod)
    expect(bad.answer?.type).toBe(STUN_TYPES.ALLOCATE_ERROR)
    expect(errorCode(bad.answer!)).toBe(401)
  })
})
