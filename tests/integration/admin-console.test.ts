// The moderation console's security properties and actions, on this run's backend (SQLite +
// in-process cache, or MariaDB + memcached): accounts from the real CLI, sign-in, the cookie, the
// CSRF and Origin checks, the headers, the address allow-list, revocation, and audit rows.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import * as OTPAuth from 'otpauth'
import { tables } from '../../db'
import { startTestApp, type TestApp } from '../support/app'
import { addAccount, ConsoleClient, modCli, uniqueName } from '../support/admin'
import type { AuditView, BanView, LiveView, QueueRow, ReportDetail } from '../../api/admin/types'
import { trpcClient } from '../support/trpc-calls'
import { freshIp, meet, person } from '../support/people'
import { send } from '../support/media'
import { png } from '../support/media-files'
import { createLive } from '../../api/admin/live'
import { createMetrics } from '../../api/ops/metrics'

const PW = 'correct horse battery staple'
let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ QUARANTINE_REPORTS: '0', ADMIN_LOCK_FAILURES: '5' })
})
afterAll(() => app.close())

const consoleAs = (ip = freshIp()) => new ConsoleClient(app.url, 'http://127.0.0.1', { 'x-forwarded-for': ip })
async function signedIn(role: 'moderator' | 'admin' = 'moderator') {
  const name = uniqueName(role.slice(0, 3))
  await addAccount(app.env, name, PW, role)
  const c = consoleAs()
  const r = await c.signIn(name, PW)
  expect(r.status).toBe(200)
  return Object.assign(c, { name })
}

/** A reported chat: `reported` said something, `reporter` reported it with the transcript. */
async function reportedChat() {
  const reporter = await person(app)
  const reported = await person(app)
  await meet(reporter, reported)
  reported.send({ type: 'text', id: 't1', body: 'visit evil.example now' })
  await reporter.next('text')
  await trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({
    reason: 'abuse',
    note: 'rude',
    includeTranscript: true,
  })
  await reported.next('ended')
  return { reporter, reported, ipHash: app.services.secrets.hashIp(reported.ip) }
}

const GETS = ['/me', '/queue', '/reports/1', '/bans', '/audit', '/live', '/accounts']
const POSTS = ['/sign-out', '/action', '/hash-address', '/bans/lift', '/password', '/accounts/add', '/accounts/remove', '/totp/begin', '/totp/confirm', '/totp/disable']

describe('console access', () => {
  test('no cookie → 401 on every console call, with a generic body', async () => {
    const c = consoleAs()
    for (const p of GETS) expect((await c.get(p)).status, p).toBe(401)
    for (const p of POSTS) {
      const r = await c.post(p, {})
      expect(r.status, p).toBe(401)
      expect(r.body).toMatchObject({ error: { code: 'unauthorized' } })
    }
  })

  test('a chat session Bearer token is no console credential (401), and a console cookie is no chat session', async () => {
    const chatter = await person(app)
    const c = consoleAs()
    for (const p of GETS) expect((await c.get(p, { authorization: `Bearer ${chatter.session}` })).status, p).toBe(401)
    expect((await c.post('/action', { reportId: 1, action: 'dismiss' }, { authorization: `Bearer ${chatter.session}` })).status).toBe(401)
    const mod = await signedIn()
    const res = await fetch(`${app.url}/trpc/interests.popular`, { headers: { cookie: mod.cookie } })
    expect(res.status).not.toBe(500)
    const reported = await trpcClient(app.url, { headers: { cookie: mod.cookie } })
      .reports.create.mutate({ reason: 'spam' })
      .then(
        () => null,
        e => e,
      )
    expect(reported?.data?.appCode ?? reported?.shape?.data?.appCode).toBe('no_session')
    chatter.close()
  })

  test('a state-changing call without the CSRF header, with a wrong one, from another Origin or none → 403', async () => {
    const mod = await signedIn()
    expect((await mod.post('/sign-out', {}, { 'x-csrf-token': '' })).status).toBe(403)
    expect((await mod.post('/sign-out', {}, { 'x-csrf-token': 'x'.repeat(43) })).body).toMatchObject({ error: { code: 'csrf' } })
    expect((await mod.post('/sign-out', {}, { origin: 'https://evil.example' })).body).toMatchObject({ error: { code: 'forbidden_origin' } })
    const noOrigin = await fetch(app.url + '/admin/api/sign-out', {
      method: 'POST',
      headers: { cookie: mod.cookie, 'x-csrf-token': mod.csrf, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(noOrigin.status).toBe(403)
    // Sign-in is state-changing too.
    const fresh = consoleAs()
    expect((await fresh.post('/sign-in', { name: mod.name, password: PW }, { 'x-csrf-token': '' })).status).toBe(403)
    expect((await fresh.post('/sign-in', { name: mod.name, password: PW }, { origin: 'http://127.0.0.1.evil.example' })).status).toBe(403)
    // Still signed in: none of those did anything.
    expect((await mod.get('/me')).status).toBe(200)
  })

  test('the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict, Path=/ and has no Domain', async () => {
    const mod = await signedIn()
    const sc = mod.setCookie!
    expect(sc).toMatch(/^__Host-leetchat_admin=[\w-]{43};/)
    expect(sc).toMatch(/;\s*HttpOnly/i)
    expect(sc).toMatch(/;\s*Secure/i)
    expect(sc).toMatch(/;\s*SameSite=Strict/i)
    expect(sc).toMatch(/;\s*Path=\//i)
    expect(sc).not.toMatch(/Domain=/i)
  })

  test('no-store, the strict CSP and frame-ancestors none on every console response', async () => {
    const mod = await signedIn()
    const anon = consoleAs()
    const responses = [
      (await mod.get('/me')).headers,
      (await mod.get('/queue')).headers,
      (await anon.get('/queue')).headers,
      (await anon.post('/sign-in', {}, { 'x-csrf-token': '' })).headers,
      (await mod.get('/nothing-here')).headers,
      (await fetch(app.url + '/admin')).headers,
      (await fetch(app.url + '/admin/assets/missing.js')).headers,
    ]
    for (const h of responses) {
      expect(h.get('cache-control')).toBe('no-store')
      const csp = h.get('content-security-policy')!
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe')
      expect(h.get('x-frame-options')).toBe('DENY')
    }
  })

  test('an address outside ADMIN_ALLOWED_ADDRESSES is refused before anything else', async () => {
    const limited = await startTestApp({ ADMIN_ALLOWED_ADDRESSES: '192.0.2.0/24,2001:db8::/32' })
    try {
      const name = uniqueName('lim')
      await addAccount(limited.env, name, PW)
      const outside = new ConsoleClient(limited.url, 'http://127.0.0.1', { 'x-forwarded-for': '198.51.100.7' })
      expect((await outside.signIn(name, PW)).status).toBe(403)
      expect((await outside.get('/me')).body).toMatchObject({ error: { code: 'address_not_allowed' } })
      expect((await fetch(limited.url + '/admin', { headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(403)
      const inside = new ConsoleClient(limited.url, 'http://127.0.0.1', { 'x-forwarded-for': '192.0.2.9' })
      expect((await inside.signIn(name, PW)).status).toBe(200)
      const v6 = new ConsoleClient(limited.url, 'http://127.0.0.1', { 'x-forwarded-for': '2001:db8:1::5' })
      expect((await v6.signIn(name, PW)).status).toBe(200)
      // The list and the console's headers are the console's only: the chat stays open to everyone.
      const outsideHeaders = { 'x-forwarded-for': '198.51.100.7' }
      expect((await fetch(limited.url + '/healthz', { headers: outsideHeaders })).status).toBe(200)
      const trpc = await fetch(limited.url + '/trpc/interests.popular', { headers: outsideHeaders })
      expect(trpc.status).not.toBe(403)
      expect(trpc.headers.get('content-security-policy')).not.toContain("default-src 'none'")
      expect(trpc.headers.get('cache-control') ?? '').not.toBe('no-store')
    } finally {
      await limited.close()
    }
  })

  test('ADMIN_ENABLED=false: /admin and its API are 404', async () => {
    const off = await startTestApp({ ADMIN_ENABLED: 'false' })
    try {
      expect((await fetch(off.url + '/admin')).status).toBe(404)
      expect((await fetch(off.url + '/admin/api/me')).status).toBe(404)
    } finally {
      await off.close()
    }
  })
})

describe('sign-in', () => {
  test('wrong password and unknown name get the same answer; five failures lock the name, even for the right password', async () => {
    const name = uniqueName('lock')
    await addAccount(app.env, name, PW)
    const c = consoleAs()
    const unknown = await c.signIn(uniqueName('nobody'), PW)
    expect(unknown.status).toBe(401)
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await c.signIn(name, 'wrong password ' + i))
    for (const a of answers) expect(a.body).toEqual(unknown.body)
    const locked = await consoleAs().signIn(name, PW)
    expect(locked.status).toBe(401)
    expect(locked.body).toEqual(unknown.body)
  })

  test('one address is limited however many names it tries', async () => {
    const limited = await startTestApp({ ADMIN_SIGN_INS_PER_ADDRESS: '3' })
    try {
      const c = new ConsoleClient(limited.url, 'http://127.0.0.1', { 'x-forwarded-for': freshIp() })
      for (let i = 0; i < 3; i++) expect((await c.signIn(uniqueName('n'), 'whatever password')).status).toBe(401)
      const r = await c.signIn(uniqueName('n'), 'whatever password')
      expect(r.status).toBe(429)
      expect(r.body).toMatchObject({ error: { code: 'rate_limited' } })
    } finally {
      await limited.close()
    }
  })

  test('the CLI refuses a short password and a taken name; admin list shows the accounts', async () => {
    const name = uniqueName('cli')
    expect((await modCli(app.env, ['admin', 'add', name], 'short\n')).code).toBe(2)
    await addAccount(app.env, name, PW, 'admin')
    expect((await modCli(app.env, ['admin', 'add', name], PW + '\n')).code).toBe(3)
    const list = await modCli(app.env, ['admin', 'list', '--json'])
    expect(JSON.parse(list.stdout).find((a: { name: string }) => a.name === name)).toMatchObject({ role: 'admin', totp: false })
  })

  test('sign-out, a password change and removing the account end open sessions at their next call', async () => {
    const a = await signedIn()
    expect((await a.post('/sign-out')).status).toBe(200)
    expect((await a.get('/me')).status).toBe(401)

    const b = await signedIn()
    const b2 = consoleAs()
    await b2.signIn(b.name, PW)
    expect((await modCli(app.env, ['admin', 'password', b.name], 'another long password\n')).code).toBe(0)
    expect((await b.get('/me')).status).toBe(401)
    expect((await b2.get('/queue')).status).toBe(401)

    const c = await signedIn()
    expect((await c.get('/me')).status).toBe(200)
    expect((await modCli(app.env, ['admin', 'remove', c.name])).code).toBe(0)
    expect((await c.get('/me')).status).toBe(401)
    expect((await c.post('/action', { reportId: 1, action: 'dismiss' })).status).toBe(401)
  })

  test('a session ends after ADMIN_IDLE_MINUTES unused, and at ADMIN_SESSION_HOURS however busy', async () => {
    let t = Date.now()
    const clocked = await startTestApp({ ADMIN_IDLE_MINUTES: '30', ADMIN_SESSION_HOURS: '2' }, { now: () => t })
    try {
      const name = uniqueName('clk')
      await addAccount(clocked.env, name, PW)
      const idle = new ConsoleClient(clocked.url, 'http://127.0.0.1', { 'x-forwarded-for': freshIp() })
      const busy = new ConsoleClient(clocked.url, 'http://127.0.0.1', { 'x-forwarded-for': freshIp() })
      await idle.signIn(name, PW)
      await busy.signIn(name, PW)
      for (let m = 0; m < 115; m += 20) {
        t += 20 * 60_000
        if (m === 20) expect((await idle.get('/me')).status).toBe(401)
        expect((await busy.get('/me')).status, `after ${m + 20} min`).toBe(200)
      }
      t += 10 * 60_000
      expect((await busy.get('/me')).status).toBe(401)
    } finally {
      await clocked.close()
    }
  })

  test('a moderator cannot add or remove accounts; an admin can, and the new account signs in', async () => {
    const mod = await signedIn('moderator')
    const name = uniqueName('new')
    expect((await mod.post('/accounts/add', { name, password: PW, role: 'moderator' })).status).toBe(403)
    expect((await mod.get('/accounts')).status).toBe(403)
    const admin = await signedIn('admin')
    expect((await admin.post('/accounts/add', { name, password: PW, role: 'moderator' })).status).toBe(200)
    expect((await consoleAs().signIn(name, PW)).status).toBe(200)
    expect((await admin.post('/accounts/remove', { name })).status).toBe(200)
  })

  test('TOTP: enrolment takes effect after a right code; then sign-in needs the code, and a code works once', async () => {
    const mod = await signedIn()
    const begin = await mod.post<{ qr: string; secret: string }>('/totp/begin')
    expect(begin.body.qr).toStartWith('data:image/svg+xml;base64,')
    expect(Buffer.from(begin.body.qr.split(',')[1]!, 'base64').toString()).toContain('<svg')
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(begin.body.secret), digits: 6, period: 30 })
    // Not in force before it is confirmed.
    expect((await consoleAs().signIn(mod.name, PW)).status).toBe(200)
    expect((await mod.post('/totp/confirm', { code: '000000' === totp.generate() ? '111111' : '000000' })).status).toBe(400)
    // A fresh step for the confirmation, another for the sign-in (a code is spent once used).
    expect((await mod.post('/totp/confirm', { code: totp.generate({ timestamp: Date.now() - 30_000 }) })).status).toBe(200)
    expect((await consoleAs().signIn(mod.name, PW)).status).toBe(401)
    const code = totp.generate()
    expect((await consoleAs().signIn(mod.name, PW, code)).status).toBe(200)
    expect((await consoleAs().signIn(mod.name, PW, code)).status).toBe(401)
  })
})

describe('reports and actions', () => {
  test('a report shows in the queue grouped by address; its detail has the transcript; a ban ends live chats and refuses the next find', async () => {
    const mod = await signedIn()
    const { reporter, reported, ipHash } = await reportedChat()
    // A second reporter of the same address: still one row, two reporters.
    const other = await person(app)
    await meet(other, reported)
    await trpcClient(app.url, { session: other.session, headers: { 'x-forwarded-for': other.ip } }).reports.create.mutate({ reason: 'spam' })
    await reported.next('ended')

    const queue = (await mod.get('/queue')).body as Array<{ ipHash: string; reports: number; reporters: number; reasons: string[]; reportId: number }>
    const row = queue.find(q => q.ipHash === ipHash)!
    expect(row).toMatchObject({ reports: 2, reporters: 2, reasons: ['abuse', 'spam'] })
    const detail = (await mod.get<ReportDetail>(`/reports/${row.reportId}`)).body
    expect(detail.report.transcript?.[0]).toMatchObject({ from: 'reported', body: 'visit evil.example now' })
    expect(detail.openWithIt).toHaveLength(1)
    expect(detail.bannedUntil).toBeNull()

    // The reported address is in a chat with a bystander when the ban lands.
    const bystander = await person(app)
    await meet(bystander, reported)
    const ban = await mod.post('/action', { reportId: row.reportId, action: 'ban', preset: '1d', reason: 'threats' })
    expect(ban.status).toBe(200)
    expect(ban.body).toMatchObject({ ok: true, outcome: 'ban', closed: 2 })
    expect(await reported.next('error')).toMatchObject({ code: 'banned' })
    reported.send({ type: 'find', interests: ['x'], random: true })
    const refused = await reported.next('error')
    expect(refused.code).toBe('banned')
    expect(refused.retryAfterMs).toBeGreaterThan(86_000_000)
    expect((await mod.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === ipHash)).toBeUndefined()
    for (const p of [reporter, reported, other, bystander]) p.close()
  })

  test('two moderators acting on one report: the second is told who handled it', async () => {
    const a = await signedIn()
    const b = await signedIn()
    const { reporter, reported, ipHash } = await reportedChat()
    const row = (await a.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === ipHash)!
    const [ra, rb] = await Promise.all([
      a.post('/action', { reportId: row.reportId, action: 'dismiss' }),
      b.post('/action', { reportId: row.reportId, action: 'quarantine', seconds: 3600 }),
    ])
    const statuses = [ra.status, rb.status].sort()
    expect(statuses).toEqual([200, 409])
    const lost = ra.status === 409 ? ra : rb
    const winner = ra.status === 200 ? a.name : b.name
    expect(lost.body).toMatchObject({ error: { code: 'already_handled', handledBy: winner } })
    const detail = (await b.get<ReportDetail>(`/reports/${row.reportId}`)).body
    expect(detail.report.handled?.by).toBe(winner)
    reporter.close()
    reported.close()
  })

  test('quarantine, unban and the bans list; an address typed in is hashed on the server and not stored', async () => {
    const mod = await signedIn()
    const { reporter, reported, ipHash } = await reportedChat()
    const row = (await mod.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === ipHash)!
    expect((await mod.post('/action', { reportId: row.reportId, action: 'quarantine', seconds: 600 })).status).toBe(200)
    expect(await app.services.risk.quarantined(ipHash)).toBe(true)
    await app.services.moderation.ban(ipHash, { seconds: 3600, reason: 'test', source: 'operator' })
    const looked = await mod.post<{ ipHash: string }>('/hash-address', { address: reported.ip })
    expect(looked.body.ipHash).toBe(ipHash)
    const bans = (await mod.get<BanView[]>(`/bans?ipHash=${ipHash}`)).body
    expect(bans[0]).toMatchObject({ ipHash, active: true })
    expect((await mod.post<{ lifted: number }>('/bans/lift', { ipHash })).body.lifted).toBe(1)
    expect((await mod.get<BanView[]>(`/bans?ipHash=${ipHash}`)).body[0]?.active).toBe(false)
    expect((await mod.get('/bans?ipHash=not-a-hash')).status).toBe(400)
    expect((await mod.post('/hash-address', { address: 'not an address' })).status).toBe(400)
    reporter.close()
    reported.close()
  })

  test('audit rows for sign-in, failure, each action and account change; no raw address anywhere in the console tables', async () => {
    const admin = await signedIn('admin')
    const ip = freshIp()
    const failing = consoleAs(ip)
    await failing.signIn(admin.name, 'not the password at all')
    const { reporter, reported, ipHash } = await reportedChat()
    const row = (await admin.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === ipHash)!
    await admin.post('/action', { reportId: row.reportId, action: 'ban', preset: '1h', reason: 'spam links' })
    const acct = uniqueName('aud')
    await admin.post('/accounts/add', { name: acct, password: PW, role: 'moderator' })
    await admin.post('/accounts/remove', { name: acct })
    await admin.post('/hash-address', { address: reported.ip })

    const mine = (await admin.get(`/audit?actor=${admin.name}`)).body as Array<{ action: string; target: string; detail: string }>
    const actions = mine.map(r => r.action)
    for (const a of ['sign_in', 'sign_in_failed', 'ban', 'account_add', 'account_remove', 'address_lookup']) expect(actions).toContain(a)
    expect(mine.find(r => r.action === 'ban')).toMatchObject({ target: ipHash })
    expect(mine.find(r => r.action === 'ban')!.detail).toContain('3600 s: spam links')
    expect((await admin.get<AuditView[]>('/audit?action=ban')).body.every(r => r.action === 'ban')).toBe(true)
    expect((await admin.get('/audit?action=drop_table')).status).toBe(400)

    // A name that is no account (often a password typed in the wrong field) is not written down.
    const typo = 'my-secret-password-typed-as-name'
    await consoleAs().signIn(typo, PW)
    const unknown = (await admin.get('/audit?action=sign_in_failed')).body as Array<{ actor: string }>
    expect(unknown.some(r => r.actor === '(unknown name)')).toBe(true)

    const { db } = app.services.db
    const dump = JSON.stringify([
      await db.select().from(tables.adminAudit),
      await db.select().from(tables.adminSessions),
      await db.select().from(tables.reportActions),
      await db.select().from(tables.adminAccounts),
    ])
    for (const raw of [ip, reported.ip, reporter.ip, '127.0.0.1']) expect(dump).not.toContain(raw)
    expect(dump).not.toContain(PW)
    expect(dump).not.toContain(typo)
    reporter.close()
    reported.close()
  })

  test('a report shows the images the reported side sent in that chat, through links that work, and not the reporter’s', async () => {
    const mod = await signedIn()
    const reporter = await person(app)
    const reported = await person(app)
    await meet(reporter, reported)
    expect((await send(app, reported.session, 'image', 'image/png', png(4, 4), 'mine.png')).status).toBe(201)
    await reporter.next('media')
    expect((await send(app, reporter.session, 'image', 'image/png', png(3, 3), 'theirs.png')).status).toBe(201)
    await reported.next('media')
    await trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({ reason: 'sexual' })
    const ipHash = app.services.secrets.hashIp(reported.ip)
    const row = (await mod.get<QueueRow[]>('/queue')).body.find(q => q.ipHash === ipHash)!
    const detail = (await mod.get<ReportDetail>(`/reports/${row.reportId}`)).body
    expect(detail.images).toHaveLength(1)
    const url: string = detail.images[0]!.url
    expect(url).toStartWith('/media/')
    expect(detail.images[0]?.flagged).toBe(false)
    const img = await fetch(app.url + url)
    expect(img.status).toBe(200)
    expect(img.headers.get('content-type')).toBe('image/png')
    reporter.close()
    reported.close()
  })

  test('live samples: each node adds one a minute to its ring in the cache; the view sums the nodes', async () => {
    let t = Date.UTC(2026, 0, 1, 12, 0, 30)
    const nodeLive = (id: string, connected: number, others: string[]) => {
      const metrics = createMetrics()
      const live = createLive({
        cache: app.services.cache,
        metrics,
        nodeId: id,
        stats: () => ({ connected, chats: 1, waiting: 2 }),
        draining: () => false,
        liveNodes: async () => others.map(o => ({ id: o, connected: o.endsWith('-a') ? 5 : 7 })),
        now: () => t,
      })
      return { metrics, live }
    }
    const tag = uniqueName('n')
    const a = nodeLive(`${tag}-a`, 5, [`${tag}-a`, `${tag}-b`])
    const b = nodeLive(`${tag}-b`, 7, [`${tag}-a`, `${tag}-b`])
    a.live.start()
    b.live.start()
    a.metrics.inc('matches_total', { kind: 'interest' }, 3)
    a.metrics.inc('proofs_total', { outcome: 'issued' }, 4)
    a.metrics.inc('proofs_total', { outcome: 'accepted' }, 3)
    b.metrics.inc('matches_total', { kind: 'random' }, 2)
    b.metrics.inc('reports_total', { reason: 'spam' })
    await a.live.sample()
    await b.live.sample()
    t += 60_000
    a.metrics.inc('matches_total', { kind: 'interest' })
    await a.live.sample()
    await b.live.sample()
    a.live.stop()
    b.live.stop()
    const v = await a.live.view()
    expect(v.nodes.map(n => n.id).sort()).toEqual([`${tag}-a`, `${tag}-b`])
    expect(v.now).toMatchObject({ online: 12, chats: 2, waiting: 4 })
    expect(v.day).toHaveLength(2)
    expect(v.day[0]).toMatchObject({ online: 12, chatsStarted: 5, powIssued: 4, powSolved: 3, reports: 1 })
    expect(v.day[1]).toMatchObject({ chatsStarted: 1, reports: 0 })
    expect(v.now.reports).toBe(1)
  })

  test('live figures answer for this node', async () => {
    const mod = await signedIn()
    await app.services.hub // the app is up
    const live = (await mod.get<LiveView>('/live')).body
    expect(live.nodes).toHaveLength(1)
    expect(live.now.online).toBeGreaterThanOrEqual(0)
    expect(Array.isArray(live.day)).toBe(true)
  })
})
