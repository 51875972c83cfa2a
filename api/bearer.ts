// The session token of an HTTP call: `Authorization: Bearer <session>` (no cookies, so nothing
// ambient to forge). Read by the tRPC context and by uploads, so it lives with neither.

/** The session token of an Authorization header, or null when it is absent or malformed. */
export function bearer(header: string | undefined | null): string | null {
  const m = header?.match(/^Bearer\s+([\w-]{16,64})\s*$/)
  return m ? m[1]! : null
}
