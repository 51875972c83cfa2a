// Image screening: every uploaded image is classified on this server (screen-worker.ts) before the
// partner sees it. One classifier process per server, started on the first image (the model costs
// ~0.5 s to load and ~150 MB of RAM, so a server that never gets an image never pays), run below
// the chat's CPU priority (screen-process.ts), fed one image at a time from a short queue. An
// animation is judged by the highest score among its sampled frames (screen-frames.ts).
//
// Never blocking an upload is the rule. Every verdict arrives within `timeoutMs`; when the model
// has no answer in time (busy, hung, crashed, or the file does not decode), the image is FLAGGED
// UNSCREENED: the partner sees it blurred behind "Tap to view" (fail closed for the viewer, who
// loses one tap), but it is no strike against the uploader (whose image was never judged).
// An animation whose sampled frames cannot all be classified in time is flagged unscreened too,
// unless a frame already scored over the threshold. A worker that runs one image past the
// timeout is terminated; a crashed one is replaced on the next image; one that cannot load the
// model is not retried for a while.
import { existsSync } from 'node:fs'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { nsfwScore, type FrameSample, type ScreenJob, type ScreenLabels } from './screen-frames'
import { startScreenProcess, type ScreenProcess } from './screen-process'

export type { ScreenLabels }
export { nsfwScore }

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
  /** What the classifier looked at: frames in the file, and the score of each one it classified. */
  frames?: { total: number; screened: Array<{ frame: number; score: number }> }
}

export interface ImageScreen {
  readonly enabled: boolean
  /** `path` is a file the worker thread can read (the upload's temp file). */
  screen(path: string, mime: string): Promise<ScreenVerdict>
  /**
   * Starts the classifier (and its model load) now if none runs, so the image that follows does not
   * spend its `timeoutMs` on the load; called when an image upload ticket is issued.
   */
  warm(): void
  /** The model is loaded and answering. */
  isReady(): boolean
  /** The classifier process, while one runs (for monitoring and tests). */
  workerPid(): number | null
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
  /** At most this many frames of an animation are classified (default 8). */
  maxFrames?: number
  /** The classifier process's nice value (default 19: whatever CPU the chat leaves). */
  nice?: number
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
  warm: () => {},
  isReady: () => false,
  workerPid: () => null,
  close: async () => {},
}

interface Job {
  id: number
  path: string
  mime: string
  /** When the upload stops waiting (performance.now()). */
  deadline: number
  settle(v: ScreenVerdict): void
  /** The caller stopped waiting; a queued job is then skipped. */
  abandoned: boolean
}

type WorkerMessage =
  | { type: 'ready'; loadMs: number }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; ok: true; samples: FrameSample[]; frames: number; complete: boolean; ms: number }
  | { type: 'result'; id: number; ok: false; error: string }

export function createImageScreen(opts: ImageScreenOptions): ImageScreen {
  const { threshold, timeoutMs, log, metrics } = opts
  const workerUrl = opts.workerUrl ?? new URL('./screen-worker.ts', import.meta.url)
  const maxQueue = opts.maxQueue ?? 32
  const retryAfterMs = opts.retryAfterMs ?? 30_000
  const loadTimeoutMs = opts.loadTimeoutMs ?? 30_000
  const maxFrames = opts.maxFrames ?? 8
  const nice = opts.nice ?? 19
  // The classifier stops sampling this long before the upload stops waiting, to answer in time.
  const marginMs = Math.min(250, timeoutMs / 10)

  const queue: Job[] = []
  let worker: ScreenProcess | null = null
  let ready = false
  let busy: { job: Job; watchdog: ReturnType<typeof setTimeout> } | null = null
  let loadTimer: ReturnType<typeof setTimeout> | null = null
  let downUntil = 0
  let nextId = 1
  let closed = false

  const unscreened = (why: NonNullable<ScreenVerdict['unscreened']>): ScreenVerdict => ({ score: null, flagged: true, unscreened: why })

  /** The verdict from the frames the classifier got through: the highest score decides. */
  function verdictOf(m: Extract<WorkerMessage, { ok: true }>): ScreenVerdict {
    const scored = m.samples.map(s => ({ frame: s.frame, score: nsfwScore(s.labels), labels: s.labels }))
    const top = scored.reduce<(typeof scored)[number] | null>((a, b) => (a && a.score >= b.score ? a : b), null)
    const frames = { total: m.frames, screened: scored.map(({ frame, score }) => ({ frame, score })) }
    // One frame over the threshold decides, seen in time or not; a pass needs every sampled frame.
    if (top && top.score >= threshold) return { score: top.score, flagged: true, labels: top.labels, ms: m.ms, frames }
    if (!top || !m.complete) return { ...unscreened('timeout'), ms: m.ms, frames }
    return { score: top.score, flagged: false, labels: top.labels, ms: m.ms, frames }
  }

  function spawn() {
    ready = false
    const t0 = performance.now()
    // A broken deploy fails here at once, not after a process start.
    if (!existsSync(workerUrl)) throw new Error(`no screening worker at ${workerUrl.pathname}`)
    const w: ScreenProcess = startScreenProcess(workerUrl, {
      nice,
      onMessage: raw => onMessage(w, raw as WorkerMessage, t0),
      // The process exiting (an uncaught error, a crash, a kill): replace it on the next image.
      // Dying before it was ready counts as a failed load, so a broken install cannot spin.
      onExit: why => stop(w, `screening worker exited (${why})`, ready ? 'crashed' : 'load'),
    })
    worker = w
    if (nice > 0 && !w.niced) log.warn("no nice(1) on this machine: the image classifier runs at the chat's CPU priority")
    loadTimer = setTimeout(() => stop(w, 'the screening model did not load in time', 'load'), loadTimeoutMs)
  }

  function onMessage(w: ScreenProcess, m: WorkerMessage, t0: number) {
    if (w !== worker) return
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
        const v = verdictOf(m)
        metrics.inc('media_screened_frames_total', undefined, m.samples.length)
        if (m.frames > 1) log.info('animation screened', { frames: m.frames, screened: m.samples.length, complete: m.complete, ms: Math.round(m.ms), flagged: v.flagged })
        job.settle(v)
      } else {
        // Sniffed as an image but libvips cannot read it (truncated, corrupt, a pixel bomb).
        log.info('image could not be decoded for screening', { mime: job.mime, err: m.error })
        job.settle(unscreened('undecodable'))
      }
      pump()
    }
  }

  /** Retires worker `w` (once) and fails the image it was on; a failed load pauses retries. */
  function stop(w: ScreenProcess, why: string, kind: 'hung' | 'crashed' | 'load') {
    const loadFailed = kind === 'load'
    if (w !== worker) return
    worker = null
    ready = false
    if (loadTimer) clearTimeout(loadTimer)
    loadTimer = null
    w.kill()
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

  /** Starts a worker unless one runs; false while a failed load pauses retries or if none can start. */
  function startWorker(): boolean {
    if (worker) return true
    if (performance.now() < downUntil) return false
    try {
      spawn()
      return true
    } catch (err) {
      // A missing worker script, or a process that could not be started: a failed load.
      log.error('could not start the screening worker', { err, retryInMs: retryAfterMs })
      worker = null
      downUntil = performance.now() + retryAfterMs
      return false
    }
  }

  function pump() {
    if (closed || busy) return
    while (queue[0]?.abandoned) queue.shift()
    const job = queue[0]
    if (!job) return
    if (!worker && !startWorker()) {
      for (const j of queue.splice(0)) j.settle(unscreened('unavailable'))
      return
    }
    if (!ready) return
    queue.shift()
    const w = worker!
    // One image running past the whole timeout means a hung thread (a decoder loop, a stuck
    // inference): end it, the next image gets a fresh one.
    busy = { job, watchdog: setTimeout(() => stop(w, 'screening worker hung on an image; restarting it', 'hung'), timeoutMs) }
    const message: ScreenJob = { id: job.id, path: job.path, mime: job.mime, budgetMs: Math.max(0, job.deadline - performance.now() - marginMs), stopAt: threshold, maxFrames }
    w.send(message)
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
          deadline: performance.now() + timeoutMs,
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
    warm() {
      if (!closed) startWorker()
    },
    isReady: () => worker !== null && ready,
    workerPid: () => worker?.pid ?? null,
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
      w?.kill()
    },
  }
}
