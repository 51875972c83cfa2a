// Reads an image's pixel size from its header, without decoding it, so clients can reserve the
// photo's box before it loads (the chat then keeps following the conversation). Covers the
// allow-listed types: PNG/APNG (IHDR), GIF (logical screen), WebP (VP8, VP8L, VP8X) and JPEG
// (the first SOFn frame header; EXIF orientation 5–8 swaps the sides, as browsers display it).
// Anything unreadable gives null: the client then falls back to an unreserved box.
import type { ReadAt } from './audio-probe'

export interface ImageSize {
  width: number
  height: number
}

/** Sides beyond this are not believed (a forged header must not make clients reserve a huge box). */
const MAX_SIDE = 65_535
/** How far into a JPEG we look for the frame header (EXIF thumbnails can come first). */
const JPEG_SCAN_BYTES = 256 * 1024

export async function imageSize(mime: string, read: ReadAt, size: number): Promise<ImageSize | null> {
  try {
    const s =
      mime === 'image/png' || mime === 'image/apng'
        ? await png(read)
        : mime === 'image/gif'
          ? await gif(read)
          : mime === 'image/webp'
            ? await webp(read)
            : mime === 'image/jpeg'
              ? await jpeg(read, size)
              : null
    if (!s || s.width < 1 || s.height < 1 || s.width > MAX_SIDE || s.height > MAX_SIDE) return null
    return s
  } catch {
    return null
  }
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)
const ascii = (b: Uint8Array, start: number, end: number) => String.fromCharCode(...b.subarray(start, end))

async function png(read: ReadAt): Promise<ImageSize | null> {
  const b = await read(0, 24)
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return null
  const v = view(b)
  return { width: v.getUint32(16), height: v.getUint32(20) }
}

async function gif(read: ReadAt): Promise<ImageSize | null> {
  const b = await read(0, 10)
  if (b.length < 10 || ascii(b, 0, 3) !== 'GIF') return null
  const v = view(b)
  return { width: v.getUint16(6, true), height: v.getUint16(8, true) }
}

async function webp(read: ReadAt): Promise<ImageSize | null> {
  const b = await read(0, 30)
  if (b.length < 30 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 12) !== 'WEBP') return null
  const v = view(b)
  const chunk = ascii(b, 12, 16)
  if (chunk === 'VP8X') {
    // 24-bit canvas width-1 and height-1.
    const w = 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16))
    const h = 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16))
    return { width: w, height: h }
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null
    const bits = v.getUint32(21, true)
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) }
  }
  if (chunk === 'VP8 ') {
    // Keyframe start code 9d 01 2a, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff }
  }
  return null
}

async function jpeg(read: ReadAt, size: number): Promise<ImageSize | null> {
  const b = await read(0, Math.min(size, JPEG_SCAN_BYTES))
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null
  const v = view(b)
  let orientation = 1
  let i = 2
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2 // markers without a length
      continue
    }
    const len = v.getUint16(i + 2)
    if (len < 2) return null
    if (marker === 0xe1 && i + 4 + len - 2 <= b.length) orientation = exifOrientation(b.subarray(i + 4, i + 2 + len)) ?? orientation
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) return null
      const height = v.getUint16(i + 5)
      const width = v.getUint16(i + 7)
      return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height }
    }
    if (marker === 0xda) return null // start of scan before any frame header
    i += 2 + len
  }
  return null
}

/** The EXIF Orientation tag (0x0112) from an APP1 payload, if there is one. */
function exifOrientation(p: Uint8Array): number | null {
  if (p.length < 14 || ascii(p, 0, 6) !== 'Exif\0\0') return null
  const t = p.subarray(6)
  const v = view(t)
  const le = ascii(t, 0, 2) === 'II'
  if (!le && ascii(t, 0, 2) !== 'MM') return null
  const ifd = v.getUint32(4, le)
  if (ifd + 2 > t.length) return null
  const count = v.getUint16(ifd, le)
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + k * 12
    if (e + 12 > t.length) return null
    if (v.getUint16(e, le) === 0x0112) return v.getUint16(e + 8, le)
  }
  return null
}
