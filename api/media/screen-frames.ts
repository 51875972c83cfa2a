// What the classifier looks at: the frames of an uploaded image that a viewer could see, decoded
// as the model reads them (224×224 RGB, transparent areas over white as the chat shows them).
// A still image is one frame. An animation (GIF, WebP, APNG) is sampled: the first frame, the
// last, the one shown longest, and the rest spread evenly over the frames and over the playing
// time, at most `maxFrames`, within a time budget. The verdict is the highest score among them.
//
// Runs inside the screening process (screen-worker.ts); the tests run it with a stand-in
// classifier (tests/support/screen-workers/colour.ts), so everything here but the model is real.
import type Sharp from 'sharp'
import type { Sharp as SharpPipeline } from 'sharp'
import { isPng, parseApng, renderApng, stillPng, type Apng } from './apng'
import { nsfwScore, type ScreenLabels } from './screen-score'

type SharpFn = typeof Sharp

export { nsfwScore, type ScreenLabels } from './screen-score'

/** The model's input side. */
export const SIZE = 224
// A PNG of 1 MB can declare a huge canvas; refuse to decode past ~40 megapixels (8000×5000) a frame.
const MAX_PIXELS = 40_000_000
// An APNG is composed on a canvas scaled to at most this many pixels: the model sees 224×224, and
// a large canvas must not make each of thousands of frames cost more.
const WORK_PIXELS = 448 * 448
// Browsers show a GIF/WebP/APNG frame of 10 ms or less for 100 ms.
const shownMs = (delay: number | undefined) => (delay === undefined || delay <= 10 ? 100 : delay)

/** The hidden default image of an APNG (not part of its animation) is reported as this frame. */
export const DEFAULT_IMAGE = -1

/** One job for the screening process (the pool in screen.ts sends these). */
export interface ScreenJob {
  id: number
  path: string
  mime: string
  /** Stop sampling after this long; what was not reached makes the verdict incomplete. */
  budgetMs: number
  /** A frame scoring at least this decides the verdict (flagged): the rest need not be looked at. */
  stopAt: number
  /** At most this many frames of an animation are classified. */
  maxFrames: number
}

export interface FrameSample {
  /** Index in the animation (0 for a still image; DEFAULT_IMAGE for an APNG's hidden default). */
  frame: number
  labels: ScreenLabels
}

export interface FileVerdict {
  samples: FrameSample[]
  /** Frames in the file (1 for a still image). */
  frames: number
  /** Every sampled frame was classified, or one already decided the verdict. */
  complete: boolean
}

/** The model: 224×224×3 bytes of RGB in, class probabilities out. */
export type Classify = (rgb: Uint8Array) => Promise<ScreenLabels>

class OutOfTime extends Error {}

/**
 * Which frames of an animation to classify, given how long each is shown: ascending indices, all
 * of them when there are at most `max`. The first and the last, the longest-shown (a frame held
 * for a minute among thousands of 10 ms ones is what a viewer sees), then the rest spread evenly:
 * half over the playing time, half into the widest gaps between the frames picked so far.
 */
export function pickFrames(delaysMs: readonly (number | undefined)[], max: number): number[] {
  const n = delaysMs.length
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const shown = delaysMs.map(shownMs)
  let longest = 0
  for (let i = 1; i < n; i++) if (shown[i]! > shown[longest]!) longest = i
  const picked = new Set<number>([0, n - 1, longest].slice(0, Math.max(1, max)))
  // The frame on screen at each of m evenly spaced moments of one loop.
  const byTime = (m: number) => {
    const total = shown.reduce((a, b) => a + b, 0)
    const out: number[] = []
    let at = 0
    let i = 0
    for (let j = 1; j <= m; j++) {
      const t = (j * total) / (m + 1)
      while (i < n - 1 && at + shown[i]! <= t) at += shown[i++]!
      out.push(i)
    }
    return out
  }
  for (const f of byTime(Math.floor((max - picked.size) / 2))) picked.add(f)
  // The rest by position: each into the middle of the widest gap left between picked frames.
  while (picked.size < max) {
    const sorted = [...picked].sort((a, b) => a - b)
    let at = 0
    for (let i = 1; i < sorted.length; i++) if (sorted[i]! - sorted[i - 1]! > sorted[at + 1]! - sorted[at]!) at = i - 1
    picked.add(Math.floor((sorted[at]! + sorted[at + 1]!) / 2))
  }
  return [...picked].sort((a, b) => a - b)
}

interface Source {
  frames: number
  samples: AsyncIterable<{ frame: number; rgb: Uint8Array }>
}

/** Classifies the sampled frames of `job.path` within `job.budgetMs`. Throws if it cannot be decoded. */
export async function screenFile(sharp: SharpFn, job: ScreenJob, classify: Classify): Promise<FileVerdict> {
  const deadline = performance.now() + job.budgetMs
  const check = () => {
    if (performance.now() > deadline) throw new OutOfTime()
  }
  // libvips can be stopped between tiles: no single decode runs much past the budget either.
  const seconds = () => Math.max(1, Math.ceil((deadline - performance.now()) / 1000))
  const samples: FrameSample[] = []
  let frames = 1
  try {
    const source = await open(sharp, job, seconds, check)
    frames = source.frames
    for await (const { frame, rgb } of source.samples) {
      check()
      const labels = await classify(rgb)
      samples.push({ frame, labels })
      if (nsfwScore(labels) >= job.stopAt) break
    }
    return { samples, frames, complete: true }
  } catch (err) {
    if (err instanceof OutOfTime || (err instanceof Error && /^timeout\b/.test(err.message))) return { samples, frames, complete: false }
    throw err
  }
}

async function open(sharp: SharpFn, job: ScreenJob, seconds: () => number, check: () => void): Promise<Source> {
  const toModel = (img: SharpPipeline) =>
    img.timeout({ seconds: seconds() }).flatten({ background: '#ffffff' }).toColourspace('srgb').resize(SIZE, SIZE, { fit: 'fill' }).raw({ depth: 'uchar' }).toBuffer()
  const head = await Bun.file(job.path).slice(0, 8).bytes()
  if (isPng(head)) {
    const apng = parseApng(await Bun.file(job.path).bytes())
    if (apng) return apngSource(sharp, apng, job.maxFrames, toModel, seconds, check)
  }
  const meta = await sharp(job.path, { limitInputPixels: false }).metadata()
  const pages = meta.pages ?? 1
  if ((meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0) > MAX_PIXELS) throw new Error('Input image exceeds pixel limit')
  if (pages <= 1) {
    return { frames: 1, samples: one(0, () => toModel(sharp(job.path, { limitInputPixels: MAX_PIXELS, animated: false }))) }
  }
  const delays = meta.delay ?? []
  const wanted = pickFrames(
    Array.from({ length: pages }, (_, i) => delays[i]),
    job.maxFrames,
  )
  return {
    frames: pages,
    samples: (async function* () {
      for (const frame of wanted) {
        check()
        // libvips composes GIF and WebP frames itself (disposal, blending): page k is what is shown.
        yield { frame, rgb: await toModel(sharp(job.path, { limitInputPixels: MAX_PIXELS, page: frame, pages: 1 })) }
      }
    })(),
  }
}

async function* one(frame: number, decode: () => Promise<Uint8Array>) {
  yield { frame, rgb: await decode() }
}

function apngSource(sharp: SharpFn, apng: Apng, maxFrames: number, toModel: (img: SharpPipeline) => Promise<Uint8Array>, seconds: () => number, check: () => void): Source {
  const { width, height } = apng
  if (width * height > MAX_PIXELS) throw new Error('Input image exceeds pixel limit')
  const scale = Math.min(1, Math.sqrt(WORK_PIXELS / (width * height)))
  const cw = Math.max(1, Math.round(width * scale))
  const ch = Math.max(1, Math.round(height * scale))
  // The hidden default image takes one of the samples: a viewer that does not animate shows it.
  const wanted = pickFrames(
    apng.frames.map(f => f.delayMs),
    Math.max(1, maxFrames - (apng.hiddenDefault ? 1 : 0)),
  )
  const decode = (png: Uint8Array, w: number, h: number) =>
    sharp(png, { limitInputPixels: MAX_PIXELS })
      .timeout({ seconds: seconds() })
      .toColourspace('srgb')
      .ensureAlpha()
      .resize(w, h, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer()
  return {
    frames: apng.frames.length,
    samples: (async function* () {
      for await (const { frame, rgba } of renderApng(apng, wanted, cw, ch, decode, check)) {
        yield { frame, rgb: await toModel(sharp(rgba, { raw: { width: cw, height: ch, channels: 4 } })) }
      }
      if (apng.hiddenDefault && maxFrames > 1) {
        check()
        yield { frame: DEFAULT_IMAGE, rgb: await toModel(sharp(stillPng(apng, width, height, apng.defaultData), { limitInputPixels: MAX_PIXELS })) }
      }
    })(),
  }
}
