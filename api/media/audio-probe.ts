// Reads just enough of an audio container to learn its duration and whether it hides a video
// track, without decoding anything: a few header reads per file.
//   Ogg:  the last page's granule position (Opus always counts 48 kHz samples).
//   MP4:  mvhd duration, or for fragmented files (Safari's MediaRecorder) the end of the last
//         fragment (tfdt + trun sample durations); hdlr 'vide' marks video.
//   WebM: Info/Duration when present; Chrome's MediaRecorder writes none, so the last cluster's
//         timecode plus its last block's offset (a lower bound, good enough to enforce a limit).
// Anything unreadable gives `seconds: null`: the size cap then bounds the length.
import type { AudioContainer } from './allowlist'

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>

export interface AudioProbe {
  seconds: number | null
  video: boolean
}

const NONE: AudioProbe = { seconds: null, video: false }

export async function probeAudio(container: AudioContainer, read: ReadAt, size: number): Promise<AudioProbe> {
  try {
    if (container === 'ogg') return await probeOgg(read, size)
    if (container === 'mp4') return await probeMp4(read, size)
    if (container === 'webm') return await probeWebm(read, size)
  } catch {
    // A malformed file is judged by its sniffed type and the size cap alone.
  }
  return NONE
}

const ascii = (b: Uint8Array, start: number, end: number) => String.fromCharCode(...b.subarray(start, end))
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)

// ---------- Ogg ----------

async function probeOgg(read: ReadAt, size: number): Promise<AudioProbe> {
  const head = await read(0, Math.min(size, 512))
  if (head.length < 28 || ascii(head, 0, 4) !== 'OggS') return NONE
  const payload = 27 + head[26]!
  const v = view(head)
  let rate: number
  let preSkip = 0
  if (ascii(head, payload, payload + 8) === 'OpusHead' && head.length >= payload + 12) {
    rate = 48_000
    preSkip = v.getUint16(payload + 10, true)
  } else if (head[payload] === 1 && ascii(head, payload + 1, payload + 7) === 'vorbis' && head.length >= payload + 16) {
    rate = v.getUint32(payload + 12, true)
  } else {
    return NONE
  }
  if (!rate) return NONE
  const tailStart = Math.max(0, size - 65_536)
  const tail = await read(tailStart, size - tailStart)
  const tv = view(tail)
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] !== 0x4f || ascii(tail, i, i + 4) !== 'OggS' || tail[i + 4] !== 0) continue
    const granule = tv.getBigInt64(i + 6, true)
    // -1: no packet ends on this page; look further back.
    if (granule < 0n) continue
    return { seconds: Math.max(0, Number(granule) - preSkip) / rate, video: false }
  }
  return NONE
}

// ---------- MP4 (ISO BMFF) ----------

const MP4_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'mvex', 'moof', 'traf'])

async function probeMp4(read: ReadAt, size: number): Promise<AudioProbe> {
  let video = false
  let movieSeconds: number | null = null
  let trackTimescale = 0
  let trexDuration = 0
  let fragmentsEnd = 0
  let boxes = 0
  // Per-traf state: fragments list tfhd, tfdt, trun in that order.
  let tfhdDuration = 0
  let tfdt = 0

  const timing = (b: Uint8Array) => {
    const d = view(b)
    return b[0] === 1 ? { timescale: d.getUint32(20), duration: Number(d.getBigUint64(24)) } : { timescale: d.getUint32(12), duration: d.getUint32(16) }
  }

  async function walk(start: number, end: number, depth: number): Promise<void> {
    let pos = start
    while (pos + 8 <= end && boxes++ < 5000) {
      const h = await read(pos, 16)
      if (h.length < 8) return
      const hv = view(h)
      let boxSize = hv.getUint32(0)
      const type = ascii(h, 4, 8)
      let hdr = 8
      if (boxSize === 1) {
        if (h.length < 16) return
        boxSize = Number(hv.getBigUint64(8))
        hdr = 16
      } else if (boxSize === 0) {
        boxSize = end - pos
      }
      if (boxSize < hdr) return
      const body = pos + hdr
      const bodyLen = Math.min(boxSize, end - pos) - hdr
      if (MP4_CONTAINERS.has(type) && depth < 6) {
        if (type === 'traf') tfhdDuration = tfdt = 0
        await walk(body, pos + Math.min(boxSize, end - pos), depth + 1)
      } else if (type === 'mvhd' || type === 'mdhd') {
        const t = timing(await read(body, 32))
        if (type === 'mvhd' && t.timescale && t.duration && t.duration !== 0xffffffff) movieSeconds = t.duration / t.timescale
        if (type === 'mdhd' && !trackTimescale) trackTimescale = t.timescale
      } else if (type === 'hdlr') {
        if (ascii(await read(body, 12), 8, 12) === 'vide') video = true
      } else if (type === 'trex') {
        trexDuration = view(await read(body, 16)).getUint32(12)
      } else if (type === 'tfhd') {
        const b = await read(body, 32)
        const flags = view(b).getUint32(0) & 0xffffff
        const off = 8 + (flags & 0x01 ? 8 : 0) + (flags & 0x02 ? 4 : 0)
        if (flags & 0x08) tfhdDuration = view(b).getUint32(off)
      } else if (type === 'tfdt') {
        const b = await read(body, 12)
        tfdt = b[0] === 1 ? Number(view(b).getBigUint64(4)) : view(b).getUint32(4)
      } else if (type === 'trun') {
        fragmentsEnd = Math.max(fragmentsEnd, tfdt + (await trunDuration(body, bodyLen)))
      }
      pos += boxSize
    }
  }

  async function trunDuration(body: number, bodyLen: number): Promise<number> {
    const h = view(await read(body, 8))
    const flags = h.getUint32(0) & 0xffffff
    const count = h.getUint32(4)
    if (!(flags & 0x100)) return count * (tfhdDuration || trexDuration)
    const fixed = 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0)
    const stride = 4 * [0x100, 0x200, 0x400, 0x800].filter(f => flags & f).length
    if (fixed + count * stride > Math.min(bodyLen, 1 << 20)) return 0
    const b = view(await read(body + fixed, count * stride))
    let sum = 0
    for (let i = 0; i < count; i++) sum += b.getUint32(i * stride)
    return sum
  }

  await walk(0, size, 0)
  const fragmentSeconds = trackTimescale && fragmentsEnd ? fragmentsEnd / trackTimescale : null
  const seconds = movieSeconds === null ? fragmentSeconds : Math.max(movieSeconds, fragmentSeconds ?? 0)
  return { seconds, video }
}

// ---------- WebM (Matroska EBML) ----------

const EBML = 0x1a45dfa3
const SEGMENT = 0x18538067
const INFO = 0x1549a966
const TRACKS = 0x1654ae6b
const TRACK_ENTRY = 0xae
const TRACK_TYPE = 0x83
const TIMECODE_SCALE = 0x2ad7b1
const DURATION = 0x4489
const CLUSTER = 0x1f43b675
const TIMECODE = 0xe7
const SIMPLE_BLOCK = 0xa3
const BLOCK_GROUP = 0xa0
const BLOCK = 0xa1

interface Vint {
  value: number
  len: number
  /** a size of all ones: "unknown" (live streams write clusters and segments like this) */
  unknown: boolean
}

function vint(b: Uint8Array, pos: number, keepMarker: boolean): Vint | null {
  const first = b[pos]
  if (first === undefined || first === 0) return null
  let len = 1
  let mask = 0x80
  while (!(first & mask)) {
    mask >>= 1
    len++
  }
  if (pos + len > b.length) return null
  let value = keepMarker ? first : first & (mask - 1)
  let ones = (first & (mask - 1)) === mask - 1
  for (let i = 1; i < len; i++) {
    value = value * 256 + b[pos + i]!
    if (b[pos + i] !== 0xff) ones = false
  }
  return { value, len, unknown: !keepMarker && ones }
}

interface Element {
  id: number
  dataStart: number
  size: number
  unknown: boolean
}

/** Reads the element header at `pos` of `b` (positions are relative to `b`). */
function element(b: Uint8Array, pos: number): Element | null {
  const id = vint(b, pos, true)
  if (!id) return null
  const size = vint(b, pos + id.len, false)
  if (!size) return null
  return { id: id.value, dataStart: pos + id.len + size.len, size: size.value, unknown: size.unknown }
}

function* children(b: Uint8Array, start: number, end: number): Generator<Element> {
  let pos = start
  while (pos < end) {
    const el = element(b, pos)
    if (!el || el.unknown || el.dataStart + el.size > end) return
    yield el
    pos = el.dataStart + el.size
  }
}

function uint(b: Uint8Array, el: Element): number {
  let v = 0
  for (let i = 0; i < el.size; i++) v = v * 256 + b[el.dataStart + i]!
  return v
}

async function probeWebm(read: ReadAt, size: number): Promise<AudioProbe> {
  const at = async (pos: number) => element(await read(pos, 16), 0)
  const header = await at(0)
  if (!header || header.id !== EBML) return NONE
  const segPos = header.dataStart + header.size
  const seg = await at(segPos)
  if (!seg || seg.id !== SEGMENT) return NONE
  const segStart = segPos + seg.dataStart
  const segEnd = seg.unknown ? size : Math.min(size, segStart + seg.size)

  let scale = 1_000_000
  let duration: number | null = null
  let video = false
  let pos = segStart
  // Info and Tracks come before the first cluster.
  for (let i = 0; i < 64 && pos < segEnd; i++) {
    const el = await at(pos)
    if (!el || el.unknown || el.id === CLUSTER) break
    const start = pos + el.dataStart
    if ((el.id === INFO || el.id === TRACKS) && el.size <= 1 << 20) {
      const b = await read(start, el.size)
      for (const c of children(b, 0, b.length)) {
        if (c.id === TIMECODE_SCALE) scale = uint(b, c) || scale
        if (c.id === DURATION) duration = c.size === 4 ? view(b).getFloat32(c.dataStart) : c.size === 8 ? view(b).getFloat64(c.dataStart) : null
        if (c.id === TRACK_ENTRY) {
          for (const t of children(b, c.dataStart, c.dataStart + c.size)) if (t.id === TRACK_TYPE && uint(b, t) === 1) video = true
        }
      }
    }
    pos = start + el.size
  }
  const seconds = duration !== null && Number.isFinite(duration) && duration > 0 ? (duration * scale) / 1e9 : await lastClusterSeconds(read, size, scale)
  return { seconds, video }
}

/** Time of the last block in the file: the last cluster that parses, its timecode plus its blocks' offsets. */
async function lastClusterSeconds(read: ReadAt, size: number, scale: number): Promise<number | null> {
  const tailStart = Math.max(0, size - 262_144)
  const b = await read(tailStart, size - tailStart)
  for (let i = b.length - 6; i >= 0; i--) {
    if (b[i] !== 0x1f || b[i + 1] !== 0x43 || b[i + 2] !== 0xb6 || b[i + 3] !== 0x75) continue
    const cluster = element(b, i)
    if (!cluster || cluster.id !== CLUSTER) continue
    const end = cluster.unknown ? b.length : Math.min(b.length, cluster.dataStart + cluster.size)
    let timecode: number | null = null
    let last = 0
    for (const c of children(b, cluster.dataStart, end)) {
      if (c.id === TIMECODE) timecode = uint(b, c)
      const block = c.id === SIMPLE_BLOCK ? c : c.id === BLOCK_GROUP ? [...children(b, c.dataStart, c.dataStart + c.size)].find(x => x.id === BLOCK) : undefined
      if (block) {
        const track = vint(b, block.dataStart, false)
        if (track && block.size >= track.len + 2) last = Math.max(last, view(b).getInt16(block.dataStart + track.len))
      }
    }
    // A match inside audio data will not start with a Timecode child: keep looking.
    if (timecode === null) continue
    return ((timecode + last) * scale) / 1e9
  }
  return null
}
