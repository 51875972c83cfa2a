// The client's address: the socket peer, or the right-most untrusted X-Forwarded-For hop when
// the peer is a trusted proxy (nginx). Anyone can write X-Forwarded-For, so it is believed
// only from TRUSTED_PROXIES. Every address is canonicalised first (api/ip-address.ts).
import { canonicalIp } from '../ip-address'

export function clientIp(peer: string | null | undefined, forwardedFor: string | null | undefined, trustedProxies: readonly string[]): string {
  const p = canonicalIp(peer ?? '') ?? (peer?.trim() || '')
  if (!p) return 'unknown'
  if (!forwardedFor || !isTrusted(p, trustedProxies)) return p
  // Walk from the right (the hop our proxy added) towards the client. A hop that is no address
  // ends the walk: nothing left of it can be believed, so the last proxy we trust stands in
  // (otherwise junk like "x1, x2, …" would be a new identity per request).
  let nearest = p
  const hops = forwardedFor.split(',')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalIp(hops[i]!)
    if (!hop) return nearest
    if (!isTrusted(hop, trustedProxies)) return hop
    nearest = hop
  }
  return nearest
}

/** True when the socket peer is a proxy from TRUSTED_PROXIES (its forwarded headers are believed). */
export function isTrustedPeer(peer: string | null | undefined, trustedProxies: readonly string[]): boolean {
  const p = canonicalIp(peer ?? '')
  return p !== null && isTrusted(p, trustedProxies)
}

function isTrusted(ip: string, trusted: readonly string[]): boolean {
  if (trusted.includes('loopback') && (ip === '127.0.0.1' || ip === '::1')) return true
  return trusted.some(t => t === ip || canonicalIp(t) === ip)
}
