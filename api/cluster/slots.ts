// Redis Cluster hash slots and the session partitions built on them, for sharded PUB/SUB
// (redis-backend.ts). A node's frames are published with SPUBLISH by the script that runs on the
// recipient session's shard, and SPUBLISH from a script may only name a channel of that script's
// own slot. A channel per slot would be 16,384 subscriptions per node (seconds to subscribe, and
// as many again after every reconnect), so sessions are put in PARTITIONS partitions instead, as
// Centrifugo does: a session's keys carry its partition's hash tag, and a node subscribes to one
// channel per partition, `<prefix>{<partition tag>}n:<node>`, under the same tag. The partition
// tags hash to evenly spaced slots, so any even split of the slots over masters (what
// `redis-cli --cluster create` and a rebalance make) splits the partitions evenly; a reshard moves a
// partition's keys and its channel together.

export const SLOTS = 16384

/** Partitions of the sessions on a Redis Cluster: 256 channels per node, 1/256 of the sessions each. */
export const PARTITIONS = 256

/** CRC16-XMODEM (poly 0x1021, init 0), the checksum Redis Cluster hashes keys with. */
function crc16(s: string): number {
  // Session ids and tags are ASCII: their UTF-16 units are their bytes.
  const bytes = /^[\x00-\x7f]*$/.test(s) ? null : new TextEncoder().encode(s)
  const n = bytes ? bytes.length : s.length
  let crc = 0
  for (let j = 0; j < n; j++) {
    crc ^= (bytes ? bytes[j]! : s.charCodeAt(j)) << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

/** The slot of a key: of its hash tag (the first non-empty `{…}`) when it has one, as Redis does. */
export function keySlot(key: string): number {
  const open = key.indexOf('{')
  if (open >= 0) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) key = key.slice(open + 1, close)
  }
  return crc16(key) % SLOTS
}

let tags: string[] | null = null

/**
 * The hash tag of every partition: partition p's tag hashes to slot p × (SLOTS / PARTITIONS).
 * Found once by trying base-36 numbers in order (a few thousand tries), the same table on every
 * node, since every node must name the same channels.
 */
export function partitionTags(): readonly string[] {
  if (tags) return tags
  const step = SLOTS / PARTITIONS
  const found: string[] = new Array<string>(PARTITIONS)
  let left = PARTITIONS
  for (let i = 0; left > 0; i++) {
    const t = i.toString(36)
    const slot = crc16(t) % SLOTS
    if (slot % step === 0 && found[slot / step] === undefined) {
      found[slot / step] = t
      left--
    }
  }
  tags = found
  return tags
}

/** The partition of a session id (its CRC16, so the same on every node). */
export function partitionOf(id: string): number {
  return crc16(id) % PARTITIONS
}
