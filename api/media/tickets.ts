// Upload tickets: single-use, short-lived permissions to PUT one file into one chat, bound to the
// session that asked. They live in the shared cache (memcached in production) so any process can
// redeem them; cache.delete() is the atomic claim: of two concurrent uploads with one ticket only
// the one whose delete returned true goes on.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Cache } from '../cache/cache'
import type { MediaKind } from '../chat/protocol'
import { newOpaqueToken } from '../ids'

export interface Ticket {
  sessionId: string
  chatId: string
  kind: MediaKind
  /** Declared type, normalised by the allow-list. */
  mime: string
  name: string
  size: number
  /** ms epoch */
  expiresAt: number
}

export interface TicketRefusal {
  status: 403 | 404 | 409 | 410 | 503
  code: 'cache_unavailable' | 'unknown_ticket' | 'ticket_used' | 'ticket_expired' | 'wrong_session' | 'chat_changed'
  message: string
}

export type ClaimResult = { ok: true; ticket: Ticket } | ({ ok: false } & TicketRefusal)

export interface TicketStore {
  /** null when the cache cannot store it right now. */
  issue(t: Omit<Ticket, 'expiresAt'>): Promise<{ token: string; expiresAt: number } | null>
  /**
   * Redeems a ticket for `sessionId`, whose chat is now `chatId`. A ticket presented by another
   * session is left untouched (it is not theirs to burn); an expired one or one for a chat that
   * has ended is discarded.
   */
  claim(token: string, sessionId: string, chatId: string | null): Promise<ClaimResult>
}

const TOKEN_SHAPE = /^[\w-]{32}$/
const key = (token: string) => `leetchat:ticket:${token}`
const usedKey = (token: string) => `leetchat:ticket-used:${token}`

const CACHE_DOWN: TicketRefusal = { status: 503, code: 'cache_unavailable', message: 'uploads are unavailable for a moment (ticket store unreachable), try again' }

export interface TicketStoreDeps {
  /** The shared cache (memcached, Redis or in-process): any node can redeem what another issued. */
  cache: Pick<Cache, 'get' | 'set' | 'delete' | 'ping'>
  now: () => number
  ttlSeconds: number
}

export function createTicketStore(deps: TicketStoreDeps): TicketStore {
  const { cache, now, ttlSeconds } = deps
  // The stored expiresAt (on our clock) decides; the cache TTL only cleans up a little later.
  const cacheTtl = ttlSeconds + 5

  const refuse = (r: TicketRefusal): ClaimResult => ({ ok: false, ...r })

  /** A miss is either an unknown/used ticket or a cache that did not answer: tell them apart. */
  async function explainMiss(token: string): Promise<ClaimResult> {
    if ((await cache.get(usedKey(token))) !== null) return refuse({ status: 409, code: 'ticket_used', message: 'this upload ticket was already used; ask for a new one' })
    if (!(await cache.ping())) return refuse(CACHE_DOWN)
    return refuse({ status: 404, code: 'unknown_ticket', message: 'unknown upload ticket; ask for a new one with media.ticket' })
  }

  return {
    async issue(t) {
      const token = newOpaqueToken()
      const ticket: Ticket = { ...t, expiresAt: now() + ttlSeconds * 1000 }
      const stored = await cache.set(key(token), JSON.stringify(ticket), cacheTtl)
      return stored ? { token, expiresAt: ticket.expiresAt } : null
    },

    async claim(token, sessionId, chatId) {
      if (!TOKEN_SHAPE.test(token)) return refuse({ status: 404, code: 'unknown_ticket', message: 'that is not an upload ticket' })
      const raw = await cache.get(key(token))
      if (raw === null) return explainMiss(token)
      let ticket: Ticket
      try {
        ticket = JSON.parse(raw) as Ticket
      } catch {
        return refuse({ status: 404, code: 'unknown_ticket', message: 'unknown upload ticket; ask for a new one with media.ticket' })
      }
      if (!sameSecret(ticket.sessionId, sessionId)) {
        return refuse({ status: 403, code: 'wrong_session', message: 'this upload ticket belongs to another session' })
      }
      if (ticket.expiresAt <= now()) {
        await cache.delete(key(token))
        return refuse({ status: 410, code: 'ticket_expired', message: 'this upload ticket has expired; ask for a new one' })
      }
      if (ticket.chatId !== chatId) {
        await cache.delete(key(token))
        return refuse({ status: 409, code: 'chat_changed', message: 'this upload ticket was for a chat you are no longer in' })
      }
      if (!(await cache.delete(key(token)))) {
        // Someone else redeemed it between our get and delete, or the cache stopped answering.
        return (await cache.ping()) ? refuse({ status: 409, code: 'ticket_used', message: 'this upload ticket was already used; ask for a new one' }) : refuse(CACHE_DOWN)
      }
      // Only so a replay gets a clearer answer than "unknown"; losing it changes nothing.
      void cache.set(usedKey(token), '1', cacheTtl)
      return { ok: true, ticket }
    },
  }
}

/** Session tokens are credentials: compare without leaking how much of one matched. */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(h(a), h(b))
}
