import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { tables } from '../../db'
import { openCache } from '../../api/cache'
import { loadConfig } from '../../api/config'
import { banCacheKey } from '../../api/safety/bans'
import { startTestApp, type TestApp } from '../support/app'
import { callError, trpcClient } from '../support/trpc-calls'
import { freshIp, meet, person, uniqueInterest } from '../support/people'

let app: TestApp
beforeAll(async () => {
  // Quarantine (after fewer reports than a ban) would keep the reported address from meeting the
  // next reporter; abuse-limits.test.ts covers it.
  app = await startTestApp({ BAN_SECONDS: '3600', REPORT_BAN_THRESHOLD: '3', QUARANTINE_REPORTS: '0' })
})
afterAll(() => app.close())

const trpcAs = (session: string, ip: string) => trpcClient(app.url, { session, headers: { 'x-forwarded-for': ip } })
const reportRows = (chatId: string) => app.services.db.db.select().from(tables.reports).where(eq(tables.reports.chatId, chatId))

describe('reports', () => {
  test('reporting the current partner stores the report with hashed sessions and IP hashes, and ends the chat for the reporter', async () => {
    const reporter = await person(app)
    const abuser = await person(app)
    const chat = await meet(reporter, abuser)
    abuser.send({ type: 'text', id: 'a1', body: 'buy followers at spam.example' })
    await reporter.next('text')
    reporter.send({ type: 'text', id: 'r1', body: 'no thanks' })
    await abuser.next('text')

    const res = await trpcAs(reporter.session, reporter.ip).reports.create.mutate({ reason: 'spam', note: 'kept\u202e advertising\u0000', includeTranscript: true })
    expect(res).toEqual({ ok: true })
    expect(await reporter.next('ended')).toMatchObject({ by: 'you', reason: 'reported' })
    // The reported side is not told it was reported.
    expect(await abuser.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })

    const [row] = await reportRows(chat)
    expect(row).toBeDefined()
    expect(row!.reason).toBe('spam')
    expect(row!.note).toBe('kept advertising')
    expect(row!.reportedIpHash).toBe(app.services.secrets.hashIp(abuser.ip))
    expect(row!.reporterIpHash).toBe(app.services.secrets.hashIp(reporter.ip))
    expect(row!.reporterSession).toBe(app.services.moderation.sessionRef(reporter.session))
    expect(row!.reportedSession).toBe(app.services.moderation.sessionRef(abuser.session))
    const stored = JSON.stringify(row)
    // Neither bearer token nor raw address is ever stored.
    for (const secret of [reporter.session, abuser.session, reporter.ip, abuser.ip]) expect(stored).not.toContain(secret)
    expect(JSON.parse(row!.transcript!)).toEqual([
      { from: 'reported', body: 'buy followers at spam.example', at: expect.any(Number) },
      { from: 'reporter', body: 'no thanks', at: expect.any(Number) },
    ])
    reporter.close()
    abuser.close()
  })

  test('without "include the conversation" no message is stored', async () => {
    const reporter = await person(app)
    const other = await person(app)
    const chat = await meet(reporter, other)
    other.send({ type: 'text', id: 'o1', body: 'something private' })
    await reporter.next('text')
    await trpcAs(reporter.session, reporter.ip).reports.create.mutate({ reason: 'other' })
    const [row] = await reportRows(chat)
    expect(row!.transcript).toBeNull()
    expect(row!.note).toBeNull()
    reporter.close()
    other.close()
  })

  test('a just-ended chat can be reported once; a second report of it is a CONFLICT already_reported', async () => {
    const reporter = await person(app)
    const other = await person(app)
    const chat = await meet(reporter, other)
    other.send({ type: 'leave' })
    await reporter.next('ended')
    const client = trpcAs(reporter.session, reporter.ip)
    expect(await client.reports.create.mutate({ reason: 'abuse' })).toEqual({ ok: true })
    const again = await callError(client.reports.create.mutate({ reason: 'abuse' }))
    expect(again).toMatchObject({ appCode: 'already_reported', code: 'CONFLICT', httpStatus: 409 })
    expect(await reportRows(chat)).toHaveLength(1)
    reporter.close()
    other.close()
  })

  test('a just-ended chat reported after the stranger has gone (goodbye) still carries the conversation', async () => {
    const reporter = await person(app)
    const other = await person(app)
    const chat = await meet(reporter, other)
    other.send({ type: 'text', id: 'o1', body: 'something nasty' })
    await reporter.next('text')
    other.send({ type: 'leave' })
    await reporter.next('ended')
    other.close()
    // The stranger's session is gone; the reporter's, which can still report the chat, holds its lines.
    for (let i = 0; i < 100 && app.services.hub.session(other.session); i++) await Bun.sleep(10)
    expect(app.services.hub.session(other.session)).toBeNull()
    expect(await trpcAs(reporter.session, reporter.ip).reports.create.mutate({ reason: 'abuse', includeTranscript: true })).toEqual({ ok: true })
    const [row] = await reportRows(chat)
    expect(JSON.parse(row!.transcript!)).toEqual([{ from: 'reported', body: 'something nasty', at: expect.any(Number) }])
    reporter.close()
  })

  test('with no chat there is nothing to report; without a session the call is refused', async () => {
    const lonely = await person(app)
    expect(await callError(trpcAs(lonely.session, lonely.ip).reports.create.mutate({ reason: 'spam' }))).toMatchObject({ appCode: 'nothing_to_report', httpStatus: 412 })
    expect(await callError(trpcClient(app.url).reports.create.mutate({ reason: 'spam' }))).toMatchObject({ appCode: 'no_session', httpStatus: 401 })
    expect(await callError(trpcClient(app.url, { session: 'x'.repeat(24) }).reports.create.mutate({ reason: 'spam' }))).toMatchObject({ appCode: 'no_session' })
    lonely.close()
  })

  test('reports are rate limited per address with a retry-after', async () => {
    const limited = await startTestApp({ RATE_REPORTS_PER_HOUR: '1' })
    try {
      const ip = freshIp()
      const a = await person(limited, ip)
      const b = await person(limited)
      await meet(a, b)
      const client = trpcClient(limited.url, { session: a.session, headers: { 'x-forwarded-for': ip } })
      expect(await client.reports.create.mutate({ reason: 'spam' })).toEqual({ ok: true })
      const e = await callError(client.reports.create.mutate({ reason: 'spam' }))
      expect(e).toMatchObject({ appCode: 'rate_limited', httpStatus: 429 })
      expect(e.retryAfterMs).toBeGreaterThan(3_500_000)
      a.close()
      b.close()
    } finally {
      await limited.close()
    }
  })
})

describe('bans', () => {
  test('three distinct reporters ban an address: its live sessions stop, and every later find is refused with the time left', async () => {
    const abuserIp = freshIp()
    const abuser = await person(app, abuserIp)
    // A second tab of the abuser, chatting with a bystander when the ban lands.
    const tab = await person(app, abuserIp)
    const bystander = await person(app)
    await meet(tab, bystander)
    // A third tab waiting in the queue.
    const queued = await person(app, abuserIp)
    const queuedInterest = uniqueInterest()
    queued.send({ type: 'find', interests: [queuedInterest], random: false })
    await queued.next('queued')

    for (let i = 1; i <= 3; i++) {
      const reporter = await person(app)
      await meet(reporter, abuser)
      await trpcAs(reporter.session, reporter.ip).reports.create.mutate({ reason: 'abuse' })
      await abuser.next('ended')
      reporter.close()
      if (i < 3) expect(await abuser.nothing('error', 30)).toBe(true)
    }

    const err = await abuser.next('error')
    expect(err.code).toBe('banned')
    expect(err.retryAfterMs).toBeGreaterThan(3_590_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(3_600_000)
    expect(await tab.next('ended')).toMatchObject({ by: 'server', reason: 'banned' })
    expect((await tab.next('error')).code).toBe('banned')
    expect(await bystander.next('ended')).toMatchObject({ by: 'stranger', reason: 'banned' })
    expect((await queued.next('error')).code).toBe('banned')

    // The queued tab is no longer matchable.
    const seeker = await person(app)
    seeker.send({ type: 'find', interests: [queuedInterest], random: false })
    await seeker.next('queued')
    expect(await seeker.nothing('matched', 150)).toBe(true)
    seeker.close()

    // find from the same session…
    abuser.send({ type: 'find', interests: ['anything'] })
    const again = await abuser.next('error')
    expect(again).toMatchObject({ code: 'banned' })
    expect(again.retryAfterMs).toBeLessThanOrEqual(err.retryAfterMs!)
    // …from a new session…
    const fresh = await person(app, abuserIp)
    fresh.send({ type: 'find', interests: [], random: true })
    expect(await fresh.next('error')).toMatchObject({ code: 'banned' })
    // …and after a dropped connection resumes.
    tab.drop()
    await tab.waitClose()
    const resumed = await app.client({ resume: tab.session, headers: { 'x-forwarded-for': abuserIp } })
    resumed.send({ type: 'next' })
    expect(await resumed.next('error')).toMatchObject({ code: 'banned' })
    expect(await resumed.nothing('queued', 50)).toBe(true)

    const bans = await app.services.db.db
      .select()
      .from(tables.bans)
      .where(eq(tables.bans.ipHash, app.services.secrets.hashIp(abuserIp)))
    expect(bans).toHaveLength(1)
    expect(bans[0]!.source).toBe('reports')
    for (const c of [abuser, queued, fresh, resumed, bystander]) c.close()
  })

  test('reports from one address count once, however many sessions it uses', async () => {
    const reporterIp = freshIp()
    const target = await person(app)
    for (let i = 0; i < 3; i++) {
      const reporter = await person(app, reporterIp)
      await meet(reporter, target)
      await trpcAs(reporter.session, reporterIp).reports.create.mutate({ reason: 'spam' })
      await target.next('ended')
      reporter.close()
    }
    target.send({ type: 'find', interests: [uniqueInterest()], random: false })
    await target.next('queued')
    expect(target.all('error')).toEqual([])
    target.close()
  })

  test('a ban holds across a restart: it comes from the database, not from memory or the cache', async () => {
    const first = await startTestApp()
    const dataDir = first.dataDir
    const ip = freshIp()
    const ipHash = first.services.secrets.hashIp(ip)
    await first.services.moderation.ban(ipHash, { seconds: 600, reason: 'test', source: 'operator' })
    await first.stop()
    // Forget the cached lookup (memcached outlives the process), so only the database can know.
    const cache = openCache(loadConfig(first.env))
    await cache.delete(banCacheKey(ipHash))
    await cache.close()

    const second = await startTestApp({}, { dataDir })
    try {
      const c = await person(second, ip)
      c.send({ type: 'find', interests: [], random: true })
      const e = await c.next('error')
      expect(e.code).toBe('banned')
      expect(e.retryAfterMs).toBeGreaterThan(500_000)
      const other = await person(second)
      other.send({ type: 'find', interests: [uniqueInterest()], random: false })
      await other.next('queued')
      c.close()
      other.close()
    } finally {
      await second.close()
    }
  })
})
