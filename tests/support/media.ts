// Helpers for the media tests: the two upload steps over plain HTTP, exactly as a client does them.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { MediaKind } from '../../api/chat/protocol'
import type { TestApp } from './app'

export interface TicketInput {
  kind: MediaKind
  mime: string
  size: number
  name: string
}

export type TrpcResult<T> = { ok: true; data: T; status: number } | { ok: false; status: number; code: string; appCode: string; message: string; retryAfterMs?: number }

/** Calls a tRPC mutation with plain fetch (POST /trpc/<path>, JSON input, no batching). */
export async function mutation<T>(app: TestApp, path: string, input: unknown, session?: string, headers: Record<string, string> = {}): Promise<TrpcResult<T>> {
  const res = await fetch(`${app.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(session && { authorization: `Bearer ${session}` }), ...headers },
    body: JSON.stringify(input),
  })
  const json = (await res.json()) as { result?: { data: T }; error?: { message: string; data: { code: string; appCode: string; retryAfterMs?: number } } }
  if (json.result) return { ok: true, data: json.result.data, status: res.status }
  const e = json.error!
  return { ok: false, status: res.status, code: e.data.code, appCode: e.data.appCode, message: e.message, retryAfterMs: e.data.retryAfterMs }
}

export interface TicketOutput {
  uploadUrl: string
  expiresAt: number
  maxBytes: number
}

export function requestTicket(app: TestApp, session: string, input: TicketInput) {
  return mutation<TicketOutput>(app, 'media.ticket', input, session)
}

/** A ticket that must be granted. */
export async function grantTicket(app: TestApp, session: string, input: TicketInput): Promise<TicketOutput> {
  const r = await requestTicket(app, session, input)
  if (!r.ok) throw new Error(`ticket refused: ${r.status} ${r.appCode} ${r.message}`)
  return r.data
}

export async function put(app: TestApp, uploadUrl: string, body: BodyInit | Uint8Array | null, session?: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(uploadUrl, app.url), {
    method: 'PUT',
    headers: { ...(session && { authorization: `Bearer ${session}` }), ...headers },
    body: body as BodyInit | null,
    // Needed for a streamed (chunked) body.
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit)
  const json = (await res.json().catch(() => null)) as { media?: import('../../api/chat/protocol').MediaInfo; error?: { code: string; message: string } } | null
  return { status: res.status, json, headers: res.headers }
}

/** Ticket + PUT for `bytes`, returning the PUT's answer. */
export async function send(app: TestApp, session: string, kind: MediaKind, mime: string, bytes: Uint8Array, name = 'upload.bin') {
  const t = await grantTicket(app, session, { kind, mime, size: bytes.length, name })
  return put(app, t.uploadUrl, bytes, session)
}

/** Files stored or being written under DATA_DIR/media (the tmp folder itself excluded). */
export function storedFiles(app: TestApp): string[] {
  const dir = join(app.dataDir, 'media')
  const list = (d: string) => {
    try {
      return readdirSync(d)
    } catch {
      return []
    }
  }
  return [...list(dir).filter(n => n !== 'tmp'), ...list(join(dir, 'tmp')).map(n => `tmp/${n}`)]
}

/**
 * Waits (briefly) until DATA_DIR/media holds exactly `expected`. When a client outruns the cap by
 * a lot, Bun's own body limit may answer 413 while the upload handler is still deleting its temp file.
 */
export async function filesSettle(app: TestApp, expected: string[], timeoutMs = 2000): Promise<string[]> {
  const until = Date.now() + timeoutMs
  let now = storedFiles(app)
  while (JSON.stringify(now) !== JSON.stringify(expected) && Date.now() < until) {
    await Bun.sleep(20)
    now = storedFiles(app)
  }
  return now
}
