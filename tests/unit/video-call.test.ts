// The video call's waits, as a pure unit: a stand-in RTCPeerConnection whose connection state the
// test sets, and the TURN credentials query stubbed. What is checked is the client's rule: no
// picture in the first wait → the chat is told (timeout) but the attempt goes on; a connection
// after that → the picture shows after all (late); none by the give-up → the connection is closed.
import { afterEach, beforeEach, expect, mock, test } from 'bun:test'

void mock.module('../../pwa/src/lib/trpc', () => ({
  trpc: { rtc: { iceServers: { query: async () => ({ iceServers: [], iceTransportPolicy: 'relay', expiresAt: Date.now() + 3_600_000 }) } } },
}))

class FakePeerConnection {
  static made: FakePeerConnection[] = []
  connectionState: RTCPeerConnectionState = 'new'
  signalingState: RTCSignalingState = 'stable'
  localDescription: { type: string; sdp: string } | null = null
  remoteDescription: { type: string; sdp: string } | null = null
  closed = false
  ontrack: ((e: unknown) => void) | null = null
  onicecandidate: ((e: unknown) => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  constructor() {
    FakePeerConnection.made.push(this)
  }
  getSenders() {
    return []
  }
  addTrack() {}
  async setLocalDescription() {
    this.localDescription = { type: 'offer', sdp: 'v=0 fake' }
    this.signalingState = 'have-local-offer'
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    this.remoteDescription = d
  }
  async addIceCandidate() {}
  close() {
    this.closed = true
    this.connectionState = 'closed'
  }
  /** what the browser does when ICE and DTLS are through */
  connect() {
    this.connectionState = 'connected'
    this.onconnectionstatechange?.()
  }
}

class FakeMediaStream {
  constructor(private readonly tracks: unknown[] = []) {}
  getTracks() {
    return this.tracks
  }
  addTrack(t: unknown) {
    this.tracks.push(t)
  }
}

const g = globalThis as { RTCPeerConnection?: unknown; MediaStream?: unknown }
const real = { pc: g.RTCPeerConnection, stream: g.MediaStream }
beforeEach(() => {
  FakePeerConnection.made = []
  g.RTCPeerConnection = FakePeerConnection
  g.MediaStream = FakeMediaStream
})
afterEach(() => {
  g.RTCPeerConnection = real.pc
  g.MediaStream = real.stream
})

const { VideoCall } = await import('../../pwa/src/lib/video-call')
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

function makeCall(timing: { connectMs: number; giveUpMs: number }) {
  const events: string[] = []
  const sent: string[] = []
  const call = new VideoCall(
    f => sent.push(f.kind),
    (_v, e) => {
      if (e) events.push(e)
    },
    { on: false, threshold: 0.7 },
    timing,
  )
  return { call, events, sent }
}

test('a picture in time: live, and the chat is told nothing', async () => {
  const { call, events, sent } = makeCall({ connectMs: 80, giveUpMs: 400 })
  await call.matched(true)
  expect(sent).toContain('offer')
  FakePeerConnection.made.at(-1)!.connect()
  expect(call.current.phase).toBe('live')
  await sleep(120)
  expect(events).toEqual([])
  call.hangUp()
})

test('no picture in the first wait: the chat is told, the attempt goes on, and a late picture shows after all', async () => {
  const { call, events } = makeCall({ connectMs: 40, giveUpMs: 2_000 })
  await call.matched(true)
  const pc = FakePeerConnection.made.at(-1)!
  await sleep(100)
  expect(events).toEqual(['timeout'])
  expect(call.current.phase).toBe('failed')
  // The connection was not closed by the notice: it can still come up.
  expect(pc.closed).toBe(false)
  pc.connect()
  expect(events).toEqual(['timeout', 'late'])
  expect(call.current.phase).toBe('live')
  expect(call.current.remote).not.toBeNull()
  call.hangUp()
})

test('still nothing by the give-up: the connection is closed and a later state change does nothing', async () => {
  const { call, events } = makeCall({ connectMs: 30, giveUpMs: 90 })
  await call.matched(true)
  const pc = FakePeerConnection.made.at(-1)!
  await sleep(160)
  expect(events).toEqual(['timeout'])
  expect(pc.closed).toBe(true)
  expect(call.current.phase).toBe('failed')
  expect(call.current.remote).toBeNull()
  pc.connect()
  expect(events).toEqual(['timeout'])
  expect(call.current.phase).toBe('failed')
})

test('New stranger stops both waits: the next call gets its own full waits', async () => {
  const { call, events } = makeCall({ connectMs: 400, giveUpMs: 800 })
  await call.matched(true)
  await sleep(200)
  await call.matched(false)
  await sleep(250)
  // 450 ms after the first match, 250 after the second: the first call's wait would have run out.
  expect(events).toEqual([])
  await sleep(300)
  expect(events).toEqual(['timeout'])
  call.hangUp()
  await sleep(500)
  expect(events).toEqual(['timeout'])
})
