// Can this process still write where it must? A full disk or a read-only mount leaves every read
// working (so the usual probes stay green) while uploads and reports fail. These probes write for
// real, and are cached so /readyz, polled every second by a load balancer, writes at most once
// every `everyMs`.
import { randomBytes } from 'node:crypto'
import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/** Creates, writes, fsyncs and removes a tiny file in `dir`. False on any error or after `timeoutMs`. */
export function probeDirWritable(dir: string, timeoutMs: number): Promise<boolean> {
  const file = join(dir, `.write-probe-${randomBytes(6).toString('hex')}`)
  const attempt = (async () => {
    const fh = await open(file, 'wx', 0o600)
    try {
      // A page's worth: on a full file system even one byte needs a new block.
      await fh.write(PROBE_BYTES)
      await fh.sync()
    } finally {
      await fh.close().catch(() => {})
      await unlink(file).catch(() => {})
    }
    return true
  })()
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    attempt.then(
      ok => (clearTimeout(timer), resolve(ok)),
      () => (clearTimeout(timer), resolve(false)),
    )
  })
}
const PROBE_BYTES = new Uint8Array(512)

/**
 * Runs `probe` at most once per `everyMs` and shares the answer; callers arriving while one runs
 * wait for it. A failure is re-checked just as soon, so recovery shows within `everyMs` too.
 */
export function cachedProbe(probe: () => Promise<boolean>, everyMs: number, now: () => number = () => performance.now()): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | null = null
  let running: Promise<boolean> | null = null
  return () => {
    if (last && now() - last.at < everyMs) return Promise.resolve(last.ok)
    running ??= probe()
      .catch(() => false)
      .then(ok => {
        last = { at: now(), ok }
        running = null
        return ok
      })
    return running
  }
}
