// The connection strip: shown under the top bar while we are offline or reconnecting.
import type { ConnState } from '../lib/socket'

export function ConnectionStrip({ conn, partnerAway }: { conn: ConnState; partnerAway?: boolean }) {
  if (conn === 'offline') {
    return (
      <div class="strip" role="status">
        You're offline. leetChat reconnects when the network is back.
      </div>
    )
  }
  if (conn === 'reconnecting') {
    return (
      <div class="strip" role="status">
        <span class="spinner" aria-hidden="true" />
        Reconnecting…
      </div>
    )
  }
  if (partnerAway) {
    return (
      <div class="strip info" role="status">
        <span class="spinner" aria-hidden="true" />
        Stranger is reconnecting…
      </div>
    )
  }
  return null
}
