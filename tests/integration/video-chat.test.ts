// Video chat on the real server, one node and two nodes over Redis (in-process nodes, either test
// backend): video finders pair with video finders only, one side offers, rtc frames reach the
// partner through the delivery port (also across nodes) with every non-relay candidate gone.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { RtcFrame } from '../../api/chat/protocol'
import { startTestApp, LIFTED_LIMITS, type TestApp } from '../support/app'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'
import type { TestClient } from '../support/ws-client'

const VIDEO_ENV = { ...LIFTED_LIMITS, TURN_URLS: 'turn:127.0.0.1:3478?transport=udp', TURN_SECRET: 'a-test-turn-secret-of-enough-length', MATCH_FALLBACK_MS: '200' }

const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0'
const MDNS = 'candidate:2 1 udp 2122260223 4d6f2c1b-3a45-4c2e-9e1a-7b2f0c9d8e71.local 54323 typ host generation 0'
const SRFLX = 'candidate:3 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.23 rport 54321'
const RELAY = 'candidate:4 1 udp 41885439 127.0.0.1 49170 typ relay raddr 203.0.113.7 rport 61000 generation 0'
const RELAY_BLANKED = 'candidate:4 1 udp 41885439 127.0.0.1 49170 typ relay raddr 0.0.0.0 rport 0 generation 0'
const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  `a=${HOST}`,
  `a=${MDNS}`,
  `a=${SRFLX}`,
  `a=${RELAY}`,
  'a=end-of-candidates',
  '',
].join('\r\n')
const SDP_STRIPPED = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  `a=${RELAY_BLANKED}`,
  'a=end-of-candidates',
  '',
].join('\r\n')

interface Nodes {
  /** Where the first and the second person connect (the same app on one node). */
  x: TestApp
  y: TestApp
  close(): Promise<void>
}

const setups: Array<[string, () => Promise<Nodes>]> = [
  [
    'one node',
    async () => {
      const app = await startTestApp(VIDEO_ENV)
      return { x: app, y: app, close: () => app.close() }
    },
  ],
  [
    'two nodes over Redis',
    async () => {
      const prefix = testPrefix('video')
      // MEMCACHED_SERVERS empty = unset: the nodes share Redis on either test backend.
      const env = { ...VIDEO_ENV, MEMCACHED_SERVERS: '', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, NODE_HEARTBEAT_MS: '200', NODE_TTL_MS: '2000' }
      const x = await startTestApp({ ...env, NODE_ID: 'vx' })
      const y = await startTestApp({ ...env, NODE_ID: 'vy' })
      return {
        x,
        y,
        async close() {
          await x.close()
          await y.close()
          await deletePrefix(TEST_REDIS_URL, prefix)
        },
      }
    },
  ],
]

for (const [name, setup] of setups) {
  describe(`video chat, ${name}`, () => {
    let n: Nodes
    const opened: TestClient[] = []
    beforeAll(async () => {
      n = await setup()
    })
    afterAll(async () => {
      for (const c of opened) if (!c.closed) c.close()
      await n?.close()
    })

    async function person(app: TestApp) {
      const c = await app.client({ headers: fromIp(freshIp()) })
      opened.push(c)
      return c
    }

    /** x (waiting first) and y meet in a video chat on a private interest. */
    async function videoPair() {
      const x = await person(n.x)
      const y = await person(n.y)
      const interest = uniqueInterest()
      x.send({ type: 'find', interests: [interest], random: false, video: true })
      expect(await x.next('queued')).toMatchObject({ interests: [interest], video: true })
      y.send({ type: 'find', interests: [interest], random: false, video: true })
      const [mx, my] = await Promise.all([x.next('matched', 5000), y.next('matched', 5000)])
      return { x, y, mx, my }
    }

    test('hello says video is on; two video finders pair with video: true and exactly one offerer (the one who waited)', async () => {
      const { x, mx, my } = await videoPair()
      expect(x.frames[0]).toMatchObject({ type: 'hello', video: true, videoScreening: 'on', videoScreenThreshold: 0.7 })
      expect(mx.chat).toBe(my.chat)
      expect(mx).toMatchObject({ video: true, offerer: true })
      expect(my).toMatchObject({ video: true, offerer: false })
    })

    test('a video finder and a text finder never pair, even by the random fallback', async () => {
      const interest = uniqueInterest()
      const cam = await person(n.x)
      const txt = await person(n.y)
      cam.send({ type: 'find', interests: [interest], video: true })
      await cam.next('queued')
      txt.send({ type: 'find', interests: [interest] })
      await txt.next('queued')
      // Both fall back to random after 200 ms; neither may take the other.
      expect(await cam.nothing('matched', 800)).toBe(true)
      expect(txt.all('matched')).toEqual([])
      // A second text finder meets the first text finder; a text match says nothing of video.
      const txt2 = await person(n.x)
      txt2.send({ type: 'find', interests: [interest] })
      const [m1, m2] = await Promise.all([txt.next('matched', 5000), txt2.next('matched', 5000)])
      expect(m1.chat).toBe(m2.chat)
      expect('video' in m1 || 'offerer' in m1).toBe(false)
      expect(cam.all('matched')).toEqual([])
    })

    test('offer, answer, candidates and state reach the partner as the same frames, without seq, host/srflx/mDNS candidates gone', async () => {
      const { x, y } = await videoPair()
      x.send({ type: 'rtc', kind: 'offer', sdp: SDP })
      const offer = (await y.next('rtc')) as RtcFrame
      expect(offer).toEqual({ type: 'rtc', kind: 'offer', sdp: SDP_STRIPPED })
      y.send({ type: 'rtc', kind: 'answer', sdp: SDP })
      expect(await x.next('rtc')).toEqual({ type: 'rtc', kind: 'answer', sdp: SDP_STRIPPED })
      // Host, mDNS and srflx candidates are dropped; the relay one that follows arrives first.
      for (const candidate of [HOST, MDNS, SRFLX]) x.send({ type: 'rtc', kind: 'candidate', candidate, sdpMid: '0', sdpMLineIndex: 0 })
      x.send({ type: 'rtc', kind: 'candidate', candidate: RELAY, sdpMid: '0', sdpMLineIndex: 0 })
      expect(await y.next('rtc')).toEqual({ type: 'rtc', kind: 'candidate', candidate: RELAY_BLANKED, sdpMid: '0', sdpMLineIndex: 0 })
      x.send({ type: 'rtc', kind: 'candidate', candidate: '' })
      expect(await y.next('rtc')).toEqual({ type: 'rtc', kind: 'candidate', candidate: '' })
      y.send({ type: 'rtc', kind: 'state', mic: false, camera: true, seq: 99, from: 'server' })
      expect(await x.next('rtc')).toEqual({ type: 'rtc', kind: 'state', mic: false, camera: true })
      // Nothing else reached either side, and the sender got no error.
      await Bun.sleep(100)
      expect(y.all('rtc')).toHaveLength(3)
      expect(x.all('rtc')).toHaveLength(2)
      expect([...x.all('error'), ...y.all('error')]).toEqual([])
      // The chat itself goes on as any other.
      x.send({ type: 'text', id: 't1', body: 'can you see me?' })
      expect((await y.next('text')).body).toBe('can you see me?')
    })

    test('next keeps asking for video; rtc after the chat ended is refused with not_in_chat', async () => {
      const { x, y } = await videoPair()
      x.send({ type: 'leave' })
      await y.next('ended')
      y.send({ type: 'rtc', kind: 'state', mic: true, camera: true })
      expect(await y.next('error')).toMatchObject({ code: 'not_in_chat' })
      y.send({ type: 'next' })
      expect(await y.next('queued')).toMatchObject({ video: true })
      expect(x.all('rtc')).toEqual([])
    })

    test('a video finder whose socket dropped is queued for video again when it resumes (on the other node, with two)', async () => {
      const interest = uniqueInterest()
      const x = await person(n.x)
      x.send({ type: 'find', interests: [interest], random: false, video: true })
      await x.next('queued')
      x.drop()
      await x.waitClose()
      const back = await n.y.client({ resume: x.session, headers: fromIp(freshIp()) })
      opened.push(back)
      expect(back.frames[0]).toMatchObject({ type: 'hello', resumed: true })
      expect(await back.next('queued', 5000)).toMatchObject({ interests: [interest], video: true })
      const txt = await person(n.x)
      txt.send({ type: 'find', interests: [interest], random: false })
      await txt.next('queued')
      const cam = await person(n.x)
      cam.send({ type: 'find', interests: [interest], random: false, video: true })
      const [mb, mc] = await Promise.all([back.next('matched', 5000), cam.next('matched', 5000)])
      expect(mb.chat).toBe(mc.chat)
      expect(mb).toMatchObject({ video: true, offerer: true })
      expect(txt.all('matched')).toEqual([])
    })

    test('rtc in a text chat is refused with not_in_chat and never reaches the partner', async () => {
      const a = await person(n.x)
      const b = await person(n.y)
      const interest = uniqueInterest()
      a.send({ type: 'find', interests: [interest], random: false })
      await a.next('queued')
      b.send({ type: 'find', interests: [interest], random: false })
      await Promise.all([a.next('matched', 5000), b.next('matched', 5000)])
      a.send({ type: 'rtc', kind: 'candidate', candidate: RELAY })
      expect(await a.next('error')).toMatchObject({ code: 'not_in_chat' })
      expect(await b.nothing('rtc', 200)).toBe(true)
    })
  })
}

describe('video chat without TURN_URLS', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp(LIFTED_LIMITS)
  })
  afterAll(() => app?.close())

  test('hello says video: false; a video find is refused with video_unavailable and the chat goes on', async () => {
    const a = await app.client({ headers: fromIp(freshIp()) })
    const b = await app.client({ headers: fromIp(freshIp()) })
    expect(a.frames[0]).toMatchObject({ type: 'hello', video: false, videoScreening: 'on', videoScreenThreshold: 0.7 })
    a.send({ type: 'find', interests: [], video: true })
    expect(await a.next('error')).toMatchObject({ code: 'video_unavailable' })
    expect(a.all('queued')).toEqual([])
    // A text chat, then a video find during it: refused, and the chat is not ended.
    const interest = uniqueInterest()
    a.send({ type: 'find', interests: [interest], random: false })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false })
    await b.next('matched')
    b.send({ type: 'find', interests: [interest], video: true })
    expect(await b.next('error')).toMatchObject({ code: 'video_unavailable' })
    b.send({ type: 'text', id: 'x', body: 'still here' })
    expect((await a.next('text')).body).toBe('still here')
    expect(a.all('ended')).toEqual([])
    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toMatch(/^leetchat_turn_configured 0$/m)
    a.close()
    b.close()
  })
})
