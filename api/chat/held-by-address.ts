// Session accounting of the hub: how many sessions this node holds in memory per address
// (connected, or on one node also waiting for a resume). The session caps at the upgrade read it
// (safety/session-limits.ts); kept exact here rather than counted over every session each upgrade.

export interface HeldByAddress {
  hold(ipHash: string): void
  release(ipHash: string): void
  /** O(1). */
  count(ipHash: string): number
}

export function createHeldByAddress(): HeldByAddress {
  const heldByIp = new Map<string, number>()
  return {
    hold(ipHash) {
      heldByIp.set(ipHash, (heldByIp.get(ipHash) ?? 0) + 1)
    },
    release(ipHash) {
      const n = (heldByIp.get(ipHash) ?? 0) - 1
      if (n > 0) heldByIp.set(ipHash, n)
      else heldByIp.delete(ipHash)
    },
    count: ipHash => heldByIp.get(ipHash) ?? 0,
  }
}
