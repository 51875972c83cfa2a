// TURN credentials in coturn's `use-auth-secret` scheme (the "TURN REST API" draft): the username
// is `<expiry unix seconds>:<user>`, the password base64(HMAC-SHA1(static-auth-secret, username)).
// coturn checks both itself, so nothing is stored and any node can hand one out. The user part
// is a keyed hash of the session id: coturn's logs never see a session token, and two sessions
// of one person are not linkable from them.
import { createHmac } from 'node:crypto'

export interface IceServer {
  urls: string[]
  username: string
  credential: string
}

/** What rtc.iceServers answers: relay-only, so the browser never gathers or offers another candidate. */
export interface IceConfig {
  iceServers: IceServer[]
  iceTransportPolicy: 'relay'
  /** ms epoch: the credential stops working for new allocations then; ask again before it. */
  expiresAt: number
}

/** The password coturn expects for `username` (use-auth-secret / static-auth-secret). */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64')
}

/** A credential for `userRef` valid for `ttlSeconds` from `nowMs`. */
export function turnCredential(opts: { secret: string; userRef: string; ttlSeconds: number; nowMs: number }): { username: string; credential: string; expiresAt: number } {
  const expiry = Math.floor(opts.nowMs / 1000) + opts.ttlSeconds
  const username = `${expiry}:${opts.userRef}`
  return { username, credential: turnPassword(opts.secret, username), expiresAt: expiry * 1000 }
}

/** The ICE configuration for one session: every TURN URL with one credential. */
export function iceConfig(opts: { turnUrls: readonly string[]; secret: string; userRef: string; ttlSeconds: number; nowMs: number }): IceConfig {
  const { username, credential, expiresAt } = turnCredential(opts)
  return { iceServers: [{ urls: [...opts.turnUrls], username, credential }], iceTransportPolicy: 'relay', expiresAt }
}
