// Draws the app icons (a white speech bubble with three "typing" dots on the brand gradient)
// and writes them as PNGs into pwa/public. Committed so the icons can be regenerated and
// changed without an image editor:  node_modules/.bin/bun pwa/scripts/icons.ts
import { deflateSync } from 'node:zlib'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OUT = join(import.meta.dir, '..', 'public')
const TOP = [99, 102, 241] // indigo-500
const BOTTOM = [124, 58, 237] // violet-600
const DOT = [79, 70, 229]

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
/** A minimal PNG encoder: 8-bit RGBA, no filtering, one IDAT. */
function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1)
  }
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array())])
}

// Shapes in unit coordinates (0..1), tested per sample point.
function inRoundRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}
function inTriangle(px: number, py: number, a: number[], b: number[], c: number[]): boolean {
  const s = (p: number[], q: number[]) => (px - q[0]!) * (p[1]! - q[1]!) - (p[0]! - q[0]!) * (py - q[1]!)
  const d1 = s(a, b),
    d2 = s(b, c),
    d3 = s(c, a)
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}

type Layer = 'none' | 'bg' | 'bubble' | 'dot'
/** What sits at (x, y): the foreground is scaled around the centre by `scale` (maskable safe zone). */
function sample(x: number, y: number, rounded: boolean, scale: number): Layer {
  const bg = rounded ? inRoundRect(x, y, 0, 0, 1, 1, 0.22) : true
  if (!bg) return 'none'
  const u = (x - 0.5) / scale + 0.5
  const v = (y - 0.5) / scale + 0.5
  const bubble = inRoundRect(u, v, 0.2, 0.24, 0.8, 0.7, 0.14) || inTriangle(u, v, [0.3, 0.62], [0.46, 0.66], [0.26, 0.82])
  if (!bubble) return 'bg'
  for (const cx of [0.36, 0.5, 0.64]) if ((u - cx) ** 2 + (v - 0.47) ** 2 <= 0.048 ** 2) return 'dot'
  return 'bubble'
}

function draw(size: number, rounded: boolean, scale: number): Uint8Array {
  const px = new Uint8Array(size * size * 4)
  const N = 4 // 4×4 supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    const t = y / (size - 1)
    const bgc = TOP.map((c, i) => c + (BOTTOM[i]! - c) * t)
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const layer = sample((x + (sx + 0.5) / N) / size, (y + (sy + 0.5) / N) / size, rounded, scale)
          if (layer === 'none') continue
          const c = layer === 'bg' ? bgc : layer === 'dot' ? DOT : [255, 255, 255]
          r += c[0]!
          g += c[1]!
          b += c[2]!
          a++
        }
      }
      const o = (y * size + x) * 4
      if (a) {
        px[o] = Math.round(r / a)
        px[o + 1] = Math.round(g / a)
        px[o + 2] = Math.round(b / a)
        px[o + 3] = Math.round((255 * a) / (N * N))
      }
    }
  }
  return px
}

const icons: Array<[string, number, boolean, number]> = [
  ['icon-192.png', 192, true, 1],
  ['icon-512.png', 512, true, 1],
  // Maskable: full-bleed background, artwork inside the central 80 % safe zone.
  ['maskable-512.png', 512, false, 0.8],
  // iOS rounds the corners itself and shows transparency as black.
  ['apple-touch-icon.png', 180, false, 0.9],
  ['favicon-48.png', 48, true, 1],
]
for (const [name, size, rounded, scale] of icons) {
  const png = encodePng(size, draw(size, rounded, scale))
  writeFileSync(join(OUT, name), png)
  console.log(`${name}: ${size}×${size}, ${png.length} bytes`)
}
