// The bad-input suite for video chat (a sibling of bad-input.test.ts, on a server with video on):
// hostile `rtc` frames, video finds and rtc.iceServers calls. Each gets its documented answer, the
// partner gets nothing it should not, nothing is left behind, and a fresh pair still chats after.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { ErrorCode } from '../../api/chat/protocol'
import { startTestApp, type TestApp } from '../support/app'
import { healthyPair, person } from '../support/people'
import { callError, trpcClient } from '../support/trpc-calls'
import type { TestClient } from '../support/ws-client'
import { drained } from '../support/leaks'

let app: TestApp

beforeAll(async () => {
  // Default rtc rate (RATE_RTC_PER_SECOND 10, burst 40); a short resume window so sessions leave quickly.
  app = await startTestApp({ RESUME_WINDOW_MS: '100', MATCH_FALLBACK_MS: '60000', TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'a-test-turn-secret-of-enough-length' })
})
afterAll(() => app.close())

async function refused(c: TestClient, frame: unknown, code: ErrorCode) {
  const before = c.all('error').length
  c.send(frame)
  const e = await c.next('error')
  const shown = String(typeof frame === 'string' ? frame : JSON.stringify(frame)).slice(0, 80)
  expect({ frame: shown, code: e.code }).toEqual({ frame: shown, code })
  expect(e.message.length).toBeGreaterThan(0)
  expect(c.all('error').length).toBe(before + 1)
  expect(c.closed).toBeNull()
}

/** Two people in a video chat; after fn, the partner must have received no rtc frame unless fn says so. */
async function videoChat(fn: (a: TestClient, b: TestClient) => Promise<void>) {
  const a = await person(app)
  const b = await person(app)
  try {
    const interest = 'v' + Math.random().toString(36).slice(2, 10)
    a.send({ type: 'find', interests: [interest], random: false, video: true })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false, video: true })
    await Promise.all([a.next('matched'), b.next('matched')])
    await fn(a, b)
  } finally {
    for (const c of [a, b]) if (!c.closed) c.close()
    await Promise.all([a.waitClose(), b.waitClose()])
  }
}

/** Every frame refused with `code` inside a video chat, and none of them reaches the partner. */
const refusedInChat = (frames: unknown[], code: ErrorCode) => () =>
  videoChat(async (a, b) => {
    for (const f of frames) await refused(a, f, code)
    expect(await b.nothing('rtc', 100)).toBe(true)
  })

const long = (n: number, ch = 'x') => ch.repeat(n)
const RELAY = 'candidate:4 1 udp 41885439 127.0.0.1 49170 typ relay raddr 203.0.113.7 rport 61000'

const cases: Array<[string, () => Promise<void>]> = [
  [
    'rtc without a kind, with an unknown kind, or a kind that is not a string',
    refusedInChat(
      [{ type: 'rtc' }, { type: 'rtc', kind: 'hangup' }, { type: 'rtc', kind: ['offer'], sdp: 'v=0' }, { type: 'rtc', kind: null }, { type: 'rtc', kind: '__proto__' }],
      'bad_frame',
    ),
  ],
  [
    'offer or answer without an sdp, with an empty one, or one that is not a string',
    refusedInChat(
      [
        { type: 'rtc', kind: 'offer' },
        { type: 'rtc', kind: 'answer', sdp: '' },
        { type: 'rtc', kind: 'offer', sdp: 42 },
        { type: 'rtc', kind: 'offer', sdp: { v: 0 } },
      ],
      'bad_frame',
    ),
  ],
  ['an sdp over 16 KB', refusedInChat([{ type: 'rtc', kind: 'offer', sdp: 'v=0\r\n' + long(16 * 1024) }], 'bad_frame')],
  // 6000 × "€" is 6000 characters but 18 000 bytes.
  ['an sdp under 16 K characters but over 16 KB in UTF-8', refusedInChat([{ type: 'rtc', kind: 'offer', sdp: 'v=0\r\n' + long(6000, '€') }], 'bad_frame')],
  [
    'an rtc frame over MAX_FRAME_BYTES',
    () => videoChat(async a => refused(a, JSON.stringify({ type: 'rtc', kind: 'offer', sdp: long(app.services.config.maxFrameBytes) }), 'too_large')),
  ],
  [
    'candidate frames with wrong fields',
    refusedInChat(
      [
        { type: 'rtc', kind: 'candidate' },
        { type: 'rtc', kind: 'candidate', candidate: 7 },
        { type: 'rtc', kind: 'candidate', candidate: long(1025) },
        { type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMLineIndex: -1 },
        { type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMLineIndex: 1.5 },
        { type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMLineIndex: '0' },
        { type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMid: long(65) },
        { type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMid: 0 },
      ],
      'bad_frame',
    ),
  ],
  [
    'state frames with wrong fields',
    refusedInChat(
      [
        { type: 'rtc', kind: 'state' },
        { type: 'rtc', kind: 'state', mic: 'on', camera: true },
        { type: 'rtc', kind: 'state', mic: true },
        { type: 'rtc', kind: 'state', mic: 1, camera: 0 },
      ],
      'bad_frame',
    ),
  ],
  ['find with video that is not a boolean', () => videoChat(async a => refused(a, { type: 'find', interests: ['x'], video: 'yes' }, 'bad_frame'))],
  [
    'rtc outside any chat',
    async () => {
      const c = await person(app)
      try {
        await refused(c, { type: 'rtc', kind: 'offer', sdp: 'v=0\r\n' }, 'not_in_chat')
        // Searching for a video chat is not being in one.
        c.send({ type: 'find', interests: ['lonely' + Math.random()], random: false, video: true })
        await c.next('queued')
        await refused(c, { type: 'rtc', kind: 'state', mic: true, camera: true }, 'not_in_chat')
      } finally {
        c.close()
        await c.waitClose()
      }
    },
  ],
  [
    'host candidates dressed up (typ relay on an mDNS name or a host name, typ among the extensions) never reach the partner',
    () =>
      videoChat(async (a, b) => {
        for (const candidate of [
          'candidate:3 1 udp 41885439 4d6f2c1b-3a45-4c2e-9e1a-7b2f0c9d8e71.local 54323 typ relay',
          'candidate:3 1 udp 41885439 laptop.example 54323 typ relay',
          'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 typ relay',
          'a=candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host',
          'garbage',
        ])
          a.send({ type: 'rtc', kind: 'candidate', candidate })
        expect(await b.nothing('rtc', 200)).toBe(true)
        expect(a.all('error')).toEqual([])
      }),
  ],
  [
    'extra fields (seq, from, a forged type in a nested object) are not relayed',
    () =>
      videoChat(async (a, b) => {
        a.send({ type: 'rtc', kind: 'state', mic: true, camera: false, seq: 1, from: 'server', extra: { type: 'ended' }, __proto__: { polluted: 1 } })
        expect(await b.next('rtc')).toEqual({ type: 'rtc', kind: 'state', mic: true, camera: false })
      }),
  ],
  [
    '10 000 candidate frames in a burst: rate_limited with a retry-after, then closed with 1008, the partner spared',
    () =>
      videoChat(async (a, b) => {
        const frame = JSON.stringify({ type: 'rtc', kind: 'candidate', candidate: RELAY })
        for (let i = 0; i < 10_000; i++) a.ws.send(frame)
        expect((await a.waitClose(5000)).code).toBe(1008)
        const errors = a.all('error')
        expect(errors.length).toBeGreaterThan(0)
        expect(errors.every(e => e.code === 'rate_limited' && e.retryAfterMs! > 0)).toBe(true)
        await Bun.sleep(50)
        // The burst (40) and what refilled meanwhile, never the flood.
        expect(b.all('rtc').length).toBeGreaterThanOrEqual(40)
        expect(b.all('rtc').length).toBeLessThanOrEqual(60)
        expect(b.closed).toBeNull()
      }),
  ],
  [
    'rtc.iceServers without a session, with a forged one, or for a session not in a video chat',
    async () => {
      expect(await callError(trpcClient(app.url).rtc.iceServers.query())).toMatchObject({ appCode: 'no_session', httpStatus: 401 })
      expect(await callError(trpcClient(app.url, { session: 'x'.repeat(43) }).rtc.iceServers.query())).toMatchObject({ appCode: 'no_session' })
      const c = await person(app)
      try {
        expect(await callError(trpcClient(app.url, { session: c.session }).rtc.iceServers.query())).toMatchObject({ appCode: 'not_in_chat', httpStatus: 412 })
      } finally {
        c.close()
        await c.waitClose()
      }
    },
  ],
  [
    'rtc.iceServers as a mutation, or with junk input',
    async () => {
      const c = await person(app)
      try {
        const post = await fetch(`${app.url}/trpc/rtc.iceServers`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.session}` },
        })
        expect(post.status).toBe(405)
        await post.text()
        const junk = await fetch(`${app.url}/trpc/rtc.iceServers?input=${encodeURIComponent('{"__proto__":{"x":1}}')}`, { headers: { authorization: `Bearer ${c.session}` } })
        expect(junk.status).toBe(412)
        expect(((await junk.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('not_in_chat')
      } finally {
        c.close()
        await c.waitClose()
      }
    },
  ],
]

for (const [name, run] of cases) {
  test(name, async () => {
    await run()
    await drained(app)
    await healthyPair(app)
    await drained(app)
  })
}
