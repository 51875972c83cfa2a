// Small but real media files built byte by byte, so tests upload what browsers and recorders
// produce (a valid PNG, a WebM/Opus stream like Chrome's MediaRecorder writes, Ogg/Opus, an M4A
// and a fragmented MP4 like Safari's, an MP3 frame, a PDF) without binary fixtures in the repo.
import { deflateSync } from 'node:zlib'

const enc = new TextEncoder()
/** Plain Uint8Arrays over ArrayBuffers (not Buffers), as a browser's Blob bytes would be. */
type Bytes = Uint8Array<ArrayBuffer>
const concat = (...parts: Array<Uint8Array | number[] | string>): Bytes =>
  new Uint8Array(Buffer.concat(parts.map(p => (typeof p === 'string' ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)))))
const u16be = (n: number) => [(n >>> 8) & 0xff, n & 0xff]
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const u64be = (n: number) => [...u32be(Math.floor(n / 2 ** 32)), ...u32be(n >>> 0)]

// ---------- PNG ----------

function pngChunk(type: string, data: Uint8Array): Bytes {
  const body = concat(type, data)
  return concat(u32be(data.length), body, u32be(Bun.hash.crc32(body)))
}

/** A w×h RGBA PNG with a gradient (valid: checksums, zlib stream, IEND). */
export function png(w = 2, h = 2, noise = false): Bytes {
  const rows = new Uint8Array(h * (1 + 4 * w))
  for (let y = 0, i = 0; y < h; y++) {
    rows[i++] = 0
    for (let x = 0; x < w; x++, i += 4) rows.set([(x * 255) / w, (y * 255) / h, 128, 255], i)
  }
  // Noise does not compress: the file is then about w × h × 4 bytes, like a photo of that size.
  if (noise) for (let i = 0; i < rows.length; i += 65_536) crypto.getRandomValues(rows.subarray(i, Math.min(i + 65_536, rows.length)))
  for (let y = 0; y < h; y++) rows[y * (1 + 4 * w)] = 0
  const ihdr = concat(u32be(w), u32be(h), [8, 6, 0, 0, 0])
  return concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', new Uint8Array()))
}

// ---------- PDF ----------

export function pdf(text = 'hello'): Bytes {
  const stream = `BT /F1 12 Tf 20 40 Td (${text}) Tj ET`
  return enc.encode(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 80]/Contents 4 0 R>>endobj\n` +
      `4 0 obj<</Length ${stream.length}>>stream\n${stream}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  )
}

// ---------- WebM (EBML) ----------

function vsize(n: number): number[] {
  if (n < 0x7f) return [0x80 | n]
  if (n < 0x3fff) return [0x40 | (n >> 8), n & 0xff]
  if (n < 0x1fffffff) return [0x10 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
  throw new Error('element too large for this test writer')
}
const UNKNOWN_SIZE = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
const el = (id: number[], ...payload: Array<Uint8Array | number[] | string>) => {
  const body = concat(...payload)
  return concat(id, vsize(body.length), body)
}

export interface WebmOptions {
  seconds?: number
  /** Write Info/Duration (ffmpeg does; Chrome's MediaRecorder does not). */
  withDuration?: boolean
  /** Add a video track. */
  video?: boolean
  /** Total size to pad to with audio data (approximately). */
  bytes?: number
}

/** A WebM/Opus stream shaped like Chrome's MediaRecorder output: unknown-size segment and clusters, one per second. */
export function webm(o: WebmOptions = {}): Bytes {
  const seconds = o.seconds ?? 2
  const header = el(
    [0x1a, 0x45, 0xdf, 0xa3],
    el([0x42, 0x86], [1]),
    el([0x42, 0xf7], [1]),
    el([0x42, 0xf2], [4]),
    el([0x42, 0xf3], [8]),
    el([0x42, 0x82], 'webm'),
    el([0x42, 0x87], [4]),
    el([0x42, 0x85], [2]),
  )
  const durationEl = o.withDuration ? [el([0x44, 0x89], new Uint8Array(new Float64Array([seconds * 1000]).buffer).reverse())] : []
  const info = el([0x15, 0x49, 0xa9, 0x66], el([0x2a, 0xd7, 0xb1], [0x0f, 0x42, 0x40]), el([0x4d, 0x80], 'leetChat-test'), ...durationEl)
  const audio = el(
    [0xae],
    el([0xd7], [1]),
    el([0x83], [2]),
    el([0x86], 'A_OPUS'),
    el([0xe1], el([0xb5], new Uint8Array(new Float64Array([48000]).buffer).reverse()), el([0x9f], [1])),
  )
  const videoTrack = o.video ? [el([0xae], el([0xd7], [2]), el([0x83], [1]), el([0x86], 'V_VP8'))] : []
  const tracks = el([0x16, 0x54, 0xae, 0x6b], audio, ...videoTrack)
  const fixed = header.length + 12 + info.length + tracks.length
  const perSecond = Math.max(10, Math.floor(((o.bytes ?? 0) - fixed) / Math.max(1, seconds) / 50) - 12)
  const clusters: Uint8Array[] = []
  for (let s = 0; s < seconds; s++) {
    const blocks: Uint8Array[] = []
    // 50 Opus frames of 20 ms a second, like a recorder writes.
    for (let f = 0; f < 50; f++) blocks.push(el([0xa3], [0x81], u16be(f * 20), [0x80], new Uint8Array(perSecond).fill(0xfc ^ f)))
    clusters.push(concat([0x1f, 0x43, 0xb6, 0x75], UNKNOWN_SIZE, el([0xe7], u32be(s * 1000)), ...blocks))
  }
  return concat(header, [0x18, 0x53, 0x80, 0x67], UNKNOWN_SIZE, info, tracks, ...clusters)
}

// ---------- Ogg/Opus ----------

const OGG_CRC = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let r = i << 24
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1
    t[i] = r >>> 0
  }
  return t
})()

function oggPage(headerType: number, granule: bigint, seq: number, packet: Uint8Array): Bytes {
  const segments: number[] = []
  let n = packet.length
  while (n >= 255) {
    segments.push(255)
    n -= 255
  }
  segments.push(n)
  const page = new Uint8Array(27 + segments.length + packet.length)
  const v = new DataView(page.buffer)
  page.set(enc.encode('OggS'), 0)
  page[5] = headerType
  v.setBigInt64(6, granule, true)
  v.setUint32(14, 0x1ea7c4a7, true)
  v.setUint32(18, seq, true)
  page[26] = segments.length
  page.set(segments, 27)
  page.set(packet, 27 + segments.length)
  let crc = 0
  for (const b of page) crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ b) & 0xff]!) >>> 0
  v.setUint32(22, crc, true)
  return page
}

/** An Ogg/Opus file (OpusHead, OpusTags, then audio pages) whose last granule says `seconds`. */
export function oggOpus(seconds = 2, bytesPerSecond = 200): Bytes {
  const preSkip = 312
  const head = concat('OpusHead', [1, 1], [preSkip & 0xff, preSkip >> 8], [0x80, 0xbb, 0, 0], [0, 0], [0])
  const tags = concat('OpusTags', [13, 0, 0, 0], 'leetChat-test', [0, 0, 0, 0])
  const pages = [oggPage(2, 0n, 0, head), oggPage(0, 0n, 1, tags)]
  for (let s = 1; s <= seconds; s++) pages.push(oggPage(s === seconds ? 4 : 0, BigInt(s * 48000 + preSkip), s + 1, new Uint8Array(bytesPerSecond).fill(s)))
  return concat(...pages)
}

// ---------- MP4 / M4A ----------

const box = (type: string, ...payload: Array<Uint8Array | number[] | string>) => {
  const body = concat(...payload)
  return concat(u32be(8 + body.length), type, body)
}
const full = (type: string, version: number, flags: number, ...payload: Array<Uint8Array | number[] | string>) =>
  box(type, [version, (flags >> 16) & 0xff, (flags >> 8) & 0xff, flags & 0xff], ...payload)
const mvhd = (timescale: number, duration: number) =>
  full('mvhd', 0, 0, u32be(0), u32be(0), u32be(timescale), u32be(duration), u32be(0x00010000), u16be(0x0100), new Uint8Array(10), new Uint8Array(36), new Uint8Array(24), u32be(2))
const mdhd = (timescale: number, duration: number) => full('mdhd', 0, 0, u32be(0), u32be(0), u32be(timescale), u32be(duration), u16be(0x55c4), u16be(0))
const hdlr = (handler: 'soun' | 'vide') => full('hdlr', 0, 0, u32be(0), handler, new Uint8Array(12), 'handler\0')
const trak = (handler: 'soun' | 'vide', timescale: number, duration: number) => box('trak', box('mdia', mdhd(timescale, duration), hdlr(handler)))

/** A progressive M4A (brand M4A, moov before mdat) with mvhd giving the duration. */
export function m4a(o: { seconds?: number; video?: boolean } = {}): Bytes {
  const seconds = o.seconds ?? 2
  const ftyp = box('ftyp', 'M4A ', u32be(0), 'M4A isommp42')
  const moov = box('moov', mvhd(1000, seconds * 1000), trak('soun', 48000, seconds * 48000), ...(o.video ? [trak('vide', 90000, seconds * 90000)] : []))
  return concat(ftyp, moov, box('mdat', new Uint8Array(400).fill(0x21)))
}

/** A fragmented MP4 like Safari's MediaRecorder writes: empty durations in moov, one fragment per second. */
export function fragmentedMp4(seconds = 2): Bytes {
  const ftyp = box('ftyp', 'iso5', u32be(512), 'iso5iso6mp41')
  const moov = box('moov', mvhd(1000, 0), trak('soun', 48000, 0), box('mvex', full('trex', 0, 0, u32be(1), u32be(1), u32be(1024), u32be(0), u32be(0))))
  const frags: Uint8Array[] = []
  const perSecond = 47 // AAC frames of 1024 samples at 48 kHz
  for (let s = 0; s < seconds; s++) {
    const samples = []
    for (let i = 0; i < perSecond; i++) samples.push(...u32be(1024), ...u32be(10))
    const traf = box('traf', full('tfhd', 0, 0x020000, u32be(1)), full('tfdt', 1, 0, u64be(s * perSecond * 1024)), full('trun', 0, 0x000301, u32be(perSecond), u32be(0), samples))
    frags.push(box('moof', full('mfhd', 0, 0, u32be(s + 1)), traf), box('mdat', new Uint8Array(perSecond * 10).fill(0x21)))
  }
  return concat(ftyp, moov, ...frags)
}

// ---------- MP3 ----------

/** A few MPEG-1 Layer III frames (128 kb/s, 44.1 kHz) behind an ID3v2 tag. */
export function mp3(frames = 4): Bytes {
  const id3 = concat('ID3', [3, 0, 0], [0, 0, 0, 0])
  const frame = concat([0xff, 0xfb, 0x90, 0x64], new Uint8Array(417 - 4))
  return concat(id3, ...Array.from({ length: frames }, () => frame))
}

// ---------- things that must be refused ----------

export const html = () => enc.encode('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>')
export const svg = () => enc.encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>')
export const bareSvg = () => enc.encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>')
export const text = (s = 'hello stranger, héllo ünïcode ✓\n') => enc.encode(s)
