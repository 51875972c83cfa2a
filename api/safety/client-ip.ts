// The client's address: the socket peer, or the right-most untrusted X-Forwarded-For hop when
// the peer is a trusted proxy (nginx). Anyone can write X-Forwarded-For, so it is believed
// only from TRUSTED_PROXIES.
export function clientIp(peer: string | null | undefined, forwardedFor: string | null | undefined, trustedProxies: readonly string[]): string {
  const p = normalise(peer ?? '')
  if (!p) return 'unknown'
  if (!forwardedFor || !isTrusted(p, trustedProxies)) return p
  const hops = forwardedFor.split(',').map(h => normalise(h.trim())).filter(Boolean)
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i]!, trustedProxies)) return hops[i]!
  }
  return hops[0] ?? p
}

function normalise(ip: string): string {
  // Bun reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d.
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

/** True when the socket peer is a proxy from TRUSTED_PROXIES (its forwarded headers are believed). */
export function isTrustedPeer(peer: string | null | undefined, trustedProxies: readonly string[]): boolean {
  const p = normalise(peer ?? '')
  return p !== '' && isTrusted(p, trustedProxies)
}

function isTrusted(ip: string, trusted: readonly string[]): boolean {
  return trusted.includes(ip) || (trusted.includes('loopback') && (ip === '127.0.0.1' || ip === '::1'))
}
