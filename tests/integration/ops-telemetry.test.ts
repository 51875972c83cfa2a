// What operators see: the JSON access log (no query strings, tickets, addresses, message bodies
// or session tokens) and /metrics in Prometheus text format with the hub's live gauges.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createLogger } from '../../api/log'
import { startTestApp, type TestApp } from '../support/app'
import { png } from '../support/media-files'
import { grantTicket, put as putUpload } from '../support/media'
import { pair } from '../support/ws-client'

const lines: string[] = []
let app: TestApp
const XFF_IP = '198.51.100.23'
const BODY = 'a very private message 7f3a9'

const metrics = async (a: TestApp = app) => (await fetch(a.url + '/metrics')).text()
/** The value of one sample line, e.g. sample(text, 'leetchat_chats'). */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find(l => l.startsWith(series + ' '))
  return line ? Number(line.slice(series.length + 1)) : null
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'debug', MATCH_FALLBACK_MS: '60000' }, { log: createLogger('debug', {}, line => lines.push(line)) })
})
afterAll(() => app.close())

describe('logs', () => {
  test('every HTTP request and WebSocket upgrade gets a JSON access line; nothing private is ever logged', async () => {
    const headers = { 'X-Forwarded-For': XFF_IP }
    const { a, b } = await pair(() => app.client({ headers }))
    a.send({ type: 'text', id: 't1', body: BODY })
    await b.next('text')
    const bytes = png()
    const ticket = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: bytes.length, name: 'holiday.png' })
    const put = await putUpload(app, ticket.uploadUrl, bytes, a.session)
    expect(put.status).toBe(201)
    const ticketToken = ticket.uploadUrl.split('/').pop()!
    const media = await b.next('media')
    expect((await fetch(new URL(media.media.url, app.url))).status).toBe(200)
    await fetch(app.url + '/healthz?token=abc')
    b.drop()
    const b2 = await app.client({ resume: b.session, headers })
    expect(b2.frames[0]).toMatchObject({ type: 'hello', resumed: true })
    a.close()
    b2.close()
    await Bun.sleep(50)

    const records = lines.map(l => JSON.parse(l) as Record<string, unknown>)
    expect(records.every(r => typeof r.time === 'string' && typeof r.level === 'string' && typeof r.msg === 'string')).toBe(true)
    const http = records.filter(r => r.msg === 'http')
    const find = (method: string, path: string | RegExp) => http.find(r => r.method === method && (typeof path === 'string' ? r.path === path : path.test(String(r.path))))
    expect(find('PUT', '/upload/:ticket')).toMatchObject({ level: 'info', status: 201 })
    expect(typeof find('PUT', '/upload/:ticket')?.ms).toBe('number')
    expect(find('POST', '/trpc/media.ticket')).toMatchObject({ status: 200 })
    expect(find('GET', /^\/media\/[^?]+$/)).toMatchObject({ status: 200 })
    expect(find('GET', '/chat')).toMatchObject({ status: 101 })
    // Probes are logged at debug, so they do not drown real traffic at the default level.
    expect(find('GET', '/healthz')).toMatchObject({ level: 'debug', status: 200 })

    const all = lines.join('\n')
    for (const secret of [BODY, XFF_IP, a.session, b.session, ticketToken, 'sig=', 'exp=', '?', 'holiday.png']) {
      expect({ secret, found: all.includes(secret) }).toEqual({ secret, found: false })
    }
    // No client address at all: the only address in the log is the server's own listening one.
    expect(records.filter(r => /\b\d{1,3}(\.\d{1,3}){3}\b|::1/.test(JSON.stringify(r))).map(r => r.msg)).toEqual(['listening'])
  })
})

describe('/metrics', () => {
  test('Prometheus text with live gauges from the hub, counters by label, and well-formed lines', async () => {
    const { a, b } = await pair(() => app.client())
    const waiter = await app.client()
    waiter.send({ type: 'find', interests: ['one', 'two'], random: false })
    await waiter.next('queued')
    a.send('not json')
    await a.next('error')

    const text = await metrics()
    expect(sample(text, 'leetchat_connections')).toBe(3)
    expect(sample(text, 'leetchat_chats')).toBe(1)
    expect(sample(text, 'leetchat_waiting')).toBe(1)
    expect(sample(text, 'leetchat_waiting_by_interest_count{interests="2"}')).toBe(1)
    expect(sample(text, 'leetchat_errors_total{code="bad_json"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'leetchat_frames_in_total')).toBeGreaterThan(0)
    expect(sample(text, 'leetchat_frames_out_total')).toBeGreaterThan(0)
    expect(sample(text, 'leetchat_matches_total{kind="interest"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'leetchat_uploads_total{result="ok"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'leetchat_upload_bytes_total')).toBeGreaterThan(0)
    expect(sample(text, 'leetchat_uploads_in_flight')).toBe(0)
    expect(sample(text, 'leetchat_http_requests_total{route="upload",status="201"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'leetchat_media_sweeps_total')).not.toBeNull()
    expect(sample(text, 'leetchat_process_resident_memory_bytes')).toBeGreaterThan(1_000_000)
    expect(text).toContain('# TYPE leetchat_chats gauge')
    expect(text).toContain('# TYPE leetchat_frames_in_total counter')
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) leetchat_[a-z_]+ .+|leetchat_[a-z_]+(\{[a-z_]+="[^"\n]*"(,[a-z_]+="[^"\n]*")*\})? -?[0-9.e+]+)$/)
    }

    a.close()
    await b.next('ended')
    waiter.close()
    b.close()
    await Bun.sleep(50)
    const after = await metrics()
    expect(sample(after, 'leetchat_connections')).toBe(0)
    expect(sample(after, 'leetchat_chats')).toBe(0)
    expect(sample(after, 'leetchat_chats_ended_total{reason="left"}')).toBeGreaterThanOrEqual(1)
  })

  test('METRICS_ENABLED=false: no /metrics at all', async () => {
    const off = await startTestApp({ METRICS_ENABLED: 'false' })
    try {
      expect((await fetch(off.url + '/metrics')).status).toBe(404)
    } finally {
      await off.close()
    }
  })
})
