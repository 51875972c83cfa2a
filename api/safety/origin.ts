// Origin checks for WebSocket upgrades and uploads. Browsers always send Origin on these, so a
// foreign page cannot open a chat socket or upload in a visitor's name. A request without Origin
// comes from a non-browser client (a bot could forge any header anyway; rate limits deal with it).

export type OriginVerdict = 'absent' | 'allowed' | 'forbidden'

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]']

/**
 * Normalises configured origins once (scheme://host[:port], lower-case, default port dropped).
 * A loopback origin also allows its loopback aliases on the same scheme and port, so a developer
 * who opens http://127.0.0.1:3000 instead of http://localhost:3000 is not locked out.
 */
export function originSet(allowed: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (const o of allowed) {
    const n = normaliseOrigin(o)
    if (!n) continue
    out.add(n)
    const u = new URL(n)
    if (LOOPBACK.includes(u.hostname)) {
      for (const host of LOOPBACK) out.add(`${u.protocol}//${host}${u.port ? `:${u.port}` : ''}`)
    }
  }
  return out
}

export function checkOrigin(origin: string | null | undefined, allowed: ReadonlySet<string>): OriginVerdict {
  if (origin === null || origin === undefined) return 'absent'
  const n = normaliseOrigin(origin)
  return n !== null && allowed.has(n) ? 'allowed' : 'forbidden'
}

function normaliseOrigin(value: string): string | null {
  // "null" (sandboxed frames, file://) and anything that is not http(s) never match.
  if (value.length > 2048) return null
  let u: URL
  try {
    u = new URL(value)
  } catch {
    return null
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
  return u.origin
}
