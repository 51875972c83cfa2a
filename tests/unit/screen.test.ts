// The screening pool (api/media/screen.ts) around real worker processes that stand in for the
// classifier (tests/support/screen-workers): verdicts against the threshold, and that a hung,
// spinning, crashing or unloadable worker never holds an upload past the timeout.
import { afterEach, describe, expect, test } from 'bun:test'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { createImageScreen, nsfwScore, screeningOff, type ImageScreen, type ImageScreenOptions } from '../../api/media/screen'
import { createMemoryCache } from '../../api/cache/memory'
import { guarded } from '../../api/cache/cache'
import { createScreenStrikes } from '../../api/media/strikes'

const FAKE = new URL('../support/screen-workers/fake.ts', import.meta.url)
const open: ImageScreen[] = []
const lines: Array<Record<string, unknown>> = []

function pool(o: Partial<ImageScreenOptions> = {}) {
  const metrics = createMetrics()
  const log = createLogger('info', {}, l => lines.push(JSON.parse(l)))
  const s = createImageScreen({ threshold: 0.7, timeoutMs: 400, log, metrics, workerUrl: FAKE, ...o })
  open.push(s)
  return { s, metrics }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(s => s.close()))
  lines.length = 0
})

describe('verdicts', () => {
  test('an image scoring under the threshold passes, one at or over it is flagged', async () => {
    const { s, metrics } = pool()
    expect(await s.screen('score:0.1', 'image/png')).toMatchObject({ score: 0.1, flagged: false })
    const over = await s.screen('score:0.7', 'image/png')
    expect(over).toMatchObject({ score: 0.7, flagged: true })
    expect(over.unscreened).toBeUndefined()
    expect(over.labels?.porn).toBe(0.7)
    expect(metrics.value('media_screened_total', { result: 'passed' })).toBe(1)
    expect(metrics.value('media_screened_total', { result: 'flagged' })).toBe(1)
  })

  test('threshold 0 flags every image, even one the model calls entirely neutral', async () => {
    const { s } = pool({ threshold: 0 })
    expect(await s.screen('score:0', 'image/jpeg')).toMatchObject({ score: 0, flagged: true })
  })

  test('the score adds porn, hentai and sexy; drawing and neutral are safe', () => {
    expect(nsfwScore({ drawing: 0.5, neutral: 0.2, porn: 0.1, hentai: 0.1, sexy: 0.1 })).toBeCloseTo(0.3)
  })

  test('a file the decoder cannot read is flagged unscreened (blurred, no verdict)', async () => {
    const { s } = pool()
    expect(await s.screen('undecodable', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'undecodable' })
  })

  test('SCREEN_IMAGES=off flags nothing and starts nothing', async () => {
    expect(screeningOff.enabled).toBe(false)
    expect(await screeningOff.screen('whatever', 'image/png')).toEqual({ score: null, flagged: false })
  })

  test('images are screened one at a time, in order, by one long-lived process', async () => {
    const { s } = pool({ timeoutMs: 2000 })
    const vs = await Promise.all([s.screen('slow:50', 'image/png'), s.screen('score:0.9', 'image/png'), s.screen('score:0.2', 'image/png')])
    expect(vs.map(v => v.flagged)).toEqual([false, true, false])
    // `ms` is the fake's count of images its process has seen: the same process took all three.
    expect(vs.map(v => v.ms)).toEqual([1, 2, 3])
  })

  test('warm() starts the classifier before any image, so the first image does not pay for the load', async () => {
    const { s } = pool()
    expect(s.workerPid()).toBeNull()
    s.warm()
    const pid = s.workerPid()
    expect(pid).not.toBeNull()
    for (let i = 0; i < 200 && !s.isReady(); i++) await Bun.sleep(10)
    expect(s.isReady()).toBe(true)
    s.warm() // a no-op while it runs: the same process screens the image
    expect(await s.screen('score:0.1', 'image/png')).toMatchObject({ flagged: false, ms: 1 })
    expect(s.workerPid()).toBe(pid)
  })

  test('SCREEN_IMAGES=off: warm() starts nothing and it is never ready', () => {
    screeningOff.warm()
    expect(screeningOff.isReady()).toBe(false)
    expect(screeningOff.workerPid()).toBeNull()
  })
})

describe('priority', () => {
  test('the classifier runs in a process of its own at the nice value asked for (19 by default)', async () => {
    const niceOf = async (s: ImageScreen) => {
      await s.screen('score:0', 'image/png')
      const pid = s.workerPid()!
      expect(pid).not.toBe(process.pid)
      const stat = await Bun.file(`/proc/${pid}/stat`).text()
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    }
    expect(await niceOf(pool().s)).toBe(19)
    expect(await niceOf(pool({ nice: 7 }).s)).toBe(7)
  })
})

describe('failures never block an upload', () => {
  test('a worker that never answers: the caller gets "flagged, unscreened" at the timeout, and the next image gets a fresh process', async () => {
    const { s, metrics } = pool({ timeoutMs: 300 })
    await s.screen('score:0', 'image/png') // warm: the process is up
    const t0 = performance.now()
    expect(await s.screen('hang', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'timeout' })
    const waited = performance.now() - t0
    expect(waited).toBeGreaterThanOrEqual(290)
    expect(waited).toBeLessThan(2000)
    const next = await s.screen('score:0.9', 'image/png')
    expect(next).toMatchObject({ flagged: true, score: 0.9, ms: 1 }) // first image of a new process
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(1)
    expect(lines.some(l => l.level === 'error' && /hung/.test(String(l.msg)))).toBe(true)
  })

  test('a worker stuck in a busy loop is terminated and replaced', async () => {
    // The replacement is a new process that must start within the timeout too: 300 ms is less than
    // a process start takes on a loaded machine.
    const { s } = pool({ timeoutMs: 1500 })
    expect(await s.screen('spin', 'image/png')).toMatchObject({ flagged: true, unscreened: 'timeout' })
    // Queued behind the spinning process: served by its replacement within its own timeout.
    expect(await s.screen('score:0.1', 'image/png')).toMatchObject({ flagged: false, score: 0.1 })
  })

  test('a crash (uncaught error, or the process exiting) fails only the image it was on; the worker restarts', async () => {
    const { s, metrics } = pool({ timeoutMs: 2000 })
    await s.screen('score:0', 'image/png')
    for (const how of ['crash', 'exit']) {
      const t0 = performance.now()
      expect(await s.screen(how, 'image/png')).toEqual({ flagged: true, score: null, unscreened: 'crashed' })
      expect(performance.now() - t0).toBeLessThan(1500)
      expect(await s.screen('score:0.2', 'image/png')).toMatchObject({ flagged: false, ms: 1 })
    }
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(2)
  })

  test('a model that cannot load: images pass through flagged at once, and the load is not retried until the pause is over', async () => {
    const { s, metrics } = pool({ workerUrl: new URL('../support/screen-workers/fail-load.ts', import.meta.url), retryAfterMs: 300, timeoutMs: 5000 })
    expect(await s.screen('score:0', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'unavailable' })
    const t0 = performance.now()
    expect(await s.screen('score:0', 'image/png')).toMatchObject({ unscreened: 'unavailable' })
    expect(performance.now() - t0).toBeLessThan(50) // no new process was started for it
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(1)
    await Bun.sleep(350)
    await s.screen('score:0', 'image/png')
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(2)
    expect(lines.some(l => /could not be loaded/.test(String(l.msg)))).toBe(true)
  })

  test('a worker that dies while loading counts as a failed load, not a crash loop', async () => {
    const { s, metrics } = pool({ workerUrl: new URL('../support/screen-workers/die-on-load.ts', import.meta.url), retryAfterMs: 60_000 })
    expect(await s.screen('score:0', 'image/png')).toMatchObject({ flagged: true, unscreened: 'unavailable' })
    expect(await s.screen('score:0', 'image/png')).toMatchObject({ unscreened: 'unavailable' })
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(1)
  })

  test('a model load that never finishes: uploads still get their answer at the timeout, and the load is cut off', async () => {
    const { s, metrics } = pool({ workerUrl: new URL('../support/screen-workers/never-ready.ts', import.meta.url), timeoutMs: 200, loadTimeoutMs: 500, retryAfterMs: 60_000 })
    expect(await s.screen('score:0', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'timeout' })
    // Cut off at loadTimeoutMs (500 ms); polled, so a machine busy with other work cannot fail it.
    for (let i = 0; i < 40 && metrics.value('media_screen_worker_restarts_total') === 0; i++) await Bun.sleep(50)
    expect(metrics.value('media_screen_worker_restarts_total')).toBe(1)
    expect(lines.some(l => /did not load in time/.test(String(l.msg)))).toBe(true)
    expect(await s.screen('score:0', 'image/png')).toMatchObject({ unscreened: 'unavailable' })
  })

  test('a worker script that is not there (a broken deploy) is a failed load too', async () => {
    const { s } = pool({ workerUrl: new URL('../support/screen-workers/missing.ts', import.meta.url), retryAfterMs: 60_000 })
    expect(await s.screen('score:0', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'unavailable' })
  })

  test('past the queue bound an image is flagged unscreened at once instead of waiting', async () => {
    const { s } = pool({ maxQueue: 2, timeoutMs: 2000 })
    await s.screen('score:0', 'image/png')
    const running = s.screen('slow:300', 'image/png')
    await Bun.sleep(20)
    const queued = [s.screen('score:0', 'image/png'), s.screen('score:0', 'image/png')]
    expect(await s.screen('score:0', 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'busy' })
    expect((await running).flagged).toBe(false)
    expect((await Promise.all(queued)).map(v => v.flagged)).toEqual([false, false])
  })

  test('close() settles what is waiting and stops the process', async () => {
    const { s } = pool({ timeoutMs: 5000 })
    await s.screen('score:0', 'image/png')
    const pending = s.screen('hang', 'image/png')
    await s.close()
    expect(await pending).toMatchObject({ flagged: true, unscreened: 'unavailable' })
    expect(await s.screen('score:0', 'image/png')).toMatchObject({ unscreened: 'unavailable' })
  })
})

describe('strikes', () => {
  test('flagCount counts flagged images per address hash, separately, within the window', async () => {
    let t = 1_000_000
    const cache = guarded(
      createMemoryCache(() => t),
      250,
    )
    const strikes = createScreenStrikes(cache, 3600)
    expect(await strikes.flagCount('a'.repeat(32))).toBe(0)
    expect(await strikes.record('a'.repeat(32))).toBe(1)
    expect(await strikes.record('a'.repeat(32))).toBe(2)
    await strikes.record('b'.repeat(32))
    expect(await strikes.flagCount('a'.repeat(32))).toBe(2)
    expect(await strikes.flagCount('b'.repeat(32))).toBe(1)
    t += 3601_000
    expect(await strikes.flagCount('a'.repeat(32))).toBe(0)
    await cache.close()
  })
})
