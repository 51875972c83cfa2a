// Image screening: every uploaded image is classified on this server (screen-worker.ts) before the
// partner sees it. One worker thread per process, started on the first image (the model costs
// ~0.5 s to load and ~150 MB of RAM, so a process that never gets an image never pays), fed one
// image at a time from a short queue.
//
// Never blocking an upload is the rule. Every verdict arrives within `timeoutMs`; when the model
// has no answer in time (busy, hung, crashed, or the file does not decode), the image is FLAGGED
// UNSCREENED: the partner sees it blurred behind "Tap to view" (fail closed for the viewer, who
// loses one tap), but it is no strike against the uploader (whose image was never judged).
// A worker that runs one image past the timeout is terminated; a crashed one is replaced on the
// next image; one that cannot load the model is not retried for a while.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { ScreenLabels } from './screen-worker'

export type { ScreenLabels }

export interface ScreenVerdict {
  /** P(porn) + P(hentai) + P(sexy); null when there is no verdict (see `unscreened`). */
  score: number | null
  /** Show blurred: score ≥ threshold, or no verdict could be had in time. */
  flagged: boolean
  labels?: ScreenLabels
  /** Why there is no verdict: the image is flagged, but it is not the uploader's fault. */
  unscreened?: 'timeout' | 'busy' | 'undecodable' | 'crashed' | 'unavailable'
  /** Time spent in the classifier (decode + inference), when it answered. */
  ms?: number
}

export interface ImageScreen {
  readonly enabled: boolean
  /** `path` is a file the worker thread can read (the upload's temp file). */
  screen(path: string, mime: string): Promise<ScreenVerdict>
  /** Terminates the worker (shutdown). */
  close(): Promise<void>
}

export interface ImageScreenOptions {
  threshold: number
  timeoutMs: number
  log: Logger
  metrics: Metrics
  /** The worker script; tests pass one that hangs or crashes. */
  workerUrl?: URL
  /** Images waiting beyond the one in the classifier; more are flagged unscreened at once. */
  maxQueue?: number
  /** After the model failed to load, images are flagged unscreened for this long before a retry. */
  retryAfterMs?: number
  /** Bound on starting the worker and loading the model. */
  loadTimeoutMs?: number
}

/** SCREEN_IMAGES=off: nothing is screened, nothing is flagged. */
export const screeningOff: ImageScreen = {
  enabled: false,
  screen: async () => ({ score: null, flagged: false }),
  close: async () => {},
}

/** The model's nsfw score: everything the five classes give to porn, hentai and sexy. */
export const nsfwScore = (l: ScreenLabels) => l.porn + l.hentai + l.sexy

interface Job {
  id: number
  path: string
  mime: string
  settle(v: ScreenVerdict): void
  /** The caller stopped waiting; a queued job is then skipped. */
  abandoned: boolean
}

type WorkerMessage =
  | { type: 'ready'; loadMs: number }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; ok: true; labels: ScreenLabels; ms: number }
  | { type: 'result'; id: number; ok: false; error: string }

export function createImageScreen(opts: ImageScreenOptions): ImageScreen {
  const { threshold, timeoutMs, log, metrics } = opts
  const workerUrl = opts.workerUrl ?? new URL('./screen-worker.ts', import.meta.url)
  const maxQueue = opts.maxQueue ?? 32
  const retryAfterMs = opts.retryAfterMs ?? 30_000
  const loadTimeoutMs = opts.loadTimeoutMs ?? 30_000

  const queue: Job[] = []
  let worker: Worker | null = null
  let ready = false
  let busy: { job: Job; watchdog: ReturnType<typeof setTimeout> } | null = null
  let loadTimer: ReturnType<typeof setTimeout> | null = null
  let downUntil = 0
  let nextId = 1
  let closed = false

  const unscreened = (why: NonNullable<ScreenVerdict['unscreened']>): ScreenVerdict => ({ score: null, flagged: true, unscreened: why })

  function spawn() {
    ready = false
    const w = new Worker(workerUrl)
    worker = w
    const t0 = performance.now()
    loadTimer = setTimeout(() => stop(w, 'the screening model did not load in time', 'load'), loadTimeoutMs)
    w.addEventListener('message', (e: MessageEvent<WorkerMessage>) => {
      if (w !== worker) return
      const m = e.data
      if (m.type === 'ready') {
        if (loadTimer) clearTimeout(loadTimer)
        loadTimer = null
        ready = true
        log.info('image screening ready', { loadMs: Math.round(m.loadMs), startMs: Math.round(performance.now() - t0) })
        pump()
      } else if (m.type === 'failed') {
        stop(w, `the screening model could not be loaded: ${m.error}`, 'load')
      } else if (m.type === 'result' && busy?.job.id === m.id) {
        const { job, watchdog } = busy
        clearTimeout(watchdog)
        busy = null
        if (m.ok) {
          const score = nsfwScore(m.labels)
          job.settle({ score, flagged: score >= threshold, labels: m.labels, ms: m.ms })
        } else {
          // Sniffed as an image but libvips cannot read it (truncated, corrupt, a pixel bomb).
          log.info('image could not be decoded for screening', { mime: job.mime, err: m.error })
          job.settle(unscreened('undecodable'))
        }
        pump()
      }
    })
    // An uncaught exception in the thread, or the thread exiting: replace it on the next image.
    // Dying before it was ready counts as a failed load, so a broken install cannot spin.
    w.addEventListener('error', e => stop(w, `screening worker crashed: ${e.message}`, ready ? 'crashed' : 'load'))
    w.addEventListener('close', () => stop(w, 'screening worker exited', ready ? 'crashed' : 'load'))
    // The thread must not keep a stopping process (a CLI, a test) alive on its own.
    ;(w as Worker & { unref?(): void }).unref?.()
  }

  /** Retires worker `w` (once) and fails the image it was on; a failed load pauses retries. */
  function stop(w: Worker, why: string, kind: 'hung' | 'crashed' | 'load') {
    const loadFailed = kind === 'load'
    if (w !== worker) return
    worker = null
    ready = false
    if (loadTimer) clearTimeout(loadTimer)
    loadTimer = null
    w.terminate()
    if (closed) return
    metrics.inc('media_screen_worker_restarts_total')
    log.error(why, loadFailed ? { retryInMs: retryAfterMs } : {})
    if (busy) {
      clearTimeout(busy.watchdog)
      busy.job.settle(unscreened(kind === 'hung' ? 'timeout' : kind === 'crashed' ? 'crashed' : 'unavailable'))
      busy = null
    }
    if (loadFailed) {
      downUntil = performance.now() + retryAfterMs
      for (const j of queue.splice(0)) j.settle(unscreened('unavailable'))
    }
    pump()
  }

  function pump() {
    if (closed || busy) return
    while (queue[0]?.abandoned) queue.shift()
    const job = queue[0]
    if (!job) return
    if (!worker) {
      if (performance.now() < downUntil) {
        for (const j of queue.splice(0)) j.settle(unscreened('unavailable'))
        return
      }
      try {
        spawn()
      } catch (err) {
        // Bun reports a missing script as an error event; anything thrown here is a failed load too.
        log.error('could not start the screening worker', { err, retryInMs: retryAfterMs })
        worker = null
        downUntil = performance.now() + retryAfterMs
        for (const j of queue.splice(0)) j.settle(unscreened('unavailable'))
        return
      }
    }
    if (!ready) return
    queue.shift()
    const w = worker!
    // One image running past the whole timeout means a hung thread (a decoder loop, a stuck
    // inference): end it, the next image gets a fresh one.
    busy = { job, watchdog: setTimeout(() => stop(w, 'screening worker hung on an image; restarting it', 'hung'), timeoutMs) }
    w.postMessage({ id: job.id, path: job.path, mime: job.mime })
  }

  return {
    enabled: true,
    screen(path, mime) {
      if (closed) return Promise.resolve(unscreened('unavailable'))
      if (queue.length >= maxQueue) {
        metrics.inc('media_screened_total', { result: 'unscreened:busy' })
        return Promise.resolve(unscreened('busy'))
      }
      return new Promise<ScreenVerdict>(resolve => {
        let done = false
        const job: Job = {
          id: nextId++,
          path,
          mime,
          abandoned: false,
          settle(v) {
            if (done) return
            done = true
            clearTimeout(timer)
            metrics.inc('media_screened_total', { result: v.unscreened ? `unscreened:${v.unscreened}` : v.flagged ? 'flagged' : 'passed' })
            resolve(v)
          },
        }
        const timer = setTimeout(() => {
          job.abandoned = true
          job.settle(unscreened('timeout'))
        }, timeoutMs)
        queue.push(job)
        pump()
      })
    },
    async close() {
      closed = true
      for (const j of queue.splice(0)) j.settle(unscreened('unavailable'))
      if (busy) {
        clearTimeout(busy.watchdog)
        busy.job.settle(unscreened('unavailable'))
        busy = null
      }
      if (loadTimer) clearTimeout(loadTimer)
      const w = worker
      worker = null
      w?.terminate()
    },
  }
}
