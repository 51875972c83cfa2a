// Reporters are counted per network, and weighed: two /64s of one IPv6 /56 (what one home
// customer is often given) are one reporter for quarantine and bans, and a reporter whose own
// reports the moderation console dismissed, or who was reported itself, weighs half.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createReportDesk } from '../../api/admin/reports'
import { createReportStore } from '../../api/safety/report-store'
import { startTestApp, type TestApp } from '../support/app'
import { fromIp, meet, person } from '../support/people'
import { trpcClient } from '../support/trpc-calls'
import type { TestClient } from '../support/ws-client'

const hex = () => Math.floor(Math.random() * 0xffff).toString(16)
/** A fresh IPv6 /56 of the documentation range; `host(n)` is an address in its n-th /64. */
function fresh56() {
  const net = `2001:db8:${hex()}:${(Math.floor(Math.random() * 0xff) << 8).toString(16)}`
  const [a, b, c, d] = net.split(':')
  return { host: (n: number) => `${a}:${b}:${c}:${(parseInt(d!, 16) + n).toString(16)}::1` }
}

async function report(app: TestApp, reporter: TestClient & { ip: string }, target: TestClient) {
  await meet(reporter, target)
  await trpcClient(app.url, { session: reporter.session, headers: fromIp(reporter.ip) }).reports.create.mutate({ reason: 'abuse' })
  await target.next('ended')
}

describe('quarantine needs reporters from more than one network', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ QUARANTINE_REPORTS: '2', REPORT_BAN_THRESHOLD: '3', MATCH_FALLBACK_MS: '60000', REPAIR_COOLDOWN_MS: '0' })
  })
  afterAll(() => app.close())

  test('two reporters from two /64s of one /56 do not quarantine a stranger; one from another network does', async () => {
    const home = fresh56()
    const target = await person(app)
    const ipHash = app.services.secrets.hashIp(target.ip)
    for (const n of [1, 2]) {
      const r = await person(app, home.host(n))
      await report(app, r, target)
      r.close()
    }
    expect(await app.services.risk.quarantined(ipHash)).toBe(false)
    const other = await person(app)
    await report(app, other, target)
    expect(await app.services.risk.quarantined(ipHash)).toBe(true)
    other.close()
    target.close()
  })
})

describe('bans count reporters per network and weigh them', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ QUARANTINE_REPORTS: '0', REPORT_BAN_THRESHOLD: '2', BAN_SECONDS: '3600', MATCH_FALLBACK_MS: '60000', REPAIR_COOLDOWN_MS: '0' })
  })
  afterAll(() => app.close())

  /** Whether a find from `ip` would be refused as banned (the guard's own check, as a find runs it). */
  const banned = async (ip: string) => (await app.services.guard.checkFind({ sessionId: 'probe', ipHash: app.services.secrets.hashIp(ip) }))?.code === 'banned'

  /** The console's dismissal, as a moderator's click makes it (only its database part is used). */
  const dismiss = (id: number) =>
    createReportDesk({ db: app.services.db.db, bans: null as never, moderation: null as never, risk: null as never, links: null as never, now: Date.now }).dismissReport(
      id,
      'moderator',
    )

  test('three reporters from three /64s of one /56 are one reporter: no ban', async () => {
    const home = fresh56()
    const target = await person(app)
    for (const n of [1, 2, 3]) {
      const r = await person(app, home.host(n))
      await report(app, r, target)
      r.close()
    }
    expect(await banned(target.ip)).toBe(false)
    target.close()
  })

  test('a reporter whose earlier report the console dismissed weighs half', async () => {
    const store = createReportStore(app.services.db.db)
    const r1 = await person(app)
    const someone = await person(app)
    await report(app, r1, someone)
    const [mine] = (await store.list({ limit: 50 })).filter(r => r.reporterIpHash === app.services.secrets.hashIp(r1.ip))
    expect(await dismiss(mine!.id)).toMatchObject({ ok: true, outcome: 'dismiss' })
    const target = await person(app)
    const r2 = await person(app)
    await report(app, r1, target)
    await report(app, r2, target)
    // 0.5 + 1 < 2
    expect(await banned(target.ip)).toBe(false)
    const r3 = await person(app)
    await report(app, r3, target)
    expect(await banned(target.ip)).toBe(true)
    for (const c of [r1, r2, r3, someone, target]) c.close()
  })

  test('a reporter who was reported itself weighs half; a counter-report by its target does not count', async () => {
    const accuser = await person(app)
    const r1 = await person(app)
    await report(app, accuser, r1)
    const target = await person(app)
    const r2 = await person(app)
    await report(app, r1, target)
    await report(app, r2, target)
    expect(await banned(target.ip)).toBe(false)
    // A dismissed report counts for nothing, so it cannot ban either.
    const store = createReportStore(app.services.db.db)
    const t2 = await person(app)
    const [a, b] = [await person(app), await person(app)]
    await report(app, a, t2)
    const [first] = (await store.list({ limit: 50 })).filter(r => r.reporterIpHash === app.services.secrets.hashIp(a.ip))
    expect(await dismiss(first!.id)).toMatchObject({ ok: true })
    await report(app, b, t2)
    expect(await banned(t2.ip)).toBe(false)
    // The target reporting back its reporter is no mark against the reporter.
    const t3 = await person(app)
    const [c, d] = [await person(app), await person(app)]
    await report(app, t3, c)
    await report(app, c, t3)
    await report(app, d, t3)
    expect(await banned(t3.ip)).toBe(true)
    for (const x of [accuser, r1, r2, target, t2, a, b, t3, c, d]) x.close()
  })
})
