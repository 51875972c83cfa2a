// WebRTC signalling of a video chat: an `rtc` frame goes to the partner as the same frame,
// ephemeral like typing (never sequenced or replayed: a stale offer after a resume would only
// confuse the browser, which renegotiates instead), through the backend's `send`, so it reaches a
// partner on any node. Every candidate and SDP passes the relay-only filter first (rtc-filter.ts).
// Part of the chat rules.
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ChatBackend } from './ports/chat-backend'
import { encodeEphemeral, type RtcFrame } from './protocol'
import type { Refusals } from './chat-refusals'
import { countSdpCandidates, filterCandidate, relayOnlySdp } from './rtc-filter'
import type { LocalSession } from './session'

export interface RtcRelayDeps {
  backend: ChatBackend
  metrics: Metrics
  refuse: Refusals['refuse']
}

export function createRtcRelay(deps: RtcRelayDeps) {
  const { backend, metrics, refuse } = deps

  function onRtc(s: LocalSession, conn: Connection, frame: RtcFrame) {
    const chat = s.chat
    if (!chat?.video) return refuse(s, conn, { code: 'not_in_chat', message: 'rtc: you are not in a video chat' })
    let out: RtcFrame = frame
    if (frame.kind === 'candidate') {
      const candidate = filterCandidate(frame.candidate)
      if (candidate === null) {
        metrics.inc('rtc_candidates_dropped_total', { where: 'frame' })
        return
      }
      out = { ...frame, candidate }
    } else if (frame.kind === 'offer' || frame.kind === 'answer') {
      const sdp = relayOnlySdp(frame.sdp)
      const dropped = countSdpCandidates(frame.sdp) - countSdpCandidates(sdp)
      if (dropped > 0) metrics.inc('rtc_candidates_dropped_total', { where: 'sdp' }, dropped)
      out = { ...frame, sdp }
    }
    backend.send(chat.partnerId, encodeEphemeral(out))
    metrics.inc('rtc_frames_relayed_total', { kind: frame.kind })
  }

  return { onRtc }
}
