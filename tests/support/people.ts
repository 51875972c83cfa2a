// Helpers for tests that need many distinct clients: each "person" connects from its own
// address through X-Forwarded-For (startTestApp trusts loopback as a proxy).
import type { TestApp } from './app'
import type { TestClient } from './ws-client'

let counter = 0
/** A fresh address for this test process (10.x.y.z, never reused). */
export function freshIp(): string {
  const n = ++counter + ((process.pid * 7919) % 50_000) * 300
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
}

export const fromIp = (ip: string) => ({ 'x-forwarded-for': ip })

/** A connected client from `ip` (a fresh address when omitted). */
export function person(app: TestApp, ip: string = freshIp()): Promise<TestClient & { ip: string }> {
  return app.client({ headers: fromIp(ip) }).then(c => Object.assign(c, { ip }))
}

export const uniqueInterest = () => 'i' + Math.random().toString(36).slice(2, 12)

/** Pairs two connected idle clients on a private interest; returns the chat id. */
export async function meet(a: TestClient, b: TestClient): Promise<string> {
  const interest = uniqueInterest()
  a.send({ type: 'find', interests: [interest], random: false })
  await a.next('queued')
  b.send({ type: 'find', interests: [interest], random: false })
  const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')])
  if (ma.chat !== mb.chat) throw new Error('paired into different chats')
  return ma.chat
}

/** A healthy pair: two fresh people meet, exchange a message both ways, and say goodbye. */
export async function healthyPair(app: TestApp): Promise<void> {
  const a = await person(app)
  const b = await person(app)
  await meet(a, b)
  try {
    a.send({ type: 'text', id: 'h1', body: 'ping' })
    const t = await b.next('text')
    if (t.body !== 'ping') throw new Error(`healthy pair got ${JSON.stringify(t)}`)
    await a.next('delivered')
    b.send({ type: 'text', id: 'h2', body: 'pong' })
    await a.next('text')
    await b.next('delivered')
  } finally {
    a.close()
    b.close()
    await Promise.all([a.waitClose(), b.waitClose()])
  }
}
