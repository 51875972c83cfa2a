// Decides what an uploaded file really is, from its bytes rather than from what the client said:
// magic bytes via file-type, UTF-8 validation for plain text (which has no magic), and a container
// probe for audio (video tracks refused, duration limited when the container tells it).
import { open } from 'node:fs/promises'
import { fileTypeFromFile } from 'file-type'
import type { MediaKind } from '../chat/protocol'
import { audioContainer, checkSniffed, isPlainTextCandidate, TEXT_MIME } from './allowlist'
import { probeAudio } from './audio-probe'
import { imageSize, type ImageSize } from './image-size'

export type Inspection =
  | { ok: true; mime: string; seconds: number | null; image?: ImageSize | null }
  | { ok: false; status: 415 | 422; code: 'unsupported_type' | 'type_mismatch' | 'too_long'; message: string }

export interface InspectLimits {
  maxVoiceSeconds: number
}

/** Recorders round up a little; a second of grace keeps a note stopped at the limit acceptable. */
const DURATION_GRACE_SECONDS = 1

export async function inspectUpload(file: string, size: number, ticket: { kind: MediaKind; mime: string }, limits: InspectLimits): Promise<Inspection> {
  const sniffed = (await fileTypeFromFile(file))?.mime
  if (isPlainTextCandidate(ticket.kind, ticket.mime, sniffed)) {
    const problem = await plainTextProblem(file)
    return problem ? { ok: false, status: 415, code: 'unsupported_type', message: problem } : { ok: true, mime: TEXT_MIME, seconds: null }
  }
  const verdict = checkSniffed(ticket.kind, sniffed)
  if (!verdict.ok) return { ok: false, status: 415, code: verdict.code, message: verdict.message }
  if (ticket.kind === 'file') return { ok: true, mime: verdict.value, seconds: null }

  const fh = await open(file, 'r')
  try {
    const read = async (offset: number, length: number) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)))
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
      return buf.subarray(0, bytesRead)
    }
    // Images: the pixel size, so clients reserve the box before the photo loads.
    if (ticket.kind === 'image') return { ok: true, mime: verdict.value, seconds: null, image: await imageSize(verdict.value, read, size) }
    const probe = await probeAudio(audioContainer(verdict.value), read, size)
    if (probe.video) return { ok: false, status: 415, code: 'unsupported_type', message: 'the upload has a video track; only audio may be sent as audio' }
    if (probe.seconds !== null && probe.seconds > limits.maxVoiceSeconds + DURATION_GRACE_SECONDS) {
      return { ok: false, status: 422, code: 'too_long', message: `voice notes are limited to ${limits.maxVoiceSeconds} s; this one is ${Math.round(probe.seconds)} s` }
    }
    return { ok: true, mime: verdict.value, seconds: probe.seconds }
  } finally {
    await fh.close()
  }
}

// Markup at the start of a "text" file is refused outright, even though it would only ever be
// served as text/plain with nosniff: there is no reason to relay pages between strangers.
const MARKUP_START = /^\s*<(!doctype|html|head|body|script|svg|\?xml|iframe|object|embed)\b/i

/** null when the file is UTF-8 text without NUL bytes and not markup, else the reason. */
async function plainTextProblem(file: string): Promise<string | null> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  let start = ''
  try {
    for await (const chunk of Bun.file(file).stream()) {
      if (chunk.includes(0)) return 'text files may not contain NUL bytes (is it binary?)'
      const text = decoder.decode(chunk, { stream: true })
      if (start.length < 256) start += text.slice(0, 256)
    }
    start += decoder.decode()
  } catch {
    return 'text files must be valid UTF-8'
  }
  if (MARKUP_START.test(start)) return 'HTML, SVG and XML are not accepted, not even as text'
  return null
}
