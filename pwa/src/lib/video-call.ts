// The video half of a video chat: the camera, and one RTCPeerConnection per stranger, relay-only.
//
// Why relay-only on the client too: the server already strips every non-relay candidate from what
// it forwards, but a peer connection that gathers host candidates still probes the local network;
// `iceTransportPolicy: 'relay'` makes the browser gather and use TURN relays alone, so neither side
// ever learns the other's address, even from its own logs.
//
// Negotiation: the side the server named `offerer` sends the first offer. After a resume (a
// dropped network, a reload) whichever side has no working connection starts over with a fresh
// peer connection and a new offer; an offer always gets a fresh connection on the receiving side,
// so a reloaded page (which lost its own) and a side whose network changed recover the same way.
// Two offers crossing (both sides came back at once) are settled by the same `offerer` flag: the
// offerer keeps its own and ignores the other's, the answerer drops its own and answers.
//
// The camera stays on between strangers while video mode is on (New stranger is instant) and is
// released when the user leaves video mode or the chat screen.
import type { RtcFrame } from '../../../api/chat/protocol'
import { trpc } from './trpc'
import { VideoScreen, type ScreenView } from './video-screen'

export type VideoPhase = 'idle' | 'connecting' | 'live' | 'failed'

export interface VideoView {
  phase: VideoPhase
  local: MediaStream | null
  remote: MediaStream | null
  /** what we send */
  mic: boolean
  camera: boolean
  /** what the stranger says they send (their `state` frames) */
  partner: { mic: boolean; camera: boolean }
  /** the device has more than one camera */
  canSwitch: boolean
  /** the on-device screen of the stranger's picture (video-screen.ts): whether it is blurred */
  screen: ScreenView
}

/** Why the camera could not be had: refused by the user or the browser, or no device. */
export type CameraProblem = 'denied' | 'unavailable'

/** No picture within this long after the match: the chat says it goes on as text. */
export const CONNECT_TIMEOUT_MS = 10_000
/**
 * ...but the attempt goes on quietly until this long after it began: a slow phone network or a
 * busy relay can take longer than 10 s, and a picture that arrives late is still wanted (it shows,
 * and the chat says so). Only then is the peer connection closed for this chat.
 */
export const GIVE_UP_MS = 60_000

/** `timeout`: no picture in CONNECT_TIMEOUT_MS (the chat says so); `late`: it came after all. */
export type VideoEvent = 'timeout' | 'late'

interface IceConfig {
  iceServers: RTCIceServer[]
  iceTransportPolicy: RTCIceTransportPolicy
  expiresAt: number
}

export class VideoCall {
  private view: VideoView
  private readonly screen: VideoScreen
  private pc: RTCPeerConnection | null = null
  private offerer = false
  private making = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private giveUp: ReturnType<typeof setTimeout> | undefined
  /** the chat was told the picture could not connect (a later connection says it came after all) */
  private saidFailed = false
  private ice: IceConfig | null = null
  private facing: 'user' | 'environment' = 'user'
  /** candidates that arrived before the offer/answer they belong to */
  private early: RTCIceCandidateInit[] = []

  constructor(
    private readonly send: (frame: RtcFrame) => void,
    private readonly changed: (view: VideoView, event?: VideoEvent) => void,
    /** hello.videoScreening and hello.videoScreenThreshold */
    screening: { on: boolean; threshold: number },
    /** the two waits (the unit test shortens them) */
    private readonly timing = { connectMs: CONNECT_TIMEOUT_MS, giveUpMs: GIVE_UP_MS },
  ) {
    this.screen = new VideoScreen(screening.on, screening.threshold, screen => this.set({ screen }))
    this.view = { phase: 'idle', local: null, remote: null, mic: true, camera: true, partner: { mic: true, camera: true }, canSwitch: false, screen: this.screen.view }
  }

  get current(): VideoView {
    return this.view
  }

  /** Asks for the camera and microphone (only when the user starts a video search). */
  async openCamera(): Promise<CameraProblem | null> {
    if (this.view.local) return null
    if (!navigator.mediaDevices?.getUserMedia) return 'unavailable'
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing, width: { ideal: 640 }, height: { ideal: 480 } }, audio: true })
      const cams = (await navigator.mediaDevices.enumerateDevices()).filter(d => d.kind === 'videoinput')
      this.set({ local: stream, canSwitch: cams.length > 1 })
      this.applyTracks()
      return null
    } catch (err) {
      const name = (err as DOMException).name
      return name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable'
    }
  }

  /** The camera off for good (leaving video mode or the chat screen). */
  releaseCamera() {
    this.hangUp()
    for (const t of this.view.local?.getTracks() ?? []) t.stop()
    this.set({ local: null })
  }

  /** A video match: the offerer calls, the other side waits for the offer. */
  async matched(offerer: boolean) {
    this.hangUp()
    this.offerer = offerer
    this.screen.newStranger()
    this.set({ phase: 'connecting', partner: { mic: true, camera: true } })
    this.armTimeout()
    if (offerer) await this.call()
  }

  /**
   * The socket resumed the same chat (`offerer` as kept by the tab: a reloaded page starts with no
   * call at all): a connection that is not working starts over.
   */
  async resumed(offerer: boolean) {
    this.offerer = offerer
    const state = this.pc?.connectionState
    if (state === 'connected' || state === 'connecting') return
    this.set({ phase: 'connecting' })
    this.armTimeout()
    await this.call()
  }

  /** New stranger, the chat ended, or we left: the peer connection goes at once, the camera stays. */
  hangUp() {
    this.stopTimers()
    this.saidFailed = false
    this.pc?.close()
    this.pc = null
    this.early = []
    this.making = false
    if (this.view.phase !== 'idle' || this.view.remote) this.set({ phase: 'idle', remote: null })
  }

  /** An `rtc` frame from the stranger. */
  async handle(f: RtcFrame) {
    if (this.view.phase === 'idle') return
    try {
      if (f.kind === 'state') return this.set({ partner: { mic: f.mic, camera: f.camera } })
      if (f.kind === 'offer') {
        // Crossing offers: the offerer keeps its own.
        if (this.making && this.offerer) return
        const pc = await this.fresh()
        await pc.setRemoteDescription({ type: 'offer', sdp: f.sdp })
        await this.flushEarly(pc)
        await pc.setLocalDescription()
        this.send({ type: 'rtc', kind: 'answer', sdp: pc.localDescription!.sdp })
        this.sendState()
        return
      }
      if (f.kind === 'answer') {
        const pc = this.pc
        if (!pc || pc.signalingState !== 'have-local-offer') return
        await pc.setRemoteDescription({ type: 'answer', sdp: f.sdp })
        await this.flushEarly(pc)
        return
      }
      if (f.kind !== 'candidate') return
      // A candidate ('' = end of candidates).
      const init: RTCIceCandidateInit = { candidate: f.candidate, sdpMid: f.sdpMid ?? null, sdpMLineIndex: f.sdpMLineIndex ?? null }
      if (!this.pc?.remoteDescription) this.early.push(init)
      else await this.pc.addIceCandidate(init)
    } catch {
      // A frame that does not fit the connection's state (an old offer after a restart): the
      // timeout or the next resume starts over; nothing here may break the chat.
    }
  }

  setMic(on: boolean) {
    for (const t of this.view.local?.getAudioTracks() ?? []) t.enabled = on
    this.set({ mic: on })
    this.sendState()
  }

  setCamera(on: boolean) {
    for (const t of this.view.local?.getVideoTracks() ?? []) t.enabled = on
    this.set({ camera: on })
    this.sendState()
  }

  /** Front ↔ back camera: a new video track replaces the old one in place (no renegotiation). */
  async switchCamera() {
    const local = this.view.local
    if (!local) return
    const facing = this.facing === 'user' ? 'environment' : 'user'
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { exact: facing } } })
      const track = fresh.getVideoTracks()[0]
      if (!track) return
      track.enabled = this.view.camera
      for (const old of local.getVideoTracks()) {
        local.removeTrack(old)
        old.stop()
      }
      local.addTrack(track)
      await this.pc
        ?.getSenders()
        .find(s => s.track?.kind === 'video' || (!s.track && s.transport))
        ?.replaceTrack(track)
      this.facing = facing
      this.set({ local: new MediaStream(local.getTracks()) })
    } catch {
      // No camera facing that way: stay on this one.
    }
  }

  /** The <video> showing the stranger, for the screen to sample (null when it goes). */
  watchRemote(el: HTMLVideoElement | null) {
    this.screen.watch(el)
  }

  /** "Tap to view" on a blurred picture: shown for the rest of this stranger's call. */
  revealRemote() {
    this.screen.reveal()
  }

  /** The selected ICE candidate pair's types, for tests and diagnostics (`relay` on both ends). */
  async selectedPair(): Promise<{ local: string; remote: string } | null> {
    const stats = await this.pc?.getStats()
    if (!stats) return null
    let pairId: string | undefined
    stats.forEach(r => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId
    })
    const pair = pairId ? stats.get(pairId) : undefined
    if (!pair) return null
    return { local: stats.get(pair.localCandidateId)?.candidateType, remote: stats.get(pair.remoteCandidateId)?.candidateType }
  }

  // ---------- inside ----------

  private async call() {
    try {
      const pc = await this.fresh()
      this.making = true
      await pc.setLocalDescription()
      if (pc !== this.pc) return
      this.send({ type: 'rtc', kind: 'offer', sdp: pc.localDescription!.sdp })
      this.sendState()
    } catch {
      // The TURN credentials could not be fetched or the browser refused: the timeout says so.
    } finally {
      this.making = false
    }
  }

  /** A new peer connection in place of any old one, with the camera's tracks on it. */
  private async fresh(): Promise<RTCPeerConnection> {
    const ice = await this.iceConfig()
    this.pc?.close()
    this.early = []
    const pc = new RTCPeerConnection({ iceServers: ice.iceServers, iceTransportPolicy: 'relay' })
    this.pc = pc
    const remote = new MediaStream()
    this.set({ remote })
    pc.ontrack = e => {
      if (pc !== this.pc) return
      remote.addTrack(e.track)
      this.set({ remote: new MediaStream(remote.getTracks()) })
    }
    pc.onicecandidate = e => {
      if (pc !== this.pc) return
      const c = e.candidate
      this.send({ type: 'rtc', kind: 'candidate', candidate: c?.candidate ?? '', sdpMid: c?.sdpMid ?? null, sdpMLineIndex: c?.sdpMLineIndex ?? null })
    }
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return
      if (pc.connectionState === 'connected') {
        this.stopTimers()
        // The screen's model loads once the first call is up, not while it connects: its seconds
        // of CPU would compete with ICE and DTLS on a slow device (the picture waits blurred).
        this.screen.warm()
        const late = this.saidFailed
        this.saidFailed = false
        this.set({ phase: 'live' })
        if (late) this.changed(this.view, 'late')
      } else if (pc.connectionState === 'failed') {
        // The relay went away or the network changed: start over (the answerer waits for the offer).
        this.set({ phase: 'connecting' })
        this.armTimeout()
        if (this.offerer) void this.call()
      }
    }
    this.applyTracks()
    return pc
  }

  /** The camera's tracks on the peer connection (before negotiation, or replaced in place). */
  private applyTracks() {
    const pc = this.pc
    const local = this.view.local
    if (!pc || !local) return
    const senders = pc.getSenders()
    for (const track of local.getTracks()) {
      if (senders.some(s => s.track === track)) continue
      const same = senders.find(s => s.track?.kind === track.kind)
      if (same) void same.replaceTrack(track)
      else pc.addTrack(track, local)
    }
  }

  private async flushEarly(pc: RTCPeerConnection) {
    for (const c of this.early.splice(0)) await pc.addIceCandidate(c).catch(() => {})
  }

  /** Short-lived TURN credentials, fetched once and reused until a minute before they expire. */
  private async iceConfig(): Promise<IceConfig> {
    if (this.ice && this.ice.expiresAt - 60_000 > Date.now()) return this.ice
    this.ice = await trpc.rtc.iceServers.query()
    return this.ice
  }

  private sendState() {
    if (this.view.phase !== 'idle') this.send({ type: 'rtc', kind: 'state', mic: this.view.mic, camera: this.view.camera })
  }

  /**
   * The chat says so if there is no picture in connectMs; the attempt (and any restart after an ICE
   * failure) goes on until giveUpMs after it began, and only then is the connection closed.
   */
  private armTimeout() {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      if (this.view.phase === 'live' || this.saidFailed) return
      this.saidFailed = true
      this.set({ phase: 'failed' })
      this.changed(this.view, 'timeout')
    }, this.timing.connectMs)
    if (this.giveUp === undefined) {
      this.giveUp = setTimeout(() => {
        this.giveUp = undefined
        if (this.view.phase === 'live') return
        this.pc?.close()
        this.pc = null
        this.set({ phase: 'failed', remote: null })
      }, this.timing.giveUpMs)
    }
  }

  private stopTimers() {
    clearTimeout(this.timer)
    clearTimeout(this.giveUp)
    this.giveUp = undefined
  }

  private set(patch: Partial<VideoView>) {
    this.view = { ...this.view, ...patch }
    this.changed(this.view)
  }
}
