// Hostile input to the moderation console's API: every malformed, oversized or odd request gets a
// 4xx with a stable code, never a 500, and the server keeps answering. (Sibling of bad-input.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { addAccount, ConsoleClient, uniqueName } from '../support/admin'
import { freshIp } from '../support/people'

const PW = 'correct horse battery staple'
let app: TestApp
let mod: ConsoleClient
beforeAll(async () => {
  app = await startTestApp({ ADMIN_SIGN_INS_PER_ADDRESS: '100000' })
  const name = uniqueName('bad')
  await addAccount(app.env, name, PW)
  mod = new ConsoleClient(app.url, 'http://127.0.0.1', { 'x-forwarded-for': freshIp() })
  expect((await mod.signIn(name, PW)).status).toBe(200)
})
afterAll(() => app.close())

async function raw(method: string, path: string, body: BodyInit | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(app.url + path, {
    method,
    headers: { origin: 'http://127.0.0.1', 'x-csrf-token': mod.csrf, cookie: mod.cookie, 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, json, text }
}
const expect4xx = (r: { status: number; json: unknown }, code?: string) => {
  expect(r.status).toBeGreaterThanOrEqual(400)
  expect(r.status).toBeLessThan(500)
  if (code) expect(r.json).toMatchObject({ error: { code } })
}

describe('console bad input', () => {
  test('sign-in: not JSON, the wrong shape, huge fields, odd names: 4xx with a code', async () => {
    const anon = (b: BodyInit) => raw('POST', '/admin/api/sign-in', b, { cookie: '', 'x-csrf-token': 'x' })
    expect4xx(await anon('{'), 'bad_request')
    expect4xx(await anon('[]'), 'bad_request')
    expect4xx(await anon('null'), 'bad_request')
    expect4xx(await anon(JSON.stringify({ name: 1, password: 2 })), 'bad_request')
    expect4xx(await anon(JSON.stringify({ name: 'a'.repeat(201), password: 'x' })), 'bad_request')
    expect4xx(await anon(JSON.stringify({ name: 'a', password: 'x'.repeat(2001) })), 'bad_request')
    expect4xx(await anon('{"x":"' + 'y'.repeat(20_000) + '"}'), 'too_large')
    for (const name of ["admin' OR '1'='1", 'a\u0000b', '\u202eevil', '../../etc/passwd', 'ß'.repeat(60), '']) {
      expect4xx(await anon(JSON.stringify({ name, password: PW, code: '12345678901234567890' })), 'sign_in_failed')
    }
    expect4xx(await anon(JSON.stringify({ name: 'x', password: 'y', code: { $gt: '' } })), 'bad_request')
    expect4xx(await anon(JSON.stringify({ __proto__: { admin: true }, name: 'x', password: 'y' })), 'sign_in_failed')
  })

  test('actions: unknown kinds, bad ids, out-of-range times, extra fields', async () => {
    const act = (b: unknown) => raw('POST', '/admin/api/action', JSON.stringify(b))
    expect4xx(await act({ reportId: 1, action: 'delete_everything' }), 'bad_request')
    expect4xx(await act({ reportId: -1, action: 'dismiss' }), 'bad_request')
    expect4xx(await act({ reportId: 1.5, action: 'dismiss' }), 'bad_request')
    expect4xx(await act({ reportId: '1', action: 'dismiss' }), 'bad_request')
    expect4xx(await act({ reportId: 2 ** 60, action: 'dismiss' }), 'bad_request')
    expect4xx(await act({ reportId: 99_999_999, action: 'dismiss' }), 'no_such_report')
    expect4xx(await act({ reportId: 1, action: 'ban' }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'ban', preset: '1y' }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'ban', until: Date.now() - 1000 }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'ban', until: Date.now() + 20 * 365 * 86_400_000 }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'ban', preset: '1d', reason: 'r'.repeat(256) }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'quarantine', seconds: 1 }), 'bad_request')
    expect4xx(await act({ reportId: 1, action: 'quarantine', seconds: 1e12 }), 'bad_request')
  })

  test('ids, hashes, filters and addresses that are not what they claim', async () => {
    for (const id of ['abc', '-1', '1e3', '0x10', '9'.repeat(40), '%00', '..%2f..%2fetc']) expect4xx(await raw('GET', `/admin/api/reports/${id}`, undefined))
    for (const q of ["' OR 1=1 --", 'G'.repeat(32), 'a'.repeat(1000)]) expect4xx(await raw('GET', `/admin/api/bans?ipHash=${encodeURIComponent(q)}`, undefined), 'bad_request')
    const wild = await raw('GET', `/admin/api/audit?target=${encodeURIComponent('%_%\\')}&actor=${'x'.repeat(500)}&before=-5`, undefined)
    expect(wild.status).toBe(200)
    expect(wild.json).toEqual([])
    expect4xx(await raw('GET', '/admin/api/audit?action=%27', undefined), 'bad_request')
    for (const address of ['999.1.1.1', 'localhost', 'x'.repeat(100), '1.2.3.4/8'])
      expect4xx(await raw('POST', '/admin/api/hash-address', JSON.stringify({ address })), 'bad_address')
    expect4xx(await raw('POST', '/admin/api/hash-address', JSON.stringify({ address: 'x'.repeat(101) })), 'bad_request')
    expect4xx(await raw('POST', '/admin/api/bans/lift', JSON.stringify({ ipHash: 'nope' })), 'bad_request')
    expect4xx(await raw('POST', '/admin/api/accounts/add', JSON.stringify({ name: 'Upper Case!', password: PW, role: 'root' })))
  })

  test('cookies, CSRF headers, methods and paths that do not belong', async () => {
    for (const cookie of [
      '__Host-leetchat_admin=' + 'a'.repeat(4000),
      '__Host-leetchat_admin=../../x',
      '__Host-leetchat_admin=',
      '__Host-leetchat_admin="%00"',
      'a=b; __Host-leetchat_admin=' + 'A'.repeat(43),
    ]) {
      expect4xx(await raw('GET', '/admin/api/me', undefined, { cookie }), 'unauthorized')
    }
    expect4xx(await raw('POST', '/admin/api/sign-out', '{}', { 'x-csrf-token': 'x'.repeat(5000) }), 'csrf')
    expect4xx(await raw('POST', '/admin/api/sign-out', '{}', { origin: 'null' }), 'forbidden_origin')
    expect4xx(await raw('PUT', '/admin/api/queue', '{}', { origin: 'https://evil.example' }), 'forbidden_origin')
    expect4xx(await raw('DELETE', '/admin/api/me', undefined), 'not_found')
    for (const p of ['/admin/assets/../../../api/config.ts', '/admin/assets/%2e%2e/%2e%2e/secret', '/admin/assets/x%00.js', '/admin/' + 'a'.repeat(5000)])
      expect4xx(await raw('GET', p, undefined))
    // Still signed in and answering.
    expect((await mod.get('/me')).status).toBe(200)
  })
})
