// A still of the stranger's video sent with a report, on this run's backend (SQLite or MariaDB):
// stored with the report as a file under DATA_DIR/media that the media sweeper leaves alone,
// shown to a signed-in moderator through the console's own route (and to nobody else), deleted
// when the report is handled or when its retention has passed. Reports of a chat that just ended
// keep the still too. The hostile stills are in bad-input-stills.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { tables } from '../../db'
import type { QueueRow, ReportDetail } from '../../api/admin/types'
import { startTestApp, type TestApp } from '../support/app'
import { addAccount, ConsoleClient, uniqueName } from '../support/admin'
import { landscapeJpeg } from '../support/images'
import { freshIp, person, uniqueInterest } from '../support/people'
import { trpcClient } from '../support/trpc-calls'
import type { TestClient } from '../support/ws-client'

const PW = 'correct horse battery staple'
const RETENTION_S = 3600
let app: TestApp
let skew = 0
let jpeg: Uint8Array<ArrayBuffer>

beforeAll(async () => {
  app = await startTestApp(
    {
      QUARANTINE_REPORTS: '0',
      TURN_URLS: 'turn:127.0.0.1:3478',
      TURN_SECRET: 'a-test-turn-secret-of-enough-length',
      REPORT_STILL_RETENTION_SECONDS: String(RETENTION_S),
      // Media is due long before the still: a sweep that deleted the still with media would show.
      MEDIA_RETENTION_SECONDS: '60',
    },
    { now: () => Date.now() + skew },
  )
  // Only the sweeps these tests run.
  await app.sweeper.stop()
  jpeg = await landscapeJpeg(640, 480)
})
afterAll(() => app.close())

async function videoPair() {
  const a = await person(app)
  const b = await person(app)
  const interest = uniqueInterest()
  a.send({ type: 'find', interests: [interest], random: false, video: true })
  await a.next('queued')
  b.send({ type: 'find', interests: [interest], random: false, video: true })
  await Promise.all([a.next('matched'), b.next('matched')])
  return { a, b }
}

const reportAs = (c: TestClient & { ip: string }) => trpcClient(app.url, { session: c.session, headers: { 'x-forwarded-for': c.ip } }).reports.create
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

async function rowOf(reporter: TestClient) {
  const ref = app.services.moderation.sessionRef(reporter.session)
  const [row] = await app.services.db.db.select().from(tables.reports).where(eq(tables.reports.reporterSession, ref))
  return row!
}
const fileOf = (key: string) => join(app.dataDir, 'media', key)

async function moderator() {
  const name = uniqueName('mod')
  await addAccount(app.env, name, PW)
  const c = new ConsoleClient(app.url, 'http://127.0.0.1', { 'x-forwarded-for': freshIp() })
  expect((await c.signIn(name, PW)).status).toBe(200)
  return c
}

describe('a report with a still of the video', () => {
  test('is stored with the report, kept by a media sweep, shown to a moderator only, and deleted when the report is dismissed', async () => {
    const { a, b } = await videoPair()
    const answer = await reportAs(a).mutate({ reason: 'sexual', includeTranscript: false, still: b64(jpeg) })
    expect(answer).toEqual({ ok: true, still: { stored: true } })
    await b.next('ended')
    const row = await rowOf(a)
    expect(row).toMatchObject({ stillWidth: 640, stillHeight: 480 })
    expect(row.stillKey).toMatch(/^[0-9a-f]{32}$/)
    expect(new Uint8Array(await Bun.file(fileOf(row.stillKey!)).arrayBuffer())).toEqual(jpeg)

    // A media sweep well past MEDIA_RETENTION_SECONDS (but within the still's retention) keeps it.
    skew += 120_000
    expect((await app.sweeper.sweepOnce()).stills).toBe(0)
    expect(existsSync(fileOf(row.stillKey!))).toBe(true)

    // Not a public file: no /media link reaches it, and the console route needs the console's sign-in.
    const route = `${app.url}/admin/api/reports/${row.id}/still`
    expect((await fetch(route)).status).toBe(401)
    expect((await fetch(route, { headers: { authorization: `Bearer ${a.session}` } })).status).toBe(401)
    expect((await fetch(`${app.url}/media/${row.stillKey}`)).status).not.toBe(200)

    const mod = await moderator()
    const ipHash = app.services.secrets.hashIp(b.ip)
    const q = (await mod.get<QueueRow[]>('/queue')).body.find(r => r.ipHash === ipHash)!
    const detail = (await mod.get<ReportDetail>(`/reports/${q.reportId}`)).body
    expect(detail.report.still).toEqual({ width: 640, height: 480 })
    const still = await mod.get<string>(`/reports/${row.id}/still`)
    expect(still.status).toBe(200)
    expect(still.headers.get('content-type')).toBe('image/jpeg')
    expect(still.headers.get('cache-control')).toBe('no-store')
    expect(still.headers.get('x-content-type-options')).toBe('nosniff')
    const bytes = await fetch(route, { headers: { cookie: mod.cookie } }).then(r => r.arrayBuffer())
    expect(new Uint8Array(bytes)).toEqual(jpeg)

    expect((await mod.post('/action', { reportId: row.id, action: 'dismiss' })).status).toBe(200)
    expect(existsSync(fileOf(row.stillKey!))).toBe(false)
    expect(await rowOf(a)).toMatchObject({ stillKey: null, stillWidth: null, stillHeight: null })
    expect((await mod.get(`/reports/${row.id}/still`)).status).toBe(404)
    expect((await mod.get<ReportDetail>(`/reports/${row.id}`)).body.report.still).toBeNull()
    a.close()
    b.close()
    // Making the console account (argon2id, through the real CLI) takes seconds on a loaded machine.
  }, 30_000)

  test('of a video chat that just ended (the stranger left) is kept too; the still is deleted once its retention has passed', async () => {
    const { a, b } = await videoPair()
    b.send({ type: 'leave' })
    await a.next('ended')
    expect(await reportAs(a).mutate({ reason: 'abuse', still: b64(jpeg) })).toEqual({ ok: true, still: { stored: true } })
    const row = await rowOf(a)
    expect(existsSync(fileOf(row.stillKey!))).toBe(true)

    skew += (RETENTION_S - 60) * 1000
    expect((await app.sweeper.sweepOnce()).stills).toBe(0)
    skew += 120_000
    expect((await app.sweeper.sweepOnce()).stills).toBeGreaterThanOrEqual(1)
    expect(existsSync(fileOf(row.stillKey!))).toBe(false)
    // The report itself stays: only the evidence has a retention.
    expect(await rowOf(a)).toMatchObject({ id: row.id, reason: 'abuse', stillKey: null })
    a.close()
    b.close()
  })

  test('a report already made keeps its first still; the second, refused, leaves no file behind', async () => {
    const { a, b } = await videoPair()
    b.send({ type: 'leave' })
    await a.next('ended')
    await reportAs(a).mutate({ reason: 'spam', still: b64(jpeg) })
    const before = new Set(Array.from(new Bun.Glob('*').scanSync(join(app.dataDir, 'media'))))
    await expect(reportAs(a).mutate({ reason: 'spam', still: b64(jpeg) })).rejects.toThrow(/already reported/)
    const after = Array.from(new Bun.Glob('*').scanSync(join(app.dataDir, 'media')))
    expect(after.filter(f => !before.has(f))).toEqual([])
    a.close()
    b.close()
  })
})
