// Actions on every session of one address, on every node of a cluster (a ban): one message on the
// cluster's `<prefix>all` channel. A node sends it (moderation), and so does the mod CLI, which
// has no hub but opens the same Redis: both build the message here.
//
// Each message carries an id. A publish that timed out on a frozen Redis still runs once Redis
// wakes, and the sender retries it as well; receivers run an id once.
import { randomBytes } from 'node:crypto'
import type { AddressAction } from '../chat/ports/chat-backend'
import type { RedisConnections } from './redis'

export const allChannel = (prefix: string) => `${prefix}all`

export interface AddressActionMessage {
  id: string
  ipHash: string
  action: AddressAction
}

export function newActionId(): string {
  return randomBytes(9).toString('base64url')
}

/** `A<ipHash>\n<id>\n<action JSON>` */
export function encodeAddressAction(m: AddressActionMessage): string {
  return `A${m.ipHash}\n${m.id}\n${JSON.stringify(m.action)}`
}

/** Null for anything that is not an address action (the channel may carry other kinds later). */
export function decodeAddressAction(msg: string): AddressActionMessage | null {
  if (msg.charCodeAt(0) !== 65 /* A */) return null
  const nl = msg.indexOf('\n')
  const nl2 = msg.indexOf('\n', nl + 1)
  if (nl < 0 || nl2 < 0) return null
  const action = JSON.parse(msg.slice(nl2 + 1)) as AddressAction
  if (action?.t !== 'ban' && action?.t !== 'wake') return null
  return { ipHash: msg.slice(1, nl), id: msg.slice(nl + 1, nl2), action }
}

/** Sends `action` for `ipHash` to every node (rejects when Redis does not take it). */
export async function publishAddressAction(redis: RedisConnections, ipHash: string, action: AddressAction, id = newActionId()): Promise<void> {
  await redis.cmd.publish(allChannel(redis.prefix), encodeAddressAction({ id, ipHash, action }))
}

/** Ids seen lately, so a message delivered twice runs once (bounded by age). */
export function createSeenIds(keepMs: number, now: () => number = Date.now) {
  const seen = new Map<string, number>()
  return {
    /** True the first time `id` is seen within `keepMs`. */
    first(id: string): boolean {
      const t = now()
      // Insertion order is age order: drop the expired from the front.
      for (const [k, at] of seen) {
        if (t - at < keepMs) break
        seen.delete(k)
      }
      if (seen.has(id)) return false
      seen.set(id, t)
      return true
    },
  }
}
