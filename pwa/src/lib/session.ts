// The session token from `hello`: it names us on every tRPC call and upload (no cookies). Kept
// apart from the tRPC client (lib/trpc.ts) so the first page load does not carry that client:
// nothing on the first screen needs it before the popular interests, fetched right after.
let session: string | null = null

/** Set by the app whenever the socket gets a (new) session. */
export function setSession(token: string | null) {
  session = token
}

export function authHeader(): Record<string, string> {
  return session ? { Authorization: `Bearer ${session}` } : {}
}
