// What a browser's PushSubscription must look like to be kept (push.subscribe). The endpoint is a
// URL the server will POST to, so it is held to the browsers' push services (PUSH_SERVICE_HOSTS)
// over https: a subscription must never turn the server into a client of an address of the
// caller's choosing. Tests and development may also name a local http push service
// (PUSH_ALLOW_LOOPBACK). The keys are checked for their exact decoded lengths (RFC 8291): a P-256
// public point (65 bytes, uncompressed) and a 16-byte auth secret.
import { z } from 'zod'
import type { Config } from '../config'

export interface StoredSubscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

/** Long push service URLs exist (FCM's are ~200 characters); past this it is not one. */
export const MAX_ENDPOINT_CHARS = 2048
const BASE64URL = /^[A-Za-z0-9_-]+$/

function decodedLength(s: string): number {
  return BASE64URL.test(s) ? Buffer.from(s, 'base64url').length : -1
}

/** Why an endpoint is refused, or null when it may be kept. */
export function endpointProblem(endpoint: string, config: Pick<Config, 'pushServiceHosts' | 'pushAllowLoopback'>): string | null {
  let u: URL
  try {
    u = new URL(endpoint)
  } catch {
    return 'endpoint must be an absolute URL'
  }
  if (u.username || u.password) return 'endpoint must not carry credentials'
  if (config.pushAllowLoopback && u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]')) return null
  if (u.protocol !== 'https:') return 'endpoint must be an https URL'
  if (u.port !== '' && u.port !== '443') return 'endpoint must use the default https port'
  const host = u.hostname.toLowerCase()
  if (!config.pushServiceHosts.some(h => host === h || host.endsWith(`.${h}`))) return "endpoint is not a known push service's"
  return null
}

/** The zod input of push.subscribe: a PushSubscription's toJSON(), checked as above. */
export function subscriptionInput(config: Pick<Config, 'pushServiceHosts' | 'pushAllowLoopback'>) {
  return z
    .object({
      endpoint: z
        .string()
        .max(MAX_ENDPOINT_CHARS)
        .superRefine((e, ctx) => {
          const problem = endpointProblem(e, config)
          if (problem) ctx.addIssue({ code: 'custom', message: problem })
        }),
      // Browsers send null (or a time); it is not used: the server keeps a subscription only for one chat.
      expirationTime: z.number().nullable().optional(),
      keys: z
        .object({
          // An uncompressed P-256 point starts with 0x04.
          p256dh: z
            .string()
            .max(100)
            .refine(k => decodedLength(k) === 65 && Buffer.from(k, 'base64url')[0] === 4, 'keys.p256dh must be a base64url P-256 public key (65 bytes)'),
          auth: z
            .string()
            .max(30)
            .refine(k => decodedLength(k) === 16, 'keys.auth must be a base64url 16-byte secret'),
        })
        .strict(),
    })
    .strict()
    .transform((s): StoredSubscription => ({ endpoint: s.endpoint, keys: { p256dh: s.keys.p256dh, auth: s.keys.auth } }))
}
