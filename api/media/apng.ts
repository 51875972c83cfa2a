// Animated PNG, read as a browser plays it. libvips decodes only a PNG's default image (the IDAT
// data), and an APNG's default image need not be part of the animation at all: when the first
// fcTL comes after IDAT, browsers never show it and play only the fdAT frames. So the screen
// cuts each frame out into a PNG of its own (IHDR with the frame's size, the shared chunks, its
// data as IDAT), decodes that with sharp, and composes the frames on a canvas the way the
// APNG spec says (blend over or replace; dispose to nothing, to transparent or to the previous).
//
// A file whose animation chunks do not add up is refused (ApngError): the screen then blurs it
// as unscreened, whatever its default image shows.

export class ApngError extends Error {}

export interface ApngFrame {
  x: number
  y: number
  width: number
  height: number
  /** How long a browser shows the frame (delay_num / delay_den seconds). */
  delayMs: number
  /** 0 none, 1 background (clear to transparent), 2 previous (restore what was there). */
  dispose: 0 | 1 | 2
  /** 0 source (replace the region), 1 over (alpha-composite onto it). */
  blend: 0 | 1
  /** The frame's zlib stream, in pieces (IDAT or fdAT payloads without their sequence number). */
  data: Uint8Array[]
}

export interface Apng {
  width: number
  height: number
  frames: ApngFrame[]
  /** The default image is not frame 0: only a viewer that does not animate APNG shows it. */
  hiddenDefault: boolean
  /** The default image's data, when hidden (it is screened too: some viewers show only it). */
  defaultData: Uint8Array[]
  /** IHDR's payload (13 bytes). */
  ihdr: Uint8Array
  /** Whole chunks (length, type, data, CRC) every frame's PNG needs: PLTE, tRNS, gAMA, iCCP… */
  shared: Uint8Array[]
}

const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10)
// Chunks that describe the pixels and so belong in every frame's PNG. The rest (text, time,
// the animation chunks themselves) do not change what a frame looks like.
const SHARED = new Set(['PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'cICP', 'mDCV', 'cLLI'])

export const isPng = (b: Uint8Array) => b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v)

/**
 * The animation of a PNG, or null for a still PNG (no acTL before the image data, as browsers
 * read it: an acTL after IDAT is ignored). Throws ApngError for a broken animation.
 */
export function parseApng(b: Uint8Array): Apng | null {
  if (!isPng(b)) throw new ApngError('not a PNG')
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let ihdr: Uint8Array | null = null
  let animated = false
  let declared = 0
  let seenIdat = false
  const shared: Uint8Array[] = []
  const frames: ApngFrame[] = []
  const defaultData: Uint8Array[] = []
  let current: ApngFrame | null = null
  let idatIsFrame0 = false
  let nextSeq = 0
  for (let p = 8; ;) {
    if (p + 12 > b.length) throw new ApngError('truncated chunk')
    const len = view.getUint32(p)
    const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!)
    const start = p + 8
    const end = start + len
    if (len > 0x7fffffff || end + 4 > b.length) throw new ApngError(`${type} runs past the end of the file`)
    const data = b.subarray(start, end)
    if (type === 'IEND') break
    if (type === 'IHDR') {
      if (len !== 13) throw new ApngError('bad IHDR')
      ihdr = data
    } else if (type === 'acTL' && !seenIdat) {
      if (len !== 8) throw new ApngError('bad acTL')
      animated = true
      declared = view.getUint32(start)
    } else if (type === 'IDAT') {
      if (!seenIdat) {
        seenIdat = true
        // An fcTL before the first IDAT makes the default image frame 0 of the animation.
        idatIsFrame0 = current !== null
      }
      ;(idatIsFrame0 ? current!.data : defaultData).push(data)
    } else if (animated && type === 'fcTL') {
      if (len !== 26) throw new ApngError('bad fcTL')
      if (view.getUint32(start) !== nextSeq++) throw new ApngError('APNG chunks out of sequence')
      const [w, h, x, y] = [view.getUint32(start + 4), view.getUint32(start + 8), view.getUint32(start + 12), view.getUint32(start + 16)]
      const num = view.getUint16(start + 20)
      const den = view.getUint16(start + 22) || 100
      const dispose = b[start + 24]!
      const blend = b[start + 25]!
      if (dispose > 2 || blend > 1) throw new ApngError('bad fcTL dispose or blend')
      current = { x, y, width: w, height: h, delayMs: (num * 1000) / den, dispose: dispose as 0 | 1 | 2, blend: blend as 0 | 1, data: [] }
      frames.push(current)
    } else if (animated && type === 'fdAT') {
      if (len < 4) throw new ApngError('bad fdAT')
      if (view.getUint32(start) !== nextSeq++) throw new ApngError('APNG chunks out of sequence')
      if (!seenIdat || !current || (idatIsFrame0 && current === frames[0])) throw new ApngError('fdAT without its fcTL')
      current.data.push(data.subarray(4))
    } else if (!seenIdat && SHARED.has(type)) {
      shared.push(b.subarray(p, end + 4))
    }
    p = end + 4
  }
  if (!ihdr) throw new ApngError('no IHDR')
  if (!animated) return null
  const width = view.getUint32(ihdr.byteOffset - b.byteOffset)
  const height = view.getUint32(ihdr.byteOffset - b.byteOffset + 4)
  if (frames.length === 0 || frames.length !== declared) throw new ApngError(`acTL declares ${declared} frames, the file has ${frames.length}`)
  for (const [i, f] of frames.entries()) {
    if (f.width === 0 || f.height === 0 || f.x + f.width > width || f.y + f.height > height) throw new ApngError(`frame ${i} lies outside the canvas`)
    if (f.data.length === 0) throw new ApngError(`frame ${i} has no data`)
  }
  const f0 = frames[0]!
  if (idatIsFrame0 && (f0.x !== 0 || f0.y !== 0 || f0.width !== width || f0.height !== height)) throw new ApngError('frame 0 must fill the canvas')
  return { width, height, frames, hiddenDefault: !idatIsFrame0, defaultData, ihdr, shared }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  v.setUint32(8 + data.length, Bun.hash.crc32(out.subarray(4, 8 + data.length)))
  return out
}

/** A standalone PNG of `data` at `width`×`height`, with the file's colour type, palette, gamma… */
export function stillPng(apng: Apng, width: number, height: number, data: readonly Uint8Array[]): Uint8Array {
  const ihdr = new Uint8Array(apng.ihdr)
  const v = new DataView(ihdr.buffer)
  v.setUint32(0, width)
  v.setUint32(4, height)
  const parts = [SIGNATURE, chunk('IHDR', ihdr), ...apng.shared, ...data.map(d => chunk('IDAT', d)), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Frames whose drawing does not depend on what came before (they replace the whole canvas):
 * rendering frame k may start from the last of these at or before k.
 */
export function resetPoints(apng: Apng): boolean[] {
  return apng.frames.map((f, i) => i === 0 || (f.blend === 0 && f.x === 0 && f.y === 0 && f.width === apng.width && f.height === apng.height))
}

/** Decodes one frame's PNG into RGBA pixels of exactly `w`×`h` (the frame scaled to the canvas). */
export type DecodeRgba = (png: Uint8Array, w: number, h: number) => Promise<Uint8Array>

/**
 * Renders the frames numbered in `wanted` (ascending) on a canvas of `cw`×`ch` (the APNG's canvas
 * scaled, so a large one costs no more than a small one), yielding each as RGBA. `beforeFrame`
 * runs before each frame is drawn and may throw to stop (a deadline).
 */
export async function* renderApng(
  apng: Apng,
  wanted: readonly number[],
  cw: number,
  ch: number,
  decode: DecodeRgba,
  beforeFrame: () => void = () => {},
): AsyncGenerator<{ frame: number; rgba: Uint8Array }> {
  const sx = cw / apng.width
  const sy = ch / apng.height
  const canvas = new Uint8Array(cw * ch * 4)
  const resets = resetPoints(apng)
  let i = 0
  for (const k of wanted) {
    let r = k
    while (!resets[r]) r--
    if (r > i) i = r
    for (; i <= k; i++) {
      beforeFrame()
      const f = apng.frames[i]!
      // The frame's rectangle on the scaled canvas, never empty.
      const x0 = Math.min(cw - 1, Math.floor(f.x * sx))
      const y0 = Math.min(ch - 1, Math.floor(f.y * sy))
      const x1 = Math.max(x0 + 1, Math.min(cw, Math.round((f.x + f.width) * sx)))
      const y1 = Math.max(y0 + 1, Math.min(ch, Math.round((f.y + f.height) * sy)))
      const w = x1 - x0
      const h = y1 - y0
      const src = await decode(stillPng(apng, f.width, f.height, f.data), w, h)
      // Disposal to "previous" restores what the region held before this frame (frame 0: clear).
      const saved = f.dispose === 2 && i > 0 ? copyRegion(canvas, cw, x0, y0, w, h) : null
      draw(canvas, cw, src, x0, y0, w, h, f.blend)
      if (i === k) yield { frame: k, rgba: canvas.slice() }
      if (f.dispose === 1 || (f.dispose === 2 && !saved)) clearRegion(canvas, cw, x0, y0, w, h)
      else if (saved) pasteRegion(canvas, cw, saved, x0, y0, w, h)
    }
  }
}

function draw(canvas: Uint8Array, cw: number, src: Uint8Array, x0: number, y0: number, w: number, h: number, blend: 0 | 1) {
  for (let y = 0; y < h; y++) {
    let s = y * w * 4
    let d = ((y0 + y) * cw + x0) * 4
    for (let x = 0; x < w; x++, s += 4, d += 4) {
      const sa = src[s + 3]!
      if (blend === 0 || sa === 255 || canvas[d + 3] === 0) {
        if (blend === 1 && sa === 0) continue
        canvas[d] = src[s]!
        canvas[d + 1] = src[s + 1]!
        canvas[d + 2] = src[s + 2]!
        canvas[d + 3] = sa
        continue
      }
      if (sa === 0) continue
      // Source over destination, straight (not premultiplied) alpha.
      const da = canvas[d + 3]!
      const a = sa + (da * (255 - sa)) / 255
      for (let c = 0; c < 3; c++) canvas[d + c] = Math.round((src[s + c]! * sa + (canvas[d + c]! * da * (255 - sa)) / 255) / a)
      canvas[d + 3] = Math.round(a)
    }
  }
}

function copyRegion(canvas: Uint8Array, cw: number, x0: number, y0: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4)
  for (let y = 0; y < h; y++) out.set(canvas.subarray(((y0 + y) * cw + x0) * 4, ((y0 + y) * cw + x0 + w) * 4), y * w * 4)
  return out
}

function pasteRegion(canvas: Uint8Array, cw: number, saved: Uint8Array, x0: number, y0: number, w: number, h: number) {
  for (let y = 0; y < h; y++) canvas.set(saved.subarray(y * w * 4, (y + 1) * w * 4), ((y0 + y) * cw + x0) * 4)
}

function clearRegion(canvas: Uint8Array, cw: number, x0: number, y0: number, w: number, h: number) {
  for (let y = 0; y < h; y++) canvas.fill(0, ((y0 + y) * cw + x0) * 4, ((y0 + y) * cw + x0 + w) * 4)
}
