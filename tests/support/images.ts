// Ordinary photos, made here with sharp (no files downloaded, none checked in): what people
// really send in a chat — a landscape, a sunset, a room, a scan of a page — in each allowed format.
import sharp from 'sharp'

type Bytes = Uint8Array<ArrayBuffer>
const bytes = (b: Buffer): Bytes => new Uint8Array(b)

/** RGB pixels of a landscape: sky gradient, a sun, rolling green hills, grainy like a phone photo. */
export function landscapePixels(w: number, h: number, seed = 1): Buffer {
  const px = Buffer.alloc(w * h * 3)
  let s = seed >>> 0 || 1
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1
  const sunX = w * (0.2 + (0.6 * ((seed * 37) % 100)) / 100)
  const sunY = h * 0.25
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3
      const ridge = h * (0.55 + 0.08 * Math.sin(x / (w / 5) + seed) + 0.04 * Math.sin(x / (w / 17)))
      let r: number, g: number, b: number
      if (y < ridge) {
        const t = y / ridge
        r = 90 + 100 * t
        g = 150 + 70 * t
        b = 235 - 20 * t
        const d = Math.hypot(x - sunX, y - sunY)
        if (d < h * 0.06) [r, g, b] = [255, 240, 200]
      } else {
        const t = (y - ridge) / (h - ridge)
        r = 60 - 30 * t
        g = 130 - 50 * t + 20 * Math.sin(x / 9 + y / 13)
        b = 50 - 20 * t
      }
      const n = rnd() * 12
      px[i] = Math.max(0, Math.min(255, r + n))
      px[i + 1] = Math.max(0, Math.min(255, g + n))
      px[i + 2] = Math.max(0, Math.min(255, b + n))
    }
  }
  return px
}

/** A page of "text": dark lines on off-white, like a photographed document. */
export function documentPixels(w: number, h: number): Buffer {
  const px = Buffer.alloc(w * h * 3, 244)
  for (let y = Math.floor(h * 0.1); y < h * 0.9; y += 18) {
    for (let yy = y; yy < y + 7 && yy < h; yy++) {
      for (let x = Math.floor(w * 0.1); x < w * (0.75 + 0.15 * Math.sin(y)); x++) {
        if ((x >> 3) % 5 === 4) continue // spaces between words
        const i = (yy * w + x) * 3
        px[i] = px[i + 1] = px[i + 2] = 40
      }
    }
  }
  return px
}

const raw = (px: Buffer, w: number, h: number) => sharp(px, { raw: { width: w, height: h, channels: 3 } })

export async function landscapeJpeg(w = 1024, h = 768, seed = 1): Promise<Bytes> {
  return bytes(
    await raw(landscapePixels(w, h, seed), w, h)
      .jpeg({ quality: 85 })
      .toBuffer(),
  )
}
/** RGB pixels as a PNG, exactly. */
export async function pngOf(px: Buffer, w: number, h: number): Promise<Bytes> {
  return bytes(await raw(px, w, h).png().toBuffer())
}
export async function landscapePng(w = 640, h = 480, seed = 2): Promise<Bytes> {
  return bytes(
    await raw(landscapePixels(w, h, seed), w, h)
      .png()
      .toBuffer(),
  )
}
export async function landscapeWebp(w = 800, h = 600, seed = 3): Promise<Bytes> {
  return bytes(
    await raw(landscapePixels(w, h, seed), w, h)
      .webp({ quality: 80 })
      .toBuffer(),
  )
}
export async function documentGif(w = 600, h = 800): Promise<Bytes> {
  return bytes(await raw(documentPixels(w, h), w, h).gif().toBuffer())
}
