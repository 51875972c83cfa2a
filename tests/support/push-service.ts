// A local Web Push service for tests: receives what the server's web-push sends, checks the VAPID
// Authorization header (an ES256 JWT that must verify under the server's public key, RFC 8292),
// and decrypts the aes128gcm body (RFC 8291) with the subscriber's private key, as a browser's
// push service and browser together would. Each subscriber's endpoint says how the service
// answers: `ok` (201), `gone` (410: the subscription is dead) or `hang` (never answers).
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto'
import { decrypt } from 'http_ece'

export type Behaviour = 'ok' | 'gone' | 'hang'

export interface ReceivedPush {
  subscriber: string
  headers: Record<string, string>
  body: Buffer
}

export interface Subscriber {
  id: string
  /** What push.subscribe takes (a PushSubscription's toJSON()). */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }
  /** The plaintext of a push sent to this subscriber. */
  open(p: ReceivedPush): string
}

export interface PushService {
  url: string
  received: ReceivedPush[]
  subscriber(behaviour?: Behaviour): Subscriber
  /** The pushes for one subscriber, waiting up to `ms` for at least `count`. */
  pushesFor(s: Subscriber, count?: number, ms?: number): Promise<ReceivedPush[]>
  stop(): Promise<void>
}

let counter = 0

export function startPushService(): PushService {
  const received: ReceivedPush[] = []
  const hanging: Array<() => void> = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const [, , id = '', behaviour = 'ok'] = new URL(req.url).pathname.split('/')
      const headers: Record<string, string> = {}
      req.headers.forEach((v, k) => (headers[k] = v))
      received.push({ subscriber: id, headers, body: Buffer.from(await req.arrayBuffer()) })
      if (behaviour === 'gone') return new Response('gone', { status: 410 })
      if (behaviour === 'hang') return new Promise<Response>(resolve => hanging.push(() => resolve(new Response(null, { status: 201 }))))
      return new Response(null, { status: 201 })
    },
  })
  const url = `http://127.0.0.1:${server.port}`
  return {
    url,
    received,
    subscriber(behaviour = 'ok') {
      const id = `s${++counter}`
      const ecdh: ECDH = createECDH('prime256v1')
      ecdh.generateKeys()
      const auth = randomBytes(16).toString('base64url')
      return {
        id,
        subscription: { endpoint: `${url}/push/${id}/${behaviour}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } },
        open: p => decrypt(p.body, { version: 'aes128gcm', privateKey: ecdh, authSecret: auth }).toString('utf8'),
      }
    },
    async pushesFor(s, count = 1, ms = 3000) {
      const until = Date.now() + ms
      for (;;) {
        const got = received.filter(r => r.subscriber === s.id)
        if (got.length >= count || Date.now() > until) return got
        await Bun.sleep(20)
      }
    },
    async stop() {
      for (const h of hanging) h()
      await server.stop(true)
    },
  }
}

/**
 * Checks a push's VAPID header (`vapid t=<JWT>, k=<public key>`): the key is the server's, the
 * JWT's ES256 signature verifies under it, its audience is the endpoint's origin, it has not
 * expired and lasts at most 24 h. Returns the JWT's claims.
 */
export function verifyVapid(p: ReceivedPush, serverPublicKey: string, endpoint: string): { aud: string; exp: number; sub: string } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(p.headers.authorization ?? '')
  if (!m) throw new Error(`no VAPID Authorization header: ${p.headers.authorization}`)
  const [, jwt = '', k] = m
  if (k !== serverPublicKey) throw new Error('the VAPID key is not the server key')
  const raw = Buffer.from(serverPublicKey, 'base64url')
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') }, format: 'jwk' })
  const [h = '', c = '', sig = ''] = jwt.split('.')
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string }
  if (header.alg !== 'ES256') throw new Error(`JWT alg ${header.alg}`)
  if (!verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) throw new Error('the VAPID JWT signature does not verify')
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { aud: string; exp: number; sub: string }
  const now = Date.now() / 1000
  if (claims.aud !== new URL(endpoint).origin) throw new Error(`JWT aud ${claims.aud}`)
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) throw new Error(`JWT exp ${claims.exp}`)
  return claims
}
