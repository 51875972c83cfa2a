// Typed tRPC client, loaded on first use (dynamic import): the session token (lib/session.ts) names us on every call.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../../../api/trpc/router'
import { has, msg, type Msg } from '../i18n'

import { authHeader } from './session'
import '../i18n/rest'

export const trpc = createTRPCClient<AppRouter>({
  links: [httpLink({ url: '/trpc', headers: authHeader })],
})

/**
 * A message fit for a person, from the error's stable `appCode` (a refusal's sentence, or the
 * procedure's own), never the server's English; a plain one for network trouble.
 */
export function errorMessage(err: unknown, fallback: Msg): Msg {
  if (err instanceof TRPCClientError) {
    const code = (err as TRPCClientError<AppRouter>).data?.appCode
    if (code && code !== 'internal') {
      for (const id of [`refusal.${code}`, `apperr.${code}`]) if (has(id)) return msg(id)
    }
    if (!err.data) return navigator.onLine ? fallback : msg('notice.offline')
  }
  return fallback
}
