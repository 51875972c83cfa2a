// Sends one Web Push message: web-push encrypts the payload (aes128gcm, RFC 8291) and signs the
// VAPID header (RFC 8292); the request itself is made here with fetch, so it has a hard timeout,
// follows no redirect (the endpoint was checked, a redirect's target was not) and works against a
// local http push service in tests. It never throws: the caller learns what happened.
import webpush from 'web-push'
import type { StoredSubscription } from './subscription'
import type { VapidKeys } from './vapid'

/** sent: the push service took it; gone: the subscription is dead (404/410: drop it); failed: anything else. */
export type PushResult = 'sent' | 'gone' | 'failed' | 'timeout'

export interface PushSenderOptions {
  vapid: VapidKeys
  subject: string
  timeoutMs: number
}

export interface PushMessage {
  payload: string
  /** Seconds the push service may keep it for a phone that is offline (RFC 8030 TTL). */
  ttlSeconds: number
  urgency: 'very-low' | 'low' | 'normal' | 'high'
}

export type PushSender = (sub: StoredSubscription, msg: PushMessage) => Promise<PushResult>

export function createPushSender(opts: PushSenderOptions): PushSender {
  const vapidDetails = { subject: opts.subject, publicKey: opts.vapid.publicKey, privateKey: opts.vapid.privateKey }
  return async (sub, msg) => {
    try {
      const req = webpush.generateRequestDetails(sub, msg.payload, { vapidDetails, TTL: msg.ttlSeconds, urgency: msg.urgency, contentEncoding: 'aes128gcm' })
      const res = await fetch(req.endpoint, {
        method: 'POST',
        headers: req.headers as Record<string, string>,
        body: req.body ? new Uint8Array(req.body) : null,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      })
      // The body is never needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined)
      if (res.status >= 200 && res.status < 300) return 'sent'
      return res.status === 404 || res.status === 410 ? 'gone' : 'failed'
    } catch (err) {
      return (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'failed'
    }
  }
}
