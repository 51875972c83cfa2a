// Animated images made in the test: GIF and WebP from raw frames with sharp, APNG assembled by
// hand (sharp cannot write one: each frame is a PNG from sharp whose IDAT data becomes fdAT), and
// a GIF of tens of thousands of one-pixel frames written byte by byte.
//
// "Explicit" content is never shipped: the stand-in classifier (screen-workers/colour.ts) scores
// a frame by how much of it is pure red, so RED is the marker and a landscape is harmless.
import sharp from 'sharp'
import { landscapePixels } from './images'

type Bytes = Uint8Array<ArrayBuffer>
export type Rgb = [number, number, number]

export const RED: Rgb = [255, 0, 0]

/** RGB pixels of one colour. */
export function solid(w: number, h: number, [r, g, b]: Rgb): Buffer {
  const px = Buffer.alloc(w * h * 3)
  for (let i = 0; i < w * h; i++) {
    px[i * 3] = r
    px[i * 3 + 1] = g
    px[i * 3 + 2] = b
  }
  return px
}

/** A harmless frame: a landscape. */
export const harmless = (w: number, h: number, seed = 1) => landscapePixels(w, h, seed)
/** The marker the stand-in classifier scores as explicit. */
export const explicit = (w: number, h: number) => solid(w, h, RED)

/** RGB frames stacked as pages, as sharp reads and writes animations. */
function pages(frames: Buffer[], w: number, h: number) {
  return sharp(Buffer.concat(frames), { raw: { width: w, height: h * frames.length, channels: 3, pageHeight: h } as never })
}

export async function animatedGif(frames: Buffer[], w: number, h: number, delayMs = 100): Promise<Bytes> {
  return new Uint8Array(
    await pages(frames, w, h)
      .gif({ delay: frames.map(() => delayMs), loop: 0 })
      .toBuffer(),
  )
}

/** Lossless, so each frame decodes to exactly the pixels given (the real model's check needs it). */
export async function animatedWebp(frames: Buffer[], w: number, h: number, delayMs = 100): Promise<Bytes> {
  return new Uint8Array(
    await pages(frames, w, h)
      .webp({ lossless: true, delay: frames.map(() => delayMs), loop: 0 })
      .toBuffer(),
  )
}

export async function stillWebp(frame: Buffer, w: number, h: number): Promise<Bytes> {
  return new Uint8Array(
    await sharp(frame, { raw: { width: w, height: h, channels: 3 } })
      .webp({ lossless: true })
      .toBuffer(),
  )
}

// ---- APNG ----

export interface ApngFrameSpec {
  /** RGBA (4 channels) or RGB (3) pixels of width × height. */
  pixels: Buffer
  channels?: 3 | 4
  width: number
  height: number
  x?: number
  y?: number
  delayMs?: number
  dispose?: 0 | 1 | 2
  blend?: 0 | 1
}

export interface ApngSpec {
  width: number
  height: number
  frames: ApngFrameSpec[]
  /** A default image that is not part of the animation (browsers never show it). Absent: frame 0 is the default image. */
  hiddenDefault?: Buffer
  /** Overrides acTL's frame count (to make a broken file). */
  declaredFrames?: number
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

const u16be = (n: number) => Buffer.from([(n >> 8) & 255, n & 255])

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  return Buffer.concat([u32(data.length), body, u32(Bun.hash.crc32(body))])
}

/** The concatenated IDAT payloads of a PNG sharp wrote (always 8-bit RGBA here). */
async function idat(pixels: Buffer, w: number, h: number, channels: 3 | 4): Promise<Buffer> {
  const png = await sharp(pixels, { raw: { width: w, height: h, channels } })
    .ensureAlpha()
    .png({ compressionLevel: 6, palette: false })
    .toBuffer()
  const parts: Buffer[] = []
  for (let p = 8; p < png.length;) {
    const len = png.readUInt32BE(p)
    const type = png.toString('latin1', p + 4, p + 8)
    if (type === 'IDAT') parts.push(png.subarray(p + 8, p + 8 + len))
    p += 12 + len
  }
  return Buffer.concat(parts)
}

function ihdr(w: number, h: number) {
  // 8-bit RGBA, deflate, adaptive filtering, no interlace.
  return Buffer.concat([u32(w), u32(h), Buffer.from([8, 6, 0, 0, 0])])
}

export async function apng(spec: ApngSpec): Promise<Bytes> {
  let seq = 0
  const out: Buffer[] = [
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr(spec.width, spec.height)),
    chunk('acTL', Buffer.concat([u32(spec.declaredFrames ?? spec.frames.length), u32(0)])),
  ]
  const fctl = (f: ApngFrameSpec) =>
    chunk(
      'fcTL',
      Buffer.concat([u32(seq++), u32(f.width), u32(f.height), u32(f.x ?? 0), u32(f.y ?? 0), u16be(f.delayMs ?? 100), u16be(1000), Buffer.from([f.dispose ?? 0, f.blend ?? 0])]),
    )
  if (spec.hiddenDefault) out.push(chunk('IDAT', await idat(spec.hiddenDefault, spec.width, spec.height, 3)))
  for (const [i, f] of spec.frames.entries()) {
    const data = await idat(f.pixels, f.width, f.height, f.channels ?? 3)
    out.push(fctl(f))
    if (i === 0 && !spec.hiddenDefault) out.push(chunk('IDAT', data))
    else out.push(chunk('fdAT', Buffer.concat([u32(seq++), data])))
  }
  out.push(chunk('IEND', new Uint8Array(0)))
  return new Uint8Array(Buffer.concat(out))
}

/** Full-canvas frames, each replacing the last. */
export const apngOf = (frames: Buffer[], w: number, h: number, hiddenDefault?: Buffer) =>
  apng({ width: w, height: h, frames: frames.map(pixels => ({ pixels, width: w, height: h })), hiddenDefault })

// ---- A GIF of very many frames ----

/**
 * A `size`×`size` GIF of `n` one-pixel red frames, each left in place (disposal "none"), written
 * byte by byte: frame i paints pixel i mod size², so frame 0 is one red dot on transparent
 * (white, as shown) and from frame size² on the picture is all red. About 24 bytes a frame:
 * 40,000 frames fit in under 1 MB.
 */
export function manyFrameGif(n: number, size = 100, delayCs = 2): Bytes {
  const bytes: number[] = []
  const u16 = (v: number) => bytes.push(v & 255, v >> 8)
  bytes.push(...Buffer.from('GIF89a'))
  u16(size)
  u16(size)
  bytes.push(0xf1, 0, 0) // a global colour table of 4 entries
  bytes.push(255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 0, 0)
  bytes.push(0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0) // loop forever
  for (let i = 0; i < n; i++) {
    const at = i % (size * size)
    bytes.push(0x21, 0xf9, 4, 0x04, delayCs & 255, delayCs >> 8, 0, 0) // graphic control: keep the frame
    bytes.push(0x2c)
    u16(at % size)
    u16(Math.floor(at / size))
    u16(1)
    u16(1)
    bytes.push(0)
    bytes.push(2, 2, 0x44, 0x01, 0) // LZW, 2-bit codes: clear, colour 0 (red), end
  }
  bytes.push(0x3b)
  return new Uint8Array(bytes)
}
