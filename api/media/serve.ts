// GET /media/:id?exp=&sig= — the only way a stored file leaves the server. Every refusal is a
// small JSON error, never a byte of the file. Range requests are answered (206/416): mobile
// audio players (Safari above all) fetch voice notes in ranges and refuse to play without.
import type { Context } from 'hono'
import type { HttpEnv } from '../http-env'
import { httpError } from '../http-error'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { contentDisposition } from './names'
import type { MediaRecords } from './records'
import type { MediaLinks } from './signing'
import type { MediaStorage } from './storage'

/** newMediaId(): 16 random bytes in base64url. */
const ID_SHAPE = /^[\w-]{22}$/

export interface ServeDeps {
  log: Pick<Logger, 'warn'>
  metrics: Pick<Metrics, 'inc'>
  now: () => number
  storage: Pick<MediaStorage, 'path'>
  records: Pick<MediaRecords, 'find'>
  links: Pick<MediaLinks, 'check'>
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null

/**
 * One `bytes=` range, inclusive, clamped to the file. null means "serve the whole file" (no
 * header, a syntax we ignore, or several ranges, which a server may answer in full).
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  const m = header?.trim().match(/^bytes=(\d*)-(\d*)$/)
  if (!m || (m[1] === '' && m[2] === '')) return null
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  if (end < start) return null
  return { start, end }
}

export function createServeHandler(deps: ServeDeps) {
  const { log, metrics, now, storage, records, links } = deps

  return async (c: Context<HttpEnv>) => {
    const refuse = (status: 403 | 404 | 410, code: 'not_found' | 'bad_signature' | 'link_expired') => {
      metrics.inc('media_requests_total', { result: code })
      return httpError(c, status, code, undefined, { 'Cache-Control': 'no-store' })
    }
    const id = c.req.param('id') ?? ''
    if (!ID_SHAPE.test(id)) return refuse(404, 'not_found')
    const check = links.check(id, c.req.query('exp'), c.req.query('sig'))
    if (check === 'forged') return refuse(403, 'bad_signature')
    if (check === 'expired') return refuse(410, 'link_expired')

    const row = await records.find(id)
    if (!row) return refuse(404, 'not_found')
    if (row.expiresAt <= now()) return refuse(410, 'link_expired')
    const file = Bun.file(storage.path(row.storageKey))
    if (!(await file.exists())) {
      log.warn('media row without a file', { id })
      return refuse(404, 'not_found')
    }

    const size = file.size
    const remaining = Math.max(0, Math.floor((Number(c.req.query('exp')) * 1000 - now()) / 1000))
    const headers: Record<string, string> = {
      'Content-Type': row.mime,
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': contentDisposition(row.kind === 'image' || row.kind === 'audio' ? 'inline' : 'attachment', row.name),
      // Per user, and never kept past the link's own expiry.
      'Cache-Control': `private, max-age=${remaining}`,
      'Accept-Ranges': 'bytes',
      // Even opened directly, the response runs nothing in our origin.
      'Content-Security-Policy': 'sandbox',
    }

    const range = parseRange(c.req.header('range'), size)
    if (range === 'unsatisfiable') {
      metrics.inc('media_requests_total', { result: 'unsatisfiable' })
      return httpError(c, 416, 'bad_range', `the file is ${size} bytes`, { 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store' })
    }
    metrics.inc('media_requests_total', { result: range ? 'partial' : 'ok' })
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`
      headers['Content-Length'] = String(range.end - range.start + 1)
      return new Response(file.slice(range.start, range.end + 1), { status: 206, headers })
    }
    headers['Content-Length'] = String(size)
    return new Response(file, { status: 200, headers })
  }
}
