// Hole 2: IPv6 clients keyed per /128 could rotate through the 2^64 addresses of their /64 and
// dodge every per-address rule. Now one /64 is one address: its sockets share the connection
// cap, reports against any of its addresses add up to one ban, and its reporters count once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { trpcClient } from '../support/trpc-calls'
import { fromIp, healthyPair, meet, person, uniqueInterest } from '../support/people'

let app: TestApp
beforeAll(async () => {
  // Reports below the ban threshold also quarantine (the soft ban): off here, this is about the ban.
  app = await startTestApp({ MAX_CONNECTIONS_PER_IP: '3', REPORT_BAN_THRESHOLD: '3', BAN_SECONDS: '3600', QUARANTINE_REPORTS: '0' })
})
afterAll(() => app.close())

/** A fresh /64 of the documentation range; `host(n)` is its n-th address, spelled a little differently each time. */
function fresh64() {
  const r = () => Math.floor(Math.random() * 0xffff).toString(16)
  const net = `2001:db8:${r()}:${r()}`
  const spellings = [
    (n: number) => `${net}::${n}`,
    (n: number) => `${net.toUpperCase()}:0:0:0:${n.toString(16)}`,
    (n: number) => `[${net}:0::${n}]:4711`,
    (n: number) => `${net}:${n}:${n}:${n}:${n}`,
  ]
  return { host: (n: number) => spellings[n % spellings.length]!(n) }
}

function upgradeRequest(headers: Record<string, string>) {
  return fetch(app.wsUrl.replace(/^ws/, 'http'), {
    headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers },
  })
}

describe('IPv6 clients are keyed on their /64', () => {
  test('three addresses of one /64 share MAX_CONNECTIONS_PER_IP; a fourth is refused, another /64 is not', async () => {
    const net = fresh64()
    const open = [await person(app, net.host(1)), await person(app, net.host(2)), await person(app, net.host(3))]
    const res = await upgradeRequest(fromIp(net.host(4)))
    expect(res.status).toBe(429)
    expect((await res.json()).error.code).toBe('too_many_connections')
    const neighbour = await person(app, fresh64().host(1))
    expect(neighbour.session).toBeTruthy()
    for (const c of [...open, neighbour]) c.close()
    await healthyPair(app)
  })

  test('reports against three addresses of one /64 reach the ban threshold, and the whole /64 is banned', async () => {
    const net = fresh64()
    for (let i = 1; i <= 3; i++) {
      // The abuser comes back from a new address of its /64 for every chat.
      const abuser = await person(app, net.host(i))
      const reporter = await person(app)
      await meet(reporter, abuser)
      await trpcClient(app.url, { session: reporter.session, headers: fromIp(reporter.ip) }).reports.create.mutate({ reason: 'abuse' })
      await abuser.next('ended')
      if (i === 3) expect((await abuser.next('error')).code).toBe('banned')
      reporter.close()
      abuser.close()
    }
    const later = await person(app, net.host(9))
    later.send({ type: 'find', interests: [], random: true })
    expect(await later.next('error')).toMatchObject({ code: 'banned' })
    later.close()
    await healthyPair(app)
  })

  test('reporters from three addresses of one /64 count as one reporter', async () => {
    const net = fresh64()
    const target = await person(app)
    for (let i = 1; i <= 3; i++) {
      const reporter = await person(app, net.host(i))
      await meet(reporter, target)
      await trpcClient(app.url, { session: reporter.session, headers: fromIp(reporter.ip) }).reports.create.mutate({ reason: 'spam' })
      await target.next('ended')
      reporter.close()
    }
    target.send({ type: 'find', interests: [uniqueInterest()], random: false })
    await target.next('queued')
    expect(target.all('error')).toEqual([])
    target.close()
  })
})
