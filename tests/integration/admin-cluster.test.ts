// The moderation console on several nodes (real processes sharing MariaDB and Redis): a session
// made on one node works on the others and ends on all of them; the sign-in lock counts failures
// made on any node; a ban from one node's console ends a chat held by another node and refuses
// the next find there; every node answers with the console's headers and refuses without a cookie.
// Runs in the mysql backend (the cluster needs MariaDB), like the other cluster suites.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startCluster, type TestCluster } from '../support/cluster'
import { addAccount, ConsoleClient, modCli, uniqueName } from '../support/admin'
import type { ApiError, AuditView, Me, QueueRow, ReportDetail } from '../../api/admin/types'
import { trpcClient } from '../support/trpc-calls'
import { freshIp, uniqueInterest } from '../support/people'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
const PW = 'a long enough console password'
let c: TestCluster
const opened: TestClient[] = []

beforeAll(async () => {
  if (enabled) c = await startCluster({ nodes: 2, env: { LOG_LEVEL: 'warn', QUARANTINE_REPORTS: '0', ADMIN_LOCK_FAILURES: '4' } })
}, 60_000)
afterAll(async () => {
  for (const x of opened) if (!x.closed) x.ws.close()
  await c?.stop()
}, 30_000)

const url = (i: number) => c.nodes[i]!.url
const consoleOn = (i: number, ip = freshIp()) => new ConsoleClient(url(i), 'http://127.0.0.1', { 'x-forwarded-for': ip })
/** The same signed-in console, pointed at another node (the cookie and CSRF token go with it). */
function sameSessionOn(i: number, from: ConsoleClient) {
  const other = new ConsoleClient(url(i), from.origin, from.headers)
  other.cookie = from.cookie
  other.csrf = from.csrf
  return other
}
async function person(i: number, ip = freshIp()) {
  const x = await TestClient.connect(c.nodes[i]!.wsUrl, { 'x-forwarded-for': ip })
  opened.push(x)
  return Object.assign(x, { ip })
}

describe.skipIf(!enabled)('the console on several nodes', () => {
  test('every node: 401 without a cookie, the console headers, a chat token refused', async () => {
    const chatter = await person(0)
    for (const i of [0, 1]) {
      const anon = consoleOn(i)
      for (const r of [
        await anon.get('/queue'),
        await anon.post('/action', { reportId: 1, action: 'dismiss' }),
        await anon.get('/me', { authorization: `Bearer ${chatter.session}` }),
      ]) {
        expect(r.status).toBe(401)
        expect(r.headers.get('cache-control')).toBe('no-store')
        expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      }
      expect((await anon.post('/sign-in', { name: 'x', password: 'y' }, { origin: 'https://evil.example' })).status).toBe(403)
    }
  })

  test('a session made on one node works on the other; sign-out there ends it on both; a removed account is refused everywhere', async () => {
    const name = uniqueName('cl')
    await addAccount(c.env, name, PW)
    const a = consoleOn(0)
    expect((await a.signIn(name, PW)).status).toBe(200)
    const b = sameSessionOn(1, a)
    expect((await b.get<Me>('/me')).body.name).toBe(name)
    expect((await b.post('/sign-out')).status).toBe(200)
    expect((await a.get('/me')).status).toBe(401)

    const again = consoleOn(1)
    expect((await again.signIn(name, PW)).status).toBe(200)
    const onA = sameSessionOn(0, again)
    expect((await onA.get('/queue')).status).toBe(200)
    expect((await modCli(c.env, ['admin', 'remove', name])).code).toBe(0)
    expect((await onA.get('/queue')).status).toBe(401)
    expect((await again.get('/queue')).status).toBe(401)
  })

  test('failures on either node add up to the lock, and the lock holds on both', async () => {
    const name = uniqueName('lk')
    await addAccount(c.env, name, PW)
    for (let i = 0; i < 4; i++) expect((await consoleOn(i % 2).signIn(name, 'wrong password ' + i)).status).toBe(401)
    expect((await consoleOn(0).signIn(name, PW)).status).toBe(401)
    expect((await consoleOn(1).signIn(name, PW)).status).toBe(401)
  })

  test('a ban from node 1 ends the reported side’s chat on node 0 and refuses its next find; the second moderator, on the other node, gets 409 already_handled', async () => {
    const m1 = uniqueName('m1')
    const m2 = uniqueName('m2')
    await addAccount(c.env, m1, PW)
    await addAccount(c.env, m2, PW)
    const con1 = consoleOn(1)
    const con0 = consoleOn(0)
    await con1.signIn(m1, PW)
    await con0.signIn(m2, PW)

    // reporter on node 1, reported on node 0.
    const reporter = await person(1)
    const reported = await person(0)
    const interest = uniqueInterest()
    reporter.send({ type: 'find', interests: [interest], random: false })
    await reporter.next('queued')
    reported.send({ type: 'find', interests: [interest], random: false })
    await Promise.all([reporter.next('matched'), reported.next('matched')])
    reported.send({ type: 'text', id: 't1', body: 'hello from node 0' })
    await reporter.next('text')
    await trpcClient(url(1), { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({ reason: 'abuse', includeTranscript: true })
    await reported.next('ended')

    // The reported side is chatting with a bystander on node 0 when the ban lands.
    const bystander = await person(0)
    const i2 = uniqueInterest()
    bystander.send({ type: 'find', interests: [i2], random: false })
    await bystander.next('queued')
    reported.send({ type: 'find', interests: [i2], random: false })
    await Promise.all([bystander.next('matched'), reported.next('matched')])

    const hashOf = (await con1.post<{ ipHash: string }>('/hash-address', { address: reported.ip })).body.ipHash
    const row = (await con1.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === hashOf)!
    expect(row).toBeDefined()
    expect((await con1.get<ReportDetail>(`/reports/${row.reportId}`)).body.report.transcript?.[0]?.body).toBe('hello from node 0')
    const r1 = await con1.post('/action', { reportId: row.reportId, action: 'ban', preset: '1d', reason: 'cluster ban' })
    expect(r1.status).toBe(200)
    // The second moderator, on the other node, acts on the same report a moment later.
    const r0 = await con0.post<ApiError>('/action', { reportId: row.reportId, action: 'dismiss' })
    expect(r0.status).toBe(409)
    expect(r0.body.error).toMatchObject({ code: 'already_handled', handledBy: m1, outcome: 'ban' })
    expect(await reported.next('error', 5000)).toMatchObject({ code: 'banned' })
    expect((await bystander.next('ended', 5000)).reason).toBe('banned')
    const fresh = await person(0, reported.ip)
    fresh.send({ type: 'find', interests: ['x'], random: true })
    expect((await fresh.next('error', 5000)).code).toBe('banned')
    const audit = (await con0.get<AuditView[]>('/audit?action=ban')).body
    expect(audit.find(a => a.actor === m1 && a.target === hashOf)).toBeDefined()
    const signIns = (await con0.get<AuditView[]>('/audit?action=sign_in')).body.map(a => a.actor)
    expect(signIns).toEqual(expect.arrayContaining([m1, m2]))
  })
})
