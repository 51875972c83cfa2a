// The console's HTTP surface under /admin: the page and its assets, and a small JSON API at
// /admin/api/*. Every response is no-store, framed by nobody and under a strict CSP. Every call
// but sign-in needs the console cookie (a chat Bearer token means nothing here); every POST needs
// an allowed Origin and the X-CSRF-Token header (the session's token once signed in). Addresses
// outside ADMIN_ALLOWED_ADDRESSES get 403 before anything else. Raw addresses are used only to
// check that list and to compute the keyed hash the audit log stores.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'
import { BlockList, isIP } from 'node:net'
import { resolve } from 'node:path'
import { renderSVG } from 'uqr'
import { z } from 'zod'
import type { Config } from '../config'
import type { HttpEnv } from '../http-env'
import { canonicalIp } from '../ip-address'
import { clientIp } from '../safety/client-ip'
import { checkOrigin, originSet } from '../safety/origin'
import { createStaticHandler } from '../static'
import type { AdminConsole } from './console'
import type { ConsoleSession } from './sessions'
import { COOKIE } from './sessions'
import { GENERIC_FAILURE, checkTotp, newTotpSecret, totpFor } from './sign-in'
import { AUDIT_ACTIONS } from './audit'
import { banView } from './reports'
import type { AccountView, Me } from './types'

export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Report images are signed same-origin links; the TOTP QR code is an SVG data: URL.
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

type Env = { Variables: { session: ConsoleSession; ip: string; addressHash: string } }
type Peer = (c: Context) => string | null

const IP_HASH = /^[0-9a-f]{32}$/
const PRESETS = { '1h': 3600, '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const

const err = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 413 | 429, code: string, message: string, extra: Record<string, unknown> = {}) =>
  c.json({ error: { code, message, ...extra } }, status)

function allowList(entries: readonly string[]): BlockList | null {
  if (!entries.length) return null
  const list = new BlockList()
  for (const e of entries) {
    const [addr, bits] = e.split('/') as [string, string | undefined]
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr, type)
    else list.addSubnet(addr, Number(bits), type)
  }
  return list
}

function allowed(list: BlockList | null, ip: string): boolean {
  if (!list) return true
  const c = canonicalIp(ip)
  if (!c) return false
  return list.check(c, isIP(c) === 6 ? 'ipv6' : 'ipv4')
}

const signInInput = z.object({ name: z.string().max(200), password: z.string().max(2000), code: z.string().max(20).optional() })
const actionInput = z.discriminatedUnion('action', [
  z.object({ reportId: z.number().int().positive(), action: z.literal('dismiss') }),
  z.object({
    reportId: z.number().int().positive(),
    action: z.literal('ban'),
    preset: z.enum(['1h', '1d', '7d', '30d']).optional(),
    until: z.number().int().positive().optional(),
    reason: z.string().max(255).default(''),
  }),
  z.object({
    reportId: z.number().int().positive(),
    action: z.literal('quarantine'),
    seconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400),
  }),
  z.object({ reportId: z.number().int().positive(), action: z.literal('unban') }),
])

export function mountAdminRoutes(app: Hono<HttpEnv>, admin: AdminConsole, deps: { config: Config; peer: Peer; staticRoot: string }) {
  const { config } = deps
  const { sessions, audit, desk, accounts, signIn, secrets, bans, cache, live } = admin
  const list = allowList(config.adminAllowedAddresses)
  const origins = originSet(config.allowedOrigins)
  const serveStatic = createStaticHandler(resolve(deps.staticRoot), { wsPath: config.wsPath })
  const r = new Hono<Env>()

  // 1. Headers on every console response, whatever it is (errors and 404s included).
  // Scoped to /admin: this app is mounted at the root, where '*' would catch the chat PWA too.
  const scope = (mw: MiddlewareHandler<Env>) => {
    r.use('/admin', mw)
    r.use('/admin/*', mw)
  }
  scope(async (c, next) => {
    await next()
    c.res.headers.set('Cache-Control', 'no-store')
    c.res.headers.set('Content-Security-Policy', ADMIN_CSP)
    c.res.headers.set('X-Frame-Options', 'DENY')
    c.res.headers.set('Cross-Origin-Resource-Policy', 'same-origin')
  })
  // 2. Who may reach the console at all.
  scope(async (c, next) => {
    const ip = clientIp(deps.peer(c), c.req.header('x-forwarded-for'), config.trustedProxies)
    if (!allowed(list, ip)) return err(c, 403, 'address_not_allowed', 'the console is not reachable from this address')
    c.set('ip', ip)
    c.set('addressHash', secrets.hashIp(ip))
    await next()
  })

  // The page and its assets (the console's own Vite build in pwa/dist/admin).
  const page = async (c: Context) => {
    const res = await serveStatic('/admin/index.html', true, c.req.header('accept-encoding'))
    return res ?? c.text('the console is not built: run npm run build', 404)
  }
  r.get('/admin', page)
  r.get('/admin/', page)
  r.get('/admin/assets/*', async c => {
    const res = await serveStatic(c.req.path, false, c.req.header('accept-encoding'))
    return res ?? err(c, 404, 'not_found', 'not found')
  })

  const api = new Hono<Env>()
  api.use('*', bodyLimit({ maxSize: 16 * 1024, onError: c => err(c, 413, 'too_large', 'request bodies are limited to 16 KB') }))
  // 3. Every state-changing call: an allowed Origin (absent is refused: browsers always send it on
  // POST) and the CSRF header, which a cross-site form cannot set.
  api.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (checkOrigin(c.req.header('origin'), origins) !== 'allowed') return err(c, 403, 'forbidden_origin', 'this page may not call the console')
      if (!c.req.header('x-csrf-token')) return err(c, 403, 'csrf', 'the X-CSRF-Token header is missing')
    }
    await next()
  })

  const setSessionCookie = (c: Context, token: string) =>
    setCookie(c, COOKIE, token, {
      path: '/',
      httpOnly: true,
      // __Host- cookies must be Secure. Browsers accept Secure cookies from http://localhost and
      // http://127.0.0.1 too, so development works; anywhere else the console needs TLS.
      secure: true,
      sameSite: 'Strict',
      maxAge: config.adminSessionHours * 3600,
    })

  const json = async <T>(c: Context, schema: z.ZodType<T>): Promise<T | Response> => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return err(c, 400, 'bad_request', 'the body must be JSON')
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) return err(c, 400, 'bad_request', parsed.error.issues[0]?.message ?? 'bad input')
    return parsed.data
  }

  api.post('/sign-in', async c => {
    const input = await json(c, signInInput)
    if (input instanceof Response) return input
    const addressHash = c.get('addressHash')
    const result = await signIn.attempt(input, addressHash)
    if (!result.ok) {
      if (result.code === 'rate_limited') return err(c, 429, 'rate_limited', result.message, { retryAfterMs: result.retryAfterMs })
      // An unknown name is not written down: it is often a password typed in the wrong field.
      const name = (await accounts.exists(input.name)) ? input.name : '(unknown name)'
      if (result.why !== 'code_needed') await audit.record({ actor: name, action: 'sign_in_failed', target: name, detail: result.why, addressHash })
      return err(c, 401, 'sign_in_failed', GENERIC_FAILURE)
    }
    const { token } = await sessions.create(result.account.id)
    setSessionCookie(c, token)
    await audit.record({ actor: result.account.name, action: 'sign_in', target: result.account.name, addressHash })
    const s = (await sessions.resolve(token))!
    return c.json(me(s))
  })

  const me = (s: ConsoleSession): Me => ({ name: s.name, role: s.role, totp: s.totp, csrf: s.csrf, idleMinutes: config.adminIdleMinutes })

  // 4. Everything below needs a live console session; POSTs its own CSRF token.
  const auth: MiddlewareHandler<Env> = async (c, next) => {
    const s = await sessions.resolve(getCookie(c, COOKIE))
    if (!s) return err(c, 401, 'unauthorized', 'sign in first')
    if (c.req.method !== 'GET' && !sessions.csrfMatches(s, c.req.header('x-csrf-token'))) return err(c, 403, 'csrf', 'the X-CSRF-Token header does not match this session')
    c.set('session', s)
    await next()
  }
  const adminOnly: MiddlewareHandler<Env> = async (c, next) => {
    if (c.get('session').role !== 'admin') return err(c, 403, 'forbidden_role', 'only an admin may do that')
    await next()
  }
  api.use('/*', async (c, next) => (c.req.path.endsWith('/sign-in') ? next() : auth(c, next)))
  const who = (c: Context<Env>) => ({ actor: c.get('session').name, addressHash: c.get('addressHash') })

  api.get('/me', c => c.json(me(c.get('session'))))

  api.post('/sign-out', async c => {
    await sessions.end(c.get('session').id)
    deleteCookie(c, COOKIE, { path: '/', secure: true })
    await audit.record({ ...who(c), action: 'sign_out', target: c.get('session').name })
    return c.json({ ok: true })
  })

  api.post('/password', async c => {
    const input = await json(c, z.object({ current: z.string().max(2000), next: z.string().max(2000) }))
    if (input instanceof Response) return input
    const s = c.get('session')
    if (!(await accounts.verify(s.name, input.current))) return err(c, 403, 'wrong_password', 'the current password is not right')
    const r = await accounts.setPassword(s.name, input.next)
    if (r !== true) return err(c, 400, r.code, r.message)
    await audit.record({ ...who(c), action: 'password_change', target: s.name })
    // Every session of the account ended with the change, this one too: sign in again.
    deleteCookie(c, COOKIE, { path: '/', secure: true })
    return c.json({ ok: true })
  })

  // --- reports ---
  api.get('/queue', async c => {
    const sort = c.req.query('sort') === 'most' ? 'most' : 'oldest'
    return c.json(await desk.queue(sort))
  })
  // The still a reporter sent: only here, to a signed-in moderator, never under a public link.
  api.get('/reports/:id/still', async c => {
    const id = c.req.param('id')
    if (!/^\d{1,15}$/.test(id)) return err(c, 400, 'bad_request', 'a report id is a number')
    const f = await admin.stills.fileOf(Number(id))
    const file = f && Bun.file(f.path)
    if (!file || !(await file.exists())) return err(c, 404, 'not_found', 'this report has no still (any more)')
    return new Response(file, { headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(file.size), 'X-Content-Type-Options': 'nosniff' } })
  })
  api.get('/reports/:id', async c => {
    const id = c.req.param('id')
    if (!/^\d{1,15}$/.test(id)) return err(c, 400, 'bad_request', 'a report id is a number')
    const d = await desk.detail(Number(id))
    return d ? c.json(d) : err(c, 404, 'no_such_report', 'there is no such report')
  })
  api.post('/action', async c => {
    const input = await json(c, actionInput)
    if (input instanceof Response) return input
    const by = c.get('session').name
    let res
    let detail = ''
    if (input.action === 'ban') {
      const seconds = input.preset ? PRESETS[input.preset] : input.until ? Math.ceil((input.until - admin.now()) / 1000) : 0
      if (seconds < 60 || seconds > 10 * 365 * 86_400) return err(c, 400, 'bad_request', 'choose a preset or a time between a minute and ten years from now')
      const reason = input.reason.trim() || 'moderator'
      detail = `${seconds} s: ${reason}`
      res = await desk.act(input.reportId, { action: 'ban', seconds, reason }, by)
    } else if (input.action === 'quarantine') {
      detail = `${input.seconds} s`
      res = await desk.act(input.reportId, { action: 'quarantine', seconds: input.seconds }, by)
    } else res = await desk.act(input.reportId, { action: input.action }, by)
    if (!res.ok) {
      if (res.code === 'no_such_report') return err(c, 404, res.code, res.message)
      return err(c, 409, res.code, res.message, { handledBy: res.handledBy, outcome: res.outcome, handledAt: res.handledAt })
    }
    await audit.record({
      ...who(c),
      action: input.action,
      target: res.ipHash || `report:${input.reportId}`,
      detail: `report ${input.reportId}${detail ? `, ${detail}` : ''}, closed ${res.closed}`,
    })
    return c.json(res)
  })

  // --- bans ---
  api.get('/bans', async c => {
    const q = (c.req.query('ipHash') ?? '').trim().toLowerCase()
    if (q && !IP_HASH.test(q)) return err(c, 400, 'bad_request', 'an address hash is 32 hex characters')
    const all = c.req.query('all') === '1'
    const t = admin.now()
    const rows = await bans.list({ includeExpired: all || !!q, limit: q ? 10_000 : 200 })
    return c.json(
      rows
        .filter(b => !q || b.ipHash === q)
        .slice(0, 200)
        .map(b => banView(b, t)),
    )
  })
  // POST so that the address never sits in a URL (access logs, history); it is hashed and dropped.
  api.post('/hash-address', async c => {
    const input = await json(c, z.object({ address: z.string().max(100) }))
    if (input instanceof Response) return input
    const ip = canonicalIp(input.address)
    if (!ip) return err(c, 400, 'bad_address', 'that is not an IP address')
    const ipHash = secrets.hashIp(ip)
    await audit.record({ ...who(c), action: 'address_lookup', target: ipHash })
    return c.json({ ipHash })
  })
  api.post('/bans/lift', async c => {
    const input = await json(c, z.object({ ipHash: z.string().regex(IP_HASH) }))
    if (input instanceof Response) return input
    const n = await bans.lift(input.ipHash)
    await audit.record({ ...who(c), action: 'unban', target: input.ipHash, detail: `lifted ${n}` })
    return c.json({ lifted: n })
  })

  // --- audit ---
  api.get('/audit', async c => {
    const action = c.req.query('action')
    if (action && !(AUDIT_ACTIONS as readonly string[]).includes(action)) return err(c, 400, 'bad_request', 'unknown action')
    const before = c.req.query('before')
    const rows = await audit.list({
      actor: c.req.query('actor')?.slice(0, 64) || undefined,
      action: (action || undefined) as never,
      target: c.req.query('target')?.slice(0, 128) || undefined,
      before: before && /^\d{1,15}$/.test(before) ? Number(before) : undefined,
      limit: 100,
    })
    // The address hash stays in the database: the console has no use for it.
    return c.json(rows.map(({ addressHash: _, ...r }) => r))
  })

  // --- live ---
  api.get('/live', async c => c.json(await live.view()))

  // --- accounts (admins only) ---
  const accountView = (a: AccountView): AccountView => ({ id: a.id, name: a.name, role: a.role, totp: a.totp, createdAt: a.createdAt })
  api.get('/accounts', adminOnly, async c => c.json((await accounts.list()).map(accountView)))
  api.post('/accounts/add', adminOnly, async c => {
    const input = await json(c, z.object({ name: z.string().max(64), password: z.string().max(2000), role: z.enum(['moderator', 'admin']) }))
    if (input instanceof Response) return input
    const a = await accounts.add(input.name, input.password, input.role)
    if ('code' in a) return err(c, a.code === 'name_taken' ? 409 : 400, a.code, a.message)
    await audit.record({ ...who(c), action: 'account_add', target: a.name, detail: a.role })
    return c.json(accountView(a))
  })
  api.post('/accounts/remove', adminOnly, async c => {
    const input = await json(c, z.object({ name: z.string().max(64) }))
    if (input instanceof Response) return input
    if (!(await accounts.remove(input.name))) return err(c, 404, 'no_such_account', 'there is no such account')
    await audit.record({ ...who(c), action: 'account_remove', target: input.name })
    return c.json({ ok: true })
  })

  // --- two-step sign-in (TOTP) ---
  api.post('/totp/begin', async c => {
    const s = c.get('session')
    const secret = newTotpSecret()
    await accounts.setTotp(s.accountId, { totpPending: secret })
    const uri = totpFor(s.name, secret).toString()
    const svg = renderSVG(uri, { border: 2 })
    return c.json({ uri, secret, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` })
  })
  api.post('/totp/confirm', async c => {
    const input = await json(c, z.object({ code: z.string().max(20) }))
    if (input instanceof Response) return input
    const s = c.get('session')
    const a = await accounts.get(s.accountId)
    if (!a?.totpPending) return err(c, 409, 'no_enrolment', 'start the enrolment first')
    if (!(await checkTotp(cache, a.id, a.name, a.totpPending, input.code.trim()))) return err(c, 400, 'wrong_code', 'that code is not right; check the time on your phone')
    await accounts.setTotp(a.id, { totpSecret: a.totpPending, totpPending: null })
    await audit.record({ ...who(c), action: 'totp_enrol', target: a.name })
    return c.json({ ok: true })
  })
  api.post('/totp/disable', async c => {
    const input = await json(c, z.object({ password: z.string().max(2000) }))
    if (input instanceof Response) return input
    const s = c.get('session')
    if (!(await accounts.verify(s.name, input.password))) return err(c, 403, 'wrong_password', 'the password is not right')
    await accounts.setTotp(s.accountId, { totpSecret: null, totpPending: null })
    await audit.record({ ...who(c), action: 'totp_disable', target: s.name })
    return c.json({ ok: true })
  })

  api.all('*', c => err(c, 404, 'not_found', 'no such console call'))
  r.route('/admin/api', api)
  r.all('/admin/*', c => err(c, 404, 'not_found', 'not found'))
  app.route('/', r)
}
