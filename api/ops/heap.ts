// What the process holds in memory, read from inside it: the JavaScript heap (JSC), the native
// allocator (mimalloc) and the kernel's resident size. The soak benchmark (tests/bench/soak.ts)
// reads this through GET /debug/heap to tell a JS leak (heap grows) from memory the allocator
// keeps after it was freed (RSS grows, heap and malloc'd bytes do not).
import { heapStats } from 'bun:jsc'
import { isIP } from 'node:net'

export interface HeapReport {
  /** Resident set size of the process (kernel's view). */
  rssBytes: number
  /** Live JS heap after the last collection (JSC heapSize). */
  heapBytes: number
  /** Bytes the JS heap holds from the OS, free cells included. */
  heapCapacityBytes: number
  /** Memory JS objects own outside the heap (strings' buffers, ArrayBuffers, sockets' data). */
  extraMemoryBytes: number
  objectCount: number
  protectedObjectCount: number
  /** Native allocator: bytes handed out right now, bytes committed from the OS, bytes purged back. */
  malloc: { inUseBytes: number; committedBytes: number; purgedBytes: number; resetBytes: number } | null
  /** process.memoryUsage(), for comparison with other tools. */
  memoryUsage: NodeJS.MemoryUsage
  /** The `top` most numerous JS object types. */
  objectTypeCounts: Record<string, number>
  /** Whether a full collection ran just before the figures were taken. */
  collected: boolean
}

interface MimallocStats {
  malloc_normal?: { current: number }
  malloc_huge?: { current: number }
  committed?: { current: number }
  purged?: number
  reset?: number
}

/** Counts the whole heap: milliseconds on a large one. For a debug endpoint, never a scrape. */
export function heapReport(opts: { gc?: boolean; top?: number } = {}): HeapReport {
  // Twice: the first full collection can leave objects that only die once their finalizers ran.
  if (opts.gc) for (let i = 0; i < 2; i++) Bun.gc(true)
  const h = heapStats() as ReturnType<typeof heapStats> & { mimalloc?: MimallocStats }
  const m = h.mimalloc
  const top = Object.entries(h.objectTypeCounts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, opts.top ?? 40)
  return {
    rssBytes: process.memoryUsage.rss(),
    heapBytes: h.heapSize,
    heapCapacityBytes: h.heapCapacity,
    extraMemoryBytes: h.extraMemorySize,
    objectCount: h.objectCount,
    protectedObjectCount: h.protectedObjectCount,
    malloc: m
      ? {
          inUseBytes: (m.malloc_normal?.current ?? 0) + (m.malloc_huge?.current ?? 0),
          committedBytes: m.committed?.current ?? 0,
          purgedBytes: m.purged ?? 0,
          resetBytes: m.reset ?? 0,
        }
      : null,
    memoryUsage: process.memoryUsage(),
    objectTypeCounts: Object.fromEntries(top),
    collected: Boolean(opts.gc),
  }
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/

/**
 * True only for a request made on this machine straight to the app: the peer is a loopback
 * address and no proxy header says it was forwarded (nginx on the same host connects from
 * loopback too, and always adds X-Forwarded-For).
 */
export function isDirectLoopback(peer: string | null | undefined, headers: Headers): boolean {
  if (!peer || isIP(peer) === 0 || !LOOPBACK.test(peer)) return false
  return !headers.has('x-forwarded-for') && !headers.has('x-real-ip') && !headers.has('forwarded')
}
