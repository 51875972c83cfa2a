// Screens the stranger's video on the viewer's device (hello.videoScreening): every ~1.5 s a frame
// of the remote <video> is grabbed at the model's 224×224 (createImageBitmap, on the GPU/compositor
// where there is one) and handed to video-screen-worker.ts, which scores it with the photo screen's
// classifier. The verdict rules are video-verdict.ts's. Part of the video chunk: text-only
// users never load it, and the worker with TensorFlow.js and the model loads on the first video search.
//
// Seen from outside: `view` (the panel blurs by it), and a performance measure per checked frame
// (`leetchat:video-screen-check`, grab to score, with the worker's own time in `detail`) and one
// for loading the model (`leetchat:video-screen-load`): tests/bench/video-screen-cost.ts reads them.
import type { ScreenIn, ScreenOut } from './video-screen-worker'
import { nextCheckIn, screenBlurs, screenNewStranger, screenRevealed, screenScored, screenStart, screenUnavailable, type ScreenView } from './video-verdict'

export type { ScreenView }
export { screenBlurs }

/**
 * A same-origin tfjs layers model to screen with instead of MobileNetV2, named in localStorage:
 * the e2e tests' seam (tests/e2e/video-screening.spec.ts serves a tiny model that flags red), so
 * the flagged path runs the real grab → worker → tfjs → blur pipeline. Only this origin's paths
 * are accepted (and the CSP allows no other); on the user's own device it changes only their own view.
 */
export const MODEL_OVERRIDE_KEY = 'leetchat.videoScreenModel'

function modelOverride(): string | undefined {
  try {
    const v = localStorage.getItem(MODEL_OVERRIDE_KEY)
    if (!v) return undefined
    const u = new URL(v, location.origin)
    return u.origin === location.origin ? u.href : undefined
  } catch {
    return undefined
  }
}

const MODEL_SIZE = 224
/** Checks that failed in a row before the screen gives up (shows the picture as it is). */
const MAX_ERRORS = 3
/** A check unanswered this long is given up (a frame grab or worker that never answers must not stop the screen). */
const STUCK_MS = 20_000

export class VideoScreen {
  private v: ScreenView
  private worker: Worker | null = null
  private ready = false
  private el: HTMLVideoElement | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  /** the check in flight (one at a time), by id; ids of an earlier stranger are ignored */
  private inFlight: { id: number; t0: number } | null = null
  private nextId = 0
  private strangerFrom = 0
  private lastMs: number | null = null
  private errors = 0
  private loadStart = 0

  constructor(
    on: boolean,
    private readonly threshold: number,
    private readonly changed: (v: ScreenView) => void,
  ) {
    this.v = screenStart(on)
  }

  get view(): ScreenView {
    return this.v
  }

  /** Starts the worker and the model loading (once the first call is connected; later calls find it loaded). */
  warm() {
    if (this.worker || this.v.state === 'off' || this.v.state === 'unavailable') return
    this.loadStart = performance.now()
    try {
      this.worker = new Worker(new URL('./video-screen-worker.ts', import.meta.url), { type: 'module', name: 'video-screen' })
    } catch (err) {
      return this.giveUp(err)
    }
    this.worker.onmessage = (e: MessageEvent<ScreenOut>) => this.onMessage(e.data)
    this.worker.onerror = e => this.giveUp(e.message || 'the screening worker did not start')
    this.send({ type: 'load', modelUrl: modelOverride() })
  }

  /** The <video> showing the stranger (null when it goes). */
  watch(el: HTMLVideoElement | null) {
    this.el = el
    this.schedule()
  }

  /** A new stranger: their picture is judged afresh. */
  newStranger() {
    this.strangerFrom = this.nextId
    this.inFlight = null
    this.set(screenNewStranger(this.v))
    this.schedule()
  }

  /** "Tap to view". */
  reveal() {
    this.set(screenRevealed(this.v))
  }

  dispose() {
    clearTimeout(this.timer)
    this.worker?.terminate()
    this.worker = null
    this.el = null
  }

  // ---------- inside ----------

  /** Checking can still change what is shown: not screened off or given up, not flagged or revealed. */
  private get deciding() {
    const s = this.v.state
    return (s === 'pending' || s === 'clean') && !this.v.revealed
  }

  private schedule() {
    clearTimeout(this.timer)
    if (!this.el || !this.deciding || this.inFlight) return
    const el = this.el
    const delay = nextCheckIn({
      hidden: document.hidden,
      hasFrame: this.ready && el.readyState >= 2 && el.videoWidth > 0,
      first: this.v.checked === 0,
      lastMs: this.lastMs,
    })
    this.timer = setTimeout(() => void this.grab(), delay)
  }

  private async grab() {
    const el = this.el
    if (!el || !this.worker || !this.deciding || document.hidden || el.videoWidth === 0) return this.schedule()
    const id = this.nextId++
    const t0 = performance.now()
    this.inFlight = { id, t0 }
    try {
      const frame = await createImageBitmap(el, { resizeWidth: MODEL_SIZE, resizeHeight: MODEL_SIZE, resizeQuality: 'medium' })
      if (this.inFlight?.id !== id || !this.worker) {
        frame.close()
        return
      }
      this.worker.postMessage({ type: 'check', id, frame } satisfies ScreenIn, [frame])
      this.timer = setTimeout(() => {
        if (this.inFlight?.id !== id) return
        this.inFlight = null
        this.schedule()
      }, STUCK_MS)
    } catch {
      // No frame to take just now (the track changed under us): try again on the next round.
      if (this.inFlight?.id === id) this.inFlight = null
      this.schedule()
    }
  }

  private onMessage(m: ScreenOut) {
    if (m.type === 'ready') {
      this.ready = true
      performance.measure('leetchat:video-screen-load', { start: this.loadStart, end: performance.now(), detail: { backend: m.backend, workerMs: m.loadMs } })
      return this.schedule()
    }
    if (m.type === 'failed') return this.giveUp(m.error)
    if (this.inFlight?.id !== m.id) return
    const { t0 } = this.inFlight
    this.inFlight = null
    if (m.id < this.strangerFrom) return this.schedule()
    if (m.type === 'error') {
      if (++this.errors >= MAX_ERRORS) return this.giveUp(m.error)
      return this.schedule()
    }
    this.errors = 0
    const end = performance.now()
    this.lastMs = end - t0
    performance.measure('leetchat:video-screen-check', { start: t0, end, detail: { workerMs: m.ms, score: m.score } })
    this.set(screenScored(this.v, m.score, this.threshold))
    this.schedule()
  }

  /** Nothing alarming for the user: the picture is shown as it is; the console says why. */
  private giveUp(err: unknown) {
    console.warn('[leetchat] video screening is unavailable; the picture is shown unscreened:', err instanceof Error ? err.message : err)
    clearTimeout(this.timer)
    this.worker?.terminate()
    this.worker = null
    this.inFlight = null
    this.set(screenUnavailable(this.v))
  }

  private send(m: ScreenIn) {
    this.worker?.postMessage(m)
  }

  private set(v: ScreenView) {
    this.v = v
    this.changed(v)
  }
}
