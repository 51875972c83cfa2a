// A typed tRPC client for tests (the same AppRouter type the PWA uses) and a helper that reads
// the stable error fields of a refused call.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../../api/trpc/router'

export function trpcClient(baseUrl: string, opts: { session?: string; headers?: Record<string, string> } = {}) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: () => ({ ...(opts.session && { authorization: `Bearer ${opts.session}` }), ...opts.headers }),
      }),
    ],
  })
}

export interface CallError {
  appCode: string
  httpStatus: number
  code: string
  message: string
  retryAfterMs?: number
}

/** Awaits a call that must fail and returns its error data; throws if it succeeded. */
export async function callError(p: Promise<unknown>): Promise<CallError> {
  try {
    const v = await p
    throw new Error(`expected the call to fail, it returned ${JSON.stringify(v)}`)
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err
    const d = err.data as { appCode: string; httpStatus: number; code: string; retryAfterMs?: number }
    return { appCode: d.appCode, httpStatus: d.httpStatus, code: d.code, message: err.message, retryAfterMs: d.retryAfterMs ?? undefined }
  }
}
