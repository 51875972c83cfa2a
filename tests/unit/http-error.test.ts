import { describe, expect, test } from 'bun:test'
import { Hono } from 'hono'
import { HTTP_ERROR_MESSAGES, httpError, httpErrorResponse } from '../../api/http-error'

describe('one HTTP error shape', () => {
  test('a hono handler and Bun.serve answer the same body for the same code, with its one message', async () => {
    const app = new Hono().get('/x', c => httpError(c, 503, 'shutting_down', undefined, { 'Retry-After': '1' }))
    const fromHono = await app.request('/x')
    const fromServe = httpErrorResponse(503, 'shutting_down', undefined, { headers: { 'Retry-After': '1' } })
    for (const res of [fromHono, fromServe]) {
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(await res.json()).toEqual({ error: { code: 'shutting_down', message: HTTP_ERROR_MESSAGES.shutting_down } })
    }
  })

  test('a code whose message carries a figure keeps the call site wording; retryAfterMs only when given', async () => {
    expect(await httpErrorResponse(413, 'too_large', 'request bodies are limited to 5 bytes').json()).toEqual({
      error: { code: 'too_large', message: 'request bodies are limited to 5 bytes' },
    })
    expect(await httpErrorResponse(429, 'too_many_connections', 'at most 2', { retryAfterMs: 1000 }).json()).toEqual({
      error: { code: 'too_many_connections', message: 'at most 2', retryAfterMs: 1000 },
    })
  })

  test('every code of the HTTP layer has a non-empty message', () => {
    for (const [code, message] of Object.entries(HTTP_ERROR_MESSAGES)) expect({ code, ok: message.length > 0 }).toEqual({ code, ok: true })
  })
})
