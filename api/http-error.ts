// The one shape of an HTTP error a client can cause: `{ error: { code, message } }` with a stable
// `code`, from hono handlers (httpError) and from Bun.serve's own answers (httpErrorResponse).
import type { Context, Env } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode } from './chat/protocol'
import type { Inspection } from './media/inspect'
import type { TicketRefusal } from './media/tickets'

/** Codes only the HTTP layer answers with; each has one message, below. */
type OwnCode =
  | 'not_found'
  | 'bad_request'
  | 'internal'
  | 'shutting_down'
  | 'forbidden_origin'
  | 'expected_websocket'
  | 'upgrade_failed'
  | 'no_session'
  | 'empty_upload'
  | 'upload_aborted'
  | 'chat_ended'
  | 'storage_unavailable'
  | 'bad_signature'
  | 'link_expired'

/** Codes whose message carries a figure (a limit, a size), so the call site words it. */
type SizedCode = 'too_large' | 'larger_than_ticket' | 'bad_range'

/**
 * Every code an HTTP answer may carry: the HTTP layer's own, the upload ticket's and the content
 * inspection's refusals, and the chat's connection refusals (a refused WebSocket upgrade).
 */
export type HttpErrorCode = OwnCode | SizedCode | TicketRefusal['code'] | Extract<Inspection, { ok: false }>['code'] | ErrorCode

export const HTTP_ERROR_MESSAGES: Record<OwnCode, string> = {
  not_found: 'not found',
  bad_request: 'the request is malformed',
  internal: 'the server could not complete that request',
  shutting_down: 'the server is restarting, retry in a moment',
  forbidden_origin: 'this page may not upload here',
  expected_websocket: 'this path speaks WebSocket only',
  upgrade_failed: 'WebSocket upgrade failed',
  no_session: 'send Authorization: Bearer <session> with the token from hello',
  empty_upload: 'the upload has no body',
  upload_aborted: 'the upload was interrupted',
  chat_ended: 'the chat ended before the upload finished',
  storage_unavailable: 'uploads cannot be stored right now (the server is out of space or its storage is read-only), try again later',
  bad_signature: 'this media link is not valid',
  link_expired: 'this media link has expired',
}

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string; retryAfterMs?: number }
}

export function httpErrorBody(code: HttpErrorCode, message: string, retryAfterMs?: number): HttpErrorBody {
  return { error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs } }
}

/** Overloads: a code of the HTTP layer's own has its message; any other code brings its own. */
export function httpError<E extends Env>(c: Context<E>, status: ContentfulStatusCode, code: OwnCode, message?: undefined, headers?: Record<string, string>): Response
export function httpError<E extends Env>(c: Context<E>, status: ContentfulStatusCode, code: HttpErrorCode, message: string, headers?: Record<string, string>): Response
export function httpError<E extends Env>(c: Context<E>, status: ContentfulStatusCode, code: HttpErrorCode, message?: string, headers?: Record<string, string>): Response {
  return c.json(httpErrorBody(code, message ?? HTTP_ERROR_MESSAGES[code as OwnCode]), status, headers)
}

/** The same body outside hono (Bun.serve's upgrade path and its last-resort error handler). */
export function httpErrorResponse(status: number, code: HttpErrorCode, message?: string, init: { headers?: Record<string, string>; retryAfterMs?: number } = {}): Response {
  return Response.json(httpErrorBody(code, message ?? HTTP_ERROR_MESSAGES[code as OwnCode], init.retryAfterMs), { status, headers: init.headers })
}
