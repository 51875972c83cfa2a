// The tRPC procedures called in process (createCallerFactory), on the running app's real parts:
// the context made from Bearer and X-Forwarded-For as the HTTP adapter makes it, the router made
// from the dependencies api/http-deps.ts picks, the database (SQLite, or MariaDB in the mysql
// pass), the cache (in-process, or memcached) and live sessions paired over real WebSockets.
// Each refusal is checked by its tRPC code and the appCode clients read (trpc.ts appCodeOf).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TRPCError } from '@trpc/server'
import { eq } from 'drizzle-orm'
import { tables } from '../../db'
import { httpDeps } from '../../api/http-deps'
import { createContext } from '../../api/trpc/context'
import { createAppRouter } from '../../api/trpc/router'
import { appCodeOf, createCallerFactory } from '../../api/trpc/trpc'
import { POPULAR_MIN_PEOPLE } from '../../api/trpc/interests'
import { startTestApp, type TestApp } from '../support/app'
import { freshIp, meet, person, uniqueInterest } from '../support/people'
import { put } from '../support/media'
import * as files from '../support/media-files'

const TICKETS_PER_MINUTE = 3
const REPORTS_PER_HOUR = 2

let app: TestApp
/** The router made as api/http.ts makes it: from the dependencies http-deps.ts picks. */
const callerFactory = () => createCallerFactory(createAppRouter(httpDeps(app.services).trpc))
let callerFor: ReturnType<typeof callerFactory>
beforeAll(async () => {
  // Small budgets, so the rate-limit refusals are reached in a few calls; every other case uses
  // fresh sessions from fresh addresses. Quarantine and bans stay out of the reporting cases.
  app = await startTestApp({
    RATE_TICKETS_PER_MINUTE: String(TICKETS_PER_MINUTE),
    RATE_REPORTS_PER_HOUR: String(REPORTS_PER_HOUR),
    QUARANTINE_REPORTS: '0',
    REPORT_BAN_THRESHOLD: '100',
  })
  callerFor = callerFactory()
})
afterAll(() => app.close())

/** A caller as the HTTP adapter would make it for a request from `ip` through the trusted proxy. */
async function caller(session: string | null, ip: string = freshIp()) {
  const ctx = await createContext(httpDeps(app.services).trpcContext, {
    authorization: session === null ? undefined : `Bearer ${session}`,
    forwardedFor: ip,
    peer: '127.0.0.1',
  })
  return callerFor(ctx)
}

/** The refusal of a call that must fail: its tRPC code and what the client is told. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; appCode: string; retryAfterMs: number | undefined; message: string }> {
  try {
    const v = await p
    throw new Error(`expected a refusal, the call returned ${JSON.stringify(v)}`)
  } catch (err) {
    if (!(err instanceof TRPCError)) throw err
    return { code: err.code, message: err.message, ...appCodeOf(err) }
  }
}

describe('interests.popular', () => {
  test('lists an interest once enough distinct addresses used it, and not before', async () => {
    const shared = uniqueInterest()
    const few = uniqueInterest()
    const people = await Promise.all(Array.from({ length: POPULAR_MIN_PEOPLE }, () => person(app)))
    // Only the first two also name `few`: one short of the threshold.
    for (const [i, p] of people.entries()) p.send({ type: 'find', interests: i < POPULAR_MIN_PEOPLE - 1 ? [shared, few] : [shared], random: false })
    const api = await caller(null)
    // Counted when each find is taken (after the guard's checks): poll until the third has been.
    let top = await api.interests.popular({ limit: 50 })
    for (const end = Date.now() + 5000; !top.some(t => t.name === shared) && Date.now() < end; await Bun.sleep(20)) top = await api.interests.popular({ limit: 50 })
    expect(top).toContainEqual({ name: shared, count: POPULAR_MIN_PEOPLE })
    expect(top.map(t => t.name)).not.toContain(few)
    for (const p of people) p.close()
  })

  test('needs no session, and the limit defaults to 12', async () => {
    const top = await (await caller(null)).interests.popular()
    expect(Array.isArray(top)).toBe(true)
    expect(top.length).toBeLessThanOrEqual(12)
  })

  test('a limit outside 1..50 is refused as bad input', async () => {
    const api = await caller(null)
    for (const limit of [0, 51, 1.5]) {
      expect(await refusal(api.interests.popular({ limit }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'bad_input' })
    }
  })
})

describe('media.ticket', () => {
  const image = files.png(3, 2)
  const ticketFor = (size = image.length) => ({ kind: 'image' as const, mime: 'image/png', size, name: 'pic.png' })

  test('in a chat: a ticket that PUT /upload redeems, and the photo reaches both sides', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const t = await (await caller(a.session, a.ip)).media.ticket(ticketFor())
    expect(t.uploadUrl).toMatch(/^\/upload\/[\w-]{32}$/)
    expect(t.maxBytes).toBe(app.services.config.maxUploadBytes)
    expect(t.expiresAt).toBeGreaterThan(Date.now())
    // The ticket store the procedure wrote to is the one the upload route reads: the same cache.
    const r = await put(app, t.uploadUrl, image, a.session, { 'x-forwarded-for': a.ip })
    expect(r.status).toBe(201)
    const [mine, theirs] = await Promise.all([a.next('media'), b.next('media')])
    expect(mine.media).toEqual(r.json!.media!)
    expect(theirs).toMatchObject({ from: 'stranger', media: { name: 'pic.png', size: image.length } })
    a.close()
    b.close()
  })

  test('without a session, or with a token no session has, it is refused as no_session', async () => {
    expect(await refusal((await caller(null)).media.ticket(ticketFor()))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'no_session' })
    const unknown = 'x'.repeat(43)
    expect(await refusal((await caller(unknown)).media.ticket(ticketFor()))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'no_session' })
  })

  test('outside a chat it is refused as not_in_chat', async () => {
    const a = await person(app)
    expect(await refusal((await caller(a.session, a.ip)).media.ticket(ticketFor()))).toMatchObject({ code: 'PRECONDITION_FAILED', appCode: 'not_in_chat' })
    a.close()
  })

  test('a size over MAX_UPLOAD_BYTES, an empty file, a refused type and a bad kind each have their code', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    // Each refusal spends a ticket token (the rate limit is checked first): two sessions, under budget.
    const api = await caller(a.session, a.ip)
    expect(await refusal(api.media.ticket(ticketFor(app.services.config.maxUploadBytes + 1)))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', appCode: 'too_large' })
    expect(await refusal(api.media.ticket(ticketFor(0)))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'empty_upload' })
    const c = await person(app)
    const d = await person(app)
    await meet(c, d)
    const api2 = await caller(c.session, c.ip)
    expect(await refusal(api2.media.ticket({ ...ticketFor(), mime: 'text/html' }))).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', appCode: 'unsupported_type' })
    // Refused by the input schema before the rate limit is consulted.
    expect(await refusal(api2.media.ticket({ ...ticketFor(), kind: 'video' as 'image' }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'bad_input' })
    for (const p of [a, b, c, d]) p.close()
  })

  test(`past RATE_TICKETS_PER_MINUTE (${TICKETS_PER_MINUTE}) a session is refused as rate_limited, with a wait`, async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const api = await caller(a.session, a.ip)
    for (let i = 0; i < TICKETS_PER_MINUTE; i++) await api.media.ticket(ticketFor())
    const r = await refusal(api.media.ticket(ticketFor()))
    expect(r).toMatchObject({ code: 'TOO_MANY_REQUESTS', appCode: 'rate_limited' })
    expect(r.retryAfterMs).toBeGreaterThan(0)
    a.close()
    b.close()
  })
})

describe('reports.create', () => {
  const reportRows = (chatId: string) => app.services.db.db.select().from(tables.reports).where(eq(tables.reports.chatId, chatId))

  test('reporting the partner stores one report, ends the chat for the reporter, and a second is already_reported', async () => {
    const reporter = await person(app)
    const reported = await person(app)
    const chat = await meet(reporter, reported)
    const api = await caller(reporter.session, reporter.ip)
    expect(await api.reports.create({ reason: 'spam', note: 'adverts' })).toEqual({ ok: true })
    expect(await reporter.next('ended')).toMatchObject({ by: 'you', reason: 'reported' })
    const rows = await reportRows(chat)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      reason: 'spam',
      note: 'adverts',
      reporterIpHash: app.services.secrets.hashIp(reporter.ip),
      reportedIpHash: app.services.secrets.hashIp(reported.ip),
    })
    // The just-ended chat is still the one a report names; it was reported already.
    expect(await refusal(api.reports.create({ reason: 'spam' }))).toMatchObject({ code: 'CONFLICT', appCode: 'already_reported' })
    expect(await reportRows(chat)).toHaveLength(1)
    reporter.close()
    reported.close()
  })

  test('with nobody to report it is refused as nothing_to_report', async () => {
    const loner = await person(app)
    expect(await refusal((await caller(loner.session, loner.ip)).reports.create({ reason: 'spam' }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
      appCode: 'nothing_to_report',
    })
    loner.close()
  })

  test('without a session it is refused as no_session; an unknown reason or an overlong note as bad input', async () => {
    expect(await refusal((await caller(null)).reports.create({ reason: 'spam' }))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'no_session' })
    const a = await person(app)
    const api = await caller(a.session, a.ip)
    expect(await refusal(api.reports.create({ reason: 'boring' as 'spam' }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'bad_input' })
    expect(await refusal(api.reports.create({ reason: 'spam', note: 'n'.repeat(100_000) }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'bad_input' })
    a.close()
  })

  test(`past RATE_REPORTS_PER_HOUR (${REPORTS_PER_HOUR}) an address is refused as rate_limited, with a wait, and nothing is stored`, async () => {
    const ip = freshIp()
    for (let i = 0; i < REPORTS_PER_HOUR; i++) {
      const reporter = await person(app, ip)
      const other = await person(app)
      await meet(reporter, other)
      expect(await (await caller(reporter.session, ip)).reports.create({ reason: 'abuse' })).toEqual({ ok: true })
      reporter.close()
      other.close()
    }
    const reporter = await person(app, ip)
    const other = await person(app)
    const chat = await meet(reporter, other)
    const r = await refusal((await caller(reporter.session, ip)).reports.create({ reason: 'abuse' }))
    expect(r).toMatchObject({ code: 'TOO_MANY_REQUESTS', appCode: 'rate_limited' })
    expect(r.retryAfterMs).toBeGreaterThan(0)
    expect(await reportRows(chat)).toHaveLength(0)
    // Refused before anything happened: the chat goes on.
    reporter.send({ type: 'text', id: 't1', body: 'still here' })
    expect(await other.next('text')).toMatchObject({ body: 'still here' })
    reporter.close()
    other.close()
  })
})
