// Signed media links: /media/<id>?exp=<unix seconds>&sig=<HMAC-SHA256(id, exp)>. The secret is
// the server's (SECRET or the one generated into DATA_DIR), so links survive a restart; the
// purpose string keeps these signatures apart from any other use of that secret.
import type { Secrets } from '../secrets'

const PURPOSE = 'media-link:v1'
/** A base64url HMAC-SHA256 is 43 characters; anything else cannot be ours. */
const SIG_SHAPE = /^[\w-]{43}$/
const EXP_SHAPE = /^\d{1,12}$/

export type LinkCheck = 'ok' | 'forged' | 'expired'

export interface MediaLinks {
  /** A relative link valid for the configured lifetime from now; expiresAt in ms. */
  create(id: string): { url: string; expiresAt: number }
  /** Checks a link's query values. The signature is checked first, so a forged link never learns whether it expired. */
  check(id: string, exp: string | undefined, sig: string | undefined): LinkCheck
}

export function createMediaLinks(secrets: Pick<Secrets, 'sign' | 'verify'>, ttlSeconds: number, now: () => number): MediaLinks {
  const data = (id: string, exp: string) => `${id}\n${exp}`
  return {
    create(id) {
      const exp = String(Math.floor(now() / 1000) + ttlSeconds)
      const sig = secrets.sign(PURPOSE, data(id, exp))
      return { url: `/media/${encodeURIComponent(id)}?exp=${exp}&sig=${sig}`, expiresAt: Number(exp) * 1000 }
    },
    check(id, exp, sig) {
      if (!exp || !sig || !EXP_SHAPE.test(exp) || !SIG_SHAPE.test(sig)) return 'forged'
      // base64url leaves spare bits in the last character: only the canonical spelling is ours.
      if (Buffer.from(sig, 'base64url').toString('base64url') !== sig) return 'forged'
      if (!secrets.verify(PURPOSE, data(id, exp), sig)) return 'forged'
      return Number(exp) * 1000 <= now() ? 'expired' : 'ok'
    },
  }
}
