// Typed tRPC client. The session token from `hello` names us on every call (no cookies).
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../../../api/trpc/router'

let session: string | null = null

/** Set by the app whenever the socket gets a (new) session. */
export function setSession(token: string | null) {
  session = token
}

export function authHeader(): Record<string, string> {
  return session ? { Authorization: `Bearer ${session}` } : {}
}

export const trpc = createTRPCClient<AppRouter>({
  links: [httpLink({ url: '/trpc', headers: authHeader })],
})

/** A message fit for a person: the server's own words for refusals, a plain one for network trouble. */
export function errorMessage(err: unknown, fallback: string): string {
  if (err instanceof TRPCClientError) {
    const code = (err as TRPCClientError<AppRouter>).data?.appCode
    if (code && code !== 'internal' && err.message) return err.message
    if (!err.data) return navigator.onLine ? fallback : "You're offline."
  }
  return fallback
}
