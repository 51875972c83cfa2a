// Which media types leetChat accepts, per kind, and what they are served as. Two checks use it:
// the ticket checks the MIME type the client declares; the upload checks what the bytes really are
// (sniffed magic bytes) against the ticket's kind. Nothing scriptable is ever on these lists: no
// SVG, HTML, XML, or archives that could carry macros; text is only served as text/plain.
import type { MediaKind } from '../chat/protocol'

export const MEDIA_KINDS = ['image', 'audio', 'file'] as const satisfies readonly MediaKind[]

/** Declared type → the codecs (from `;codecs=`) it may name; `null` means no codecs parameter is expected. */
const DECLARED: Record<MediaKind, Record<string, RegExp | null>> = {
  image: { 'image/jpeg': null, 'image/png': null, 'image/webp': null, 'image/gif': null },
  audio: {
    // Chrome's MediaRecorder: audio/webm;codecs=opus. Vorbis is audio-only too.
    'audio/webm': /^(opus|vorbis)$/,
    'audio/ogg': /^(opus|vorbis)$/,
    'audio/opus': /^opus$/,
    // Safari's MediaRecorder: audio/mp4 (AAC, codecs=mp4a.40.2); newer Chrome can record opus in mp4.
    'audio/mp4': /^(mp4a(\.[\w.]+)?|aac|opus)$/,
    'audio/x-m4a': /^(mp4a(\.[\w.]+)?|aac)$/,
    'audio/m4a': /^(mp4a(\.[\w.]+)?|aac)$/,
    'audio/aac': null,
    'audio/mpeg': null,
    'audio/mp3': null,
  },
  file: { 'application/pdf': null, 'text/plain': null },
}

/**
 * The declared types each kind accepts, as the ticket checks them. The PWA imports this (the module
 * is pure: no I/O, only a type import) to refuse a file before sending a byte.
 */
export const DECLARED_TYPES: Readonly<Record<MediaKind, readonly string[]>> = {
  image: Object.keys(DECLARED.image),
  audio: Object.keys(DECLARED.audio),
  file: Object.keys(DECLARED.file),
}

/** Sniffed type (as file-type reports it) → the kind it belongs to and the type we serve it as. */
const SNIFFED: Record<string, { kind: MediaKind; serve: string }> = {
  'image/jpeg': { kind: 'image', serve: 'image/jpeg' },
  'image/png': { kind: 'image', serve: 'image/png' },
  // Animated PNG: browsers play it from image/png.
  'image/apng': { kind: 'image', serve: 'image/png' },
  'image/webp': { kind: 'image', serve: 'image/webp' },
  'image/gif': { kind: 'image', serve: 'image/gif' },
  // file-type calls every WebM video/webm and many MP4 brands video/mp4; the audio probe refuses
  // files that really carry a video track, so these are audio here.
  'video/webm': { kind: 'audio', serve: 'audio/webm' },
  'audio/webm': { kind: 'audio', serve: 'audio/webm' },
  'audio/ogg; codecs=opus': { kind: 'audio', serve: 'audio/ogg' },
  'audio/ogg': { kind: 'audio', serve: 'audio/ogg' },
  'audio/opus': { kind: 'audio', serve: 'audio/ogg' },
  'video/mp4': { kind: 'audio', serve: 'audio/mp4' },
  'audio/mp4': { kind: 'audio', serve: 'audio/mp4' },
  'audio/x-m4a': { kind: 'audio', serve: 'audio/mp4' },
  'audio/aac': { kind: 'audio', serve: 'audio/aac' },
  'audio/mpeg': { kind: 'audio', serve: 'audio/mpeg' },
  'application/pdf': { kind: 'file', serve: 'application/pdf' },
}

export const TEXT_MIME = 'text/plain; charset=utf-8'

/** Containers whose duration and tracks the audio probe can read. */
export type AudioContainer = 'webm' | 'ogg' | 'mp4' | 'other'

export function audioContainer(servedMime: string): AudioContainer {
  if (servedMime === 'audio/webm') return 'webm'
  if (servedMime === 'audio/ogg') return 'ogg'
  if (servedMime === 'audio/mp4') return 'mp4'
  return 'other'
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; code: 'unsupported_type' | 'type_mismatch'; message: string }

/**
 * Checks a declared MIME type against the kind's allow-list. Returns the normalised type
 * (lower-case, parameters kept only when they are allowed codecs).
 */
export function checkDeclared(kind: MediaKind, mime: string): Verdict<string> {
  const [rawBase = '', ...params] = mime.split(';')
  const base = rawBase.trim().toLowerCase()
  const allowed = DECLARED[kind]
  if (!Object.hasOwn(allowed, base)) {
    return { ok: false, code: 'unsupported_type', message: `${kind}: ${base || 'an empty type'} is not allowed; use one of ${Object.keys(allowed).join(', ')}` }
  }
  const codecsRule = allowed[base] ?? null
  let codecs: string[] = []
  for (const p of params) {
    const m = p.trim().match(/^([\w-]+)\s*=\s*"?([^"]*)"?$/)
    if (!m) {
      if (p.trim() === '') continue
      return { ok: false, code: 'unsupported_type', message: `${kind}: cannot read the type parameter "${p.trim()}"` }
    }
    if (m[1]!.toLowerCase() === 'codecs')
      codecs = m[2]!
        .split(',')
        .map(c => c.trim().toLowerCase())
        .filter(Boolean)
  }
  if (codecs.length) {
    if (!codecsRule) return { ok: false, code: 'unsupported_type', message: `${base} takes no codecs parameter` }
    const bad = codecs.find(c => !codecsRule.test(c))
    if (bad) return { ok: false, code: 'unsupported_type', message: `${base}: codec ${bad} is not allowed (audio codecs only)` }
    return { ok: true, value: `${base};codecs=${codecs.join(',')}` }
  }
  return { ok: true, value: base }
}

/**
 * Decides from the sniffed type whether the bytes may be stored under the ticket's kind, and what
 * they are served as. `sniffed` is undefined when no magic bytes matched: only plain text may be
 * like that, and the caller must then validate it as text (see `isPlainTextCandidate`).
 */
export function checkSniffed(kind: MediaKind, sniffed: string | undefined): Verdict<string> {
  const what = sniffed ?? 'content without a recognised signature'
  const entry = sniffed ? SNIFFED[sniffed] : undefined
  if (!entry) {
    const expect = kind === 'image' ? 'a JPEG, PNG, WebP or GIF image' : kind === 'audio' ? 'WebM, Ogg, MP4/AAC or MP3 audio' : 'a PDF or UTF-8 plain text'
    return { ok: false, code: 'unsupported_type', message: `the upload is ${what}, not ${expect}` }
  }
  if (entry.kind !== kind) {
    return { ok: false, code: 'type_mismatch', message: `the upload is ${entry.serve} (kind ${entry.kind}), but the ticket was for ${kind}` }
  }
  return { ok: true, value: entry.serve }
}

/**
 * Plain text has no magic bytes. A `file` ticket declared as text/plain may hold content that
 * sniffs as nothing, or as one of the text formats file-type knows (WebVTT, vCard, iCalendar);
 * it is then checked as UTF-8 text and served as text/plain.
 */
export function isPlainTextCandidate(kind: MediaKind, declaredMime: string, sniffed: string | undefined): boolean {
  return kind === 'file' && declaredMime.split(';')[0] === 'text/plain' && (sniffed === undefined || sniffed.startsWith('text/'))
}

/** An extension for a nameless upload, from the served type. */
export function defaultName(kind: MediaKind, mime: string): string {
  const ext: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'image/gif': 'gif',
    'audio/webm': 'webm',
    'audio/ogg': 'ogg',
    'audio/opus': 'opus',
    'audio/mp4': 'm4a',
    'audio/x-m4a': 'm4a',
    'audio/m4a': 'm4a',
    'audio/aac': 'aac',
    'audio/mpeg': 'mp3',
    'audio/mp3': 'mp3',
    'application/pdf': 'pdf',
    'text/plain': 'txt',
  }
  const base = kind === 'audio' ? 'voice-note' : kind
  const e = ext[mime.split(';')[0]!]
  return e ? `${base}.${e}` : base
}
