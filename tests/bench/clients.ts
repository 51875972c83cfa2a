// Bench client plumbing: raw WebSockets with just enough bookkeeping for the load generators.
// Deliberately lighter than tests/support/ws-client.ts so the client side costs little CPU.

export type Kind = 'app' | 'floor' | 'forwarder'

export interface BenchSocket {
  ws: WebSocket
  /** Resolves with the first frame (already received or coming) whose text starts with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>
  /** Set for the measured phase: every frame goes here and nothing is kept for waitFor. */
  onFrame: ((data: string) => void) | null
}

const BACKLOG = 16

export function open(url: string, headers?: Record<string, string>): Promise<BenchSocket> {
  return new Promise((resolve, reject) => {
    // Bun's WebSocket takes headers (Origin) as an option object in place of protocols.
    const ws = new WebSocket(url, headers ? ({ headers } as unknown as string[]) : undefined)
    const waiting: Array<{ prefix: string; resolve: (d: string) => void }> = []
    const backlog: string[] = []
    const s: BenchSocket = {
      ws,
      onFrame: null,
      waitFor(prefix, timeoutMs = 10_000) {
        const i = backlog.findIndex(d => d.startsWith(prefix))
        if (i >= 0) return Promise.resolve(backlog.splice(i, 1)[0]!)
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error(`timed out waiting for ${prefix}`)), timeoutMs)
          waiting.push({ prefix, resolve: d => (clearTimeout(t), res(d)) })
        })
      },
    }
    ws.onmessage = e => {
      const data = e.data as string
      if (s.onFrame) return s.onFrame(data)
      for (let i = 0; i < waiting.length; i++) {
        if (data.startsWith(waiting[i]!.prefix)) return waiting.splice(i, 1)[0]!.resolve(data)
      }
      backlog.push(data)
      if (backlog.length > BACKLOG) backlog.shift()
    }
    ws.onopen = () => resolve(s)
    ws.onerror = () => reject(new Error(`could not connect to ${url}`))
  })
}

/**
 * Opens `n` sockets, `batch` at a time (thousands at once would only measure the accept queue).
 * Given several URLs (the nodes of a cluster), socket k goes to urls[k % urls.length].
 */
export async function openMany(
  n: number,
  url: string | string[],
  batch = 100,
  headers?: Record<string, string>,
  ready?: (s: BenchSocket) => Promise<unknown>,
): Promise<BenchSocket[]> {
  const urls = typeof url === 'string' ? [url] : url
  const out: BenchSocket[] = []
  for (let i = 0; i < n; i += batch) {
    const group = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async (_, k) => {
        const s = await open(urls[(i + k) % urls.length]!, headers)
        if (ready) await ready(s)
        return s
      }),
    )
    out.push(...group)
  }
  return out
}

/** Reads one JSON line of arguments from argv[2] (the orchestrator passes them that way). */
export function args<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T
}
