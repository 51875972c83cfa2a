// tRPC initialisation. Errors a client can cause carry a stable `appCode` (and `retryAfterMs`
// where it applies) in `error.data`; stacks are never sent (Bun leaves NODE_ENV unset, which
// would otherwise make tRPC include them).
import { initTRPC, TRPCError } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import type { ErrorCode } from '../chat/protocol'
import type { Context } from './context'

/**
 * Every `appCode` a tRPC error may carry; the PWA reads it typed through `TRPCClientError<AppRouter>`.
 * The chat's refusal codes (rate limits) plus the procedures' own, and the fallbacks of the formatter.
 */
export type AppCode =
  | ErrorCode
  | 'no_session'
  | 'not_in_chat'
  | 'too_large'
  | 'empty_upload'
  | 'cache_unavailable'
  | 'unsupported_type'
  | 'type_mismatch'
  | 'already_reported'
  | 'nothing_to_report'
  | 'report_not_stored'
  | 'bad_input'
  | 'push_unavailable'
  | 'internal'
  | Lowercase<TRPC_ERROR_CODE_KEY>

export class AppError extends Error {
  constructor(
    readonly appCode: AppCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

export function appError(code: TRPC_ERROR_CODE_KEY, appCode: AppCode, message: string, retryAfterMs?: number): TRPCError {
  return new TRPCError({ code, message, cause: new AppError(appCode, message, retryAfterMs) })
}

/** The `appCode` (and `retryAfterMs`) a client receives for an error: the procedure's own, or one derived from the tRPC code. */
export function appCodeOf(error: TRPCError): { appCode: AppCode; retryAfterMs: number | undefined } {
  const cause = error.cause instanceof AppError ? error.cause : null
  const appCode: AppCode =
    cause?.appCode ??
    (error.code === 'BAD_REQUEST' ? 'bad_input' : error.code === 'INTERNAL_SERVER_ERROR' ? 'internal' : (error.code.toLowerCase() as Lowercase<TRPC_ERROR_CODE_KEY>))
  return { appCode, retryAfterMs: cause?.retryAfterMs }
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const { appCode, retryAfterMs } = appCodeOf(error)
    // Internal failures (a dead database…) get a generic message: no driver text reaches users.
    const message = error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof AppError) ? 'the server could not complete that request, try again' : shape.message
    return { ...shape, message, data: { ...shape.data, stack: undefined, appCode, retryAfterMs } }
  },
})

export const router = t.router
export const publicProcedure = t.procedure
/** In-process calls of a router (tests): `createCallerFactory(router)(ctx).media.ticket(…)`. */
export const createCallerFactory = t.createCallerFactory

/** Procedures that need a live session named by `Authorization: Bearer <session>`. */
export const sessionProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.session) throw appError('UNAUTHORIZED', 'no_session', 'send Authorization: Bearer <session> with the token from hello')
  return next({ ctx: { ...ctx, session: ctx.session } })
})
