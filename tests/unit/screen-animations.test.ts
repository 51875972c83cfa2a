// Every frame a viewer sees is screened, not only the first: the screening pool
// (api/media/screen.ts) with its real process, frame sampling and decoding (screen-frames.ts,
// apng.ts, sharp), and a stand-in classifier that scores a frame by how red it is
// (tests/support/screen-workers/colour.ts). Animations are made in the test (support/animations.ts).
import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { createImageScreen, type ImageScreen, type ImageScreenOptions } from '../../api/media/screen'
import { pickFrames } from '../../api/media/screen-frames'
import { parseApng, ApngError } from '../../api/media/apng'
import * as anim from '../support/animations'
import * as images from '../support/images'

const COLOUR = new URL('../support/screen-workers/colour.ts', import.meta.url)
const dir = mkdtempSync(join(tmpdir(), 'leetchat-anim-'))
const open: ImageScreen[] = []
let n = 0

function pool(o: Partial<ImageScreenOptions> = {}) {
  const s = createImageScreen({ threshold: 0.7, timeoutMs: 10_000, log: createLogger('silent'), metrics: createMetrics(), workerUrl: COLOUR, ...o })
  open.push(s)
  return s
}
/** The classifier process started and answering (its start-up is not what a timing test measures). */
async function warm(s: ImageScreen) {
  expect((await s.screen(file(await images.landscapePng(16, 16), 'warm.png'), 'image/png')).flagged).toBe(false)
  return s
}
function file(bytes: Uint8Array, name = 'img') {
  const p = join(dir, `${n++}-${name}`)
  writeFileSync(p, bytes)
  return p
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(s => s.close()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const W = 96
const H = 72
const calm = anim.harmless(W, H, 3)
const red = anim.explicit(W, H)

describe('GIF and WebP: the highest-scoring frame decides', () => {
  for (const format of ['gif', 'webp'] as const) {
    const make = format === 'gif' ? anim.animatedGif : anim.animatedWebp
    test(`${format}: harmless then explicit is flagged (the explicit frame is not the first)`, async () => {
      const v = await pool().screen(file(await make([calm, red], W, H), `a.${format}`), `image/${format}`)
      expect(v).toMatchObject({ flagged: true, frames: { total: 2 } })
      expect(v.score).toBeGreaterThan(0.95)
      expect(v.frames!.screened.map(f => f.frame)).toEqual([0, 1])
      expect(v.frames!.screened[0]!.score).toBeLessThan(0.05)
      expect(v.unscreened).toBeUndefined()
    })

    test(`${format}: explicit then harmless is flagged, and the sampling stops at the deciding frame`, async () => {
      const v = await pool().screen(file(await make([red, calm], W, H), `b.${format}`), `image/${format}`)
      expect(v).toMatchObject({ flagged: true, frames: { total: 2 } })
      expect(v.frames!.screened.map(f => f.frame)).toEqual([0])
    })

    test(`${format}: two harmless frames pass, both screened`, async () => {
      const v = await pool().screen(file(await make([calm, anim.harmless(W, H, 9)], W, H), `c.${format}`), `image/${format}`)
      expect(v).toMatchObject({ flagged: false, frames: { total: 2 } })
      expect(v.frames!.screened).toHaveLength(2)
      expect(v.score).toBeLessThan(0.05)
    })
  }

  test('a long animation: at most SCREEN_FRAMES frames are classified, the first and the last among them', async () => {
    const frames = Array.from({ length: 30 }, (_, i) => (i === 29 ? red : anim.harmless(32, 24, i)))
    const v = await pool({ maxFrames: 6 }).screen(file(await anim.animatedGif(frames, 32, 24), 'long.gif'), 'image/gif')
    expect(v).toMatchObject({ flagged: true, frames: { total: 30 } })
    const seen = v.frames!.screened.map(f => f.frame)
    expect(seen.length).toBeLessThanOrEqual(6)
    expect(seen[0]).toBe(0)
    expect(seen.at(-1)).toBe(29)
  })

  test('a still image is one frame', async () => {
    const v = await pool().screen(file(await images.landscapePng(120, 90, 4), 'still.png'), 'image/png')
    expect(v).toMatchObject({ flagged: false, frames: { total: 1, screened: [{ frame: 0 }] } })
  })
})

describe('APNG: what a browser plays', () => {
  test('a harmless default image that is not part of the animation, and an explicit animation: flagged', async () => {
    const bytes = await anim.apngOf([red, red], W, H, calm)
    // What libvips (and so the screen before) reads of this file: only the harmless default image.
    expect(parseApng(bytes)!.hiddenDefault).toBe(true)
    const v = await pool().screen(file(bytes, 'hidden.png'), 'image/apng')
    expect(v).toMatchObject({ flagged: true, frames: { total: 2 } })
    expect(v.score).toBeGreaterThan(0.95)
  })

  test('default image as frame 0 (harmless), then an explicit frame: flagged', async () => {
    const v = await pool().screen(file(await anim.apngOf([calm, red], W, H), 'seq.png'), 'image/png')
    expect(v).toMatchObject({ flagged: true, frames: { total: 2 } })
    expect(v.frames!.screened.map(f => f.frame)).toEqual([0, 1])
  })

  test('explicit frame 0, harmless after: flagged at once', async () => {
    const v = await pool().screen(file(await anim.apngOf([red, calm], W, H), 'first.png'), 'image/png')
    expect(v).toMatchObject({ flagged: true, frames: { screened: [{ frame: 0 }] } })
  })

  test('an explicit hidden default image is screened too (a viewer that does not animate shows it)', async () => {
    const v = await pool().screen(file(await anim.apngOf([calm, calm], W, H, red), 'hiddenred.png'), 'image/png')
    expect(v).toMatchObject({ flagged: true })
    expect(v.frames!.screened.map(f => f.frame)).toEqual([0, 1, -1])
  })

  test('harmless everywhere passes, every frame and the hidden default screened', async () => {
    const v = await pool().screen(file(await anim.apngOf([calm, anim.harmless(W, H, 5)], W, H, anim.harmless(W, H, 6)), 'calm.png'), 'image/png')
    expect(v).toMatchObject({ flagged: false, frames: { total: 2 } })
    expect(v.frames!.screened.map(f => f.frame)).toEqual([0, 1, -1])
  })

  test('frames are composed as a browser does: two half-frames blended over each other make the explicit picture', async () => {
    // Frame 0: the left half red, the rest transparent; frame 1: the right half red, blended over
    // (disposal none). Only the composed frame 1 is red all over.
    const half = anim.solid(W / 2, H, anim.RED)
    const bytes = await anim.apng({
      width: W,
      height: H,
      frames: [
        { pixels: Buffer.concat(Array.from({ length: H }, (_, y) => Buffer.concat([rgba(half, W / 2, y), Buffer.alloc((W / 2) * 4)]))), channels: 4, width: W, height: H },
        { pixels: half, width: W / 2, height: H, x: W / 2, blend: 1 },
      ],
    })
    const v = await pool({ threshold: 0.9 }).screen(file(bytes, 'halves.png'), 'image/png')
    expect(v.frames!.screened.map(f => Number(f.score.toFixed(2)))).toEqual([0.5, 1])
    expect(v.flagged).toBe(true)
  })

  test('disposal to the previous picture: the explicit frame is shown (and screened), then undone', async () => {
    const bytes = await anim.apng({
      width: W,
      height: H,
      frames: [
        { pixels: calm, width: W, height: H },
        { pixels: red, width: W, height: H, dispose: 2 },
        { pixels: anim.solid(8, 8, [0, 0, 255]), width: 8, height: 8, blend: 1 },
      ],
    })
    const v = await pool({ threshold: 1.1 }).screen(file(bytes, 'prev.png'), 'image/png')
    const scores = v.frames!.screened.map(f => f.score)
    expect(scores[1]).toBeGreaterThan(0.95)
    // Frame 2 is drawn on frame 0's picture again, not on the red one.
    expect(scores[2]).toBeLessThan(0.05)
  })

  test('an animation that does not add up is blurred as unscreened, whatever its default image', async () => {
    const broken = await anim.apng({ width: W, height: H, frames: [{ pixels: calm, width: W, height: H }], declaredFrames: 3 })
    expect(() => parseApng(broken)).toThrow(ApngError)
    expect(await pool().screen(file(broken, 'broken.png'), 'image/png')).toEqual({ score: null, flagged: true, unscreened: 'undecodable' })
    const outside = await anim.apng({
      width: W,
      height: H,
      frames: [
        { pixels: calm, width: W, height: H },
        { pixels: red, width: W, height: H, x: 10 },
      ],
    })
    expect(await pool().screen(file(outside, 'outside.png'), 'image/png')).toMatchObject({ flagged: true, unscreened: 'undecodable' })
  })

  test('a still PNG is not an animation', async () => {
    expect(parseApng(await images.landscapePng(40, 30))).toBeNull()
  })
})

describe('bounded: count, time and memory', () => {
  test('a 40,000-frame GIF: a handful of frames screened, the last among them (all red by then), in bounded time', async () => {
    const gif = anim.manyFrameGif(40_000)
    expect(gif.length).toBeLessThan(1_048_576)
    const s = pool({ maxFrames: 8 })
    const t0 = performance.now()
    const v = await s.screen(file(gif, 'many.gif'), 'image/gif')
    const ms = performance.now() - t0
    expect(v).toMatchObject({ flagged: true, frames: { total: 40_000 } })
    const seen = v.frames!.screened.map(f => f.frame)
    expect(seen.length).toBeLessThanOrEqual(8)
    expect(seen[0]).toBe(0)
    expect(v.frames!.screened[0]!.score).toBeLessThan(0.01) // one red dot on white
    expect(seen.at(-1)).toBeGreaterThanOrEqual(10_000) // the sampling reached the frames that are all red
    expect(ms).toBeLessThan(8000)
    // The classifier process's peak memory stays that of an ordinary image.
    const hwm = Number((await Bun.file(`/proc/${s.workerPid()}/status`).text()).match(/^VmHWM:\s+(\d+) kB/m)![1]) * 1024
    expect(hwm).toBeLessThan(400 * 1024 * 1024)
  }, 20_000)

  test('frames that cannot all be classified in time: flagged unscreened at the timeout, not a pass', async () => {
    // Twenty harmless frames at 150 ms each (3 s) do not fit in 1.5 s (wide enough for the
    // classifier's own answer to arrive on a loaded machine).
    const frames = Array.from({ length: 20 }, (_, i) => anim.harmless(32, 24, i))
    // At the server's own priority: on a machine busy with other work a niced classifier may not
    // get the CPU to answer by itself, and this test is about its own budget.
    const s = await warm(pool({ timeoutMs: 1500, maxFrames: 20, nice: 0 }))
    const t0 = performance.now()
    const v = await s.screen(file(await anim.animatedGif(frames, 32, 24), 'slow.gif'), 'image/gif')
    expect(performance.now() - t0).toBeLessThan(3500)
    expect(v).toMatchObject({ score: null, flagged: true, unscreened: 'timeout' })
    // The classifier answered itself within its budget: the worker was not killed for it.
    expect(v.frames!.screened.length).toBeGreaterThan(0)
    expect(v.frames!.screened.length).toBeLessThan(20)
  })

  test('an explicit frame found before the time runs out still decides (flagged with its score)', async () => {
    const frames = [red, ...Array.from({ length: 9 }, (_, i) => anim.harmless(32, 24, i))].map((f, i) => (i === 0 ? anim.explicit(32, 24) : f))
    const s = await warm(pool({ timeoutMs: 800, maxFrames: 10 }))
    const v = await s.screen(file(await anim.animatedGif(frames, 32, 24), 'slow-first.gif'), 'image/gif')
    expect(v).toMatchObject({ flagged: true })
    expect(v.score).toBeGreaterThan(0.95)
  })

  test('a GIF cut off, or with garbage in a later frame, is blurred as unscreened', async () => {
    const gif = await anim.animatedGif([calm, red, calm], W, H)
    const s = pool()
    expect(await s.screen(file(gif.subarray(0, Math.floor(gif.length * 0.4)), 'cut.gif'), 'image/gif')).toEqual({ score: null, flagged: true, unscreened: 'undecodable' })
    const garbled = new Uint8Array(gif)
    garbled.fill(0xff, Math.floor(gif.length * 0.5), Math.floor(gif.length * 0.5) + 200)
    expect(await s.screen(file(garbled, 'garbled.gif'), 'image/gif')).toEqual({ score: null, flagged: true, unscreened: 'undecodable' })
  })
})

describe('pickFrames', () => {
  test('every frame when there are at most max', () => {
    expect(pickFrames([100, 100, 100], 8)).toEqual([0, 1, 2])
  })

  test('at most max frames: the first, the last, and spread between', () => {
    const f = pickFrames(Array(40_000).fill(20), 8)
    expect(f).toHaveLength(8)
    expect(f[0]).toBe(0)
    expect(f.at(-1)).toBe(39_999)
    expect(new Set(f).size).toBe(8)
    // Spread over the whole animation: no two samples closer than a twentieth of it.
    for (let i = 1; i < f.length; i++) expect(f[i]! - f[i - 1]!).toBeGreaterThan(2000)
  })

  test('the frame shown longest is always among them', () => {
    const delays = Array(1000).fill(20)
    delays[613] = 60_000
    expect(pickFrames(delays, 4)).toContain(613)
  })

  test('half the spread follows the playing time: frames shown for most of it are sampled more', () => {
    // Frames 0–9 are shown 5 s each, 10–999 for 20 ms: most of the time is in the first ten.
    const delays = Array.from({ length: 1000 }, (_, i) => (i < 10 ? 5000 : 20))
    const f = pickFrames(delays, 8)
    expect(f.filter(i => i > 0 && i < 10).length).toBeGreaterThanOrEqual(2)
  })

  test('max 1 is the first frame', () => {
    expect(pickFrames(Array(50).fill(100), 1)).toEqual([0])
  })
})

/** Row y of RGB pixels (w wide) as RGBA, opaque. */
function rgba(rgb: Buffer, w: number, y: number): Buffer {
  const out = Buffer.alloc(w * 4)
  for (let x = 0; x < w; x++) {
    rgb.copy(out, x * 4, (y * w + x) * 3, (y * w + x) * 3 + 3)
    out[x * 4 + 3] = 255
  }
  return out
}
