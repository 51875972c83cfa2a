// Attachments: decide what a file is, refuse what the server would refuse before any byte is
// sent, shrink big photos to fit the cap, then ticket (tRPC) → PUT with progress (XHR, since
// fetch has no upload progress events).
import type { Limits, MediaKind } from '../../../api/chat/protocol'
import { DECLARED_TYPES } from '../../../api/media/allowlist'
import { uploadRefusal } from './refusals'
import { errorMessage, trpc } from './trpc'
import { authHeader } from './session'
import { bytes } from './format'
import { msg, type Msg } from '../i18n'

/** The server's own allow-list: anything else is refused before uploading. */
const ALLOWED = DECLARED_TYPES
export const ACCEPT = [...ALLOWED.image, ...ALLOWED.audio, ...ALLOWED.file, '.pdf', '.txt'].join(',')

const baseType = (mime: string) => mime.split(';')[0]!.trim().toLowerCase()

export function kindOf(mime: string): MediaKind | null {
  const m = baseType(mime)
  for (const k of ['image', 'audio', 'file'] as const) if (ALLOWED[k].includes(m)) return k
  return null
}

export interface Prepared {
  blob: Blob
  name: string
  mime: string
  kind: MediaKind
}

/** Ready-to-send attachment, or a message saying why it cannot be sent. */
export async function prepare(file: File, limits: Limits): Promise<Prepared | { error: Msg }> {
  const mime = baseType(file.type)
  const kind = kindOf(mime)
  if (!kind) {
    return { error: msg('upload.notAllowed', { name: file.name }) }
  }
  let blob: Blob = file
  let name = file.name || `${kind}`
  let type = mime
  // Phone photos are often several MB: re-encode them smaller rather than refuse them.
  if (blob.size > limits.maxUploadBytes && kind === 'image' && mime !== 'image/gif') {
    const smaller = await shrinkImage(file, limits.maxUploadBytes)
    if (smaller) {
      blob = smaller
      type = 'image/jpeg'
      name = name.replace(/\.[^.]*$/, '') + '.jpg'
    }
  }
  if (blob.size > limits.maxUploadBytes) {
    return { error: msg('upload.overLimit', { name: file.name, size: bytes(file.size), limit: bytes(limits.maxUploadBytes) }) }
  }
  if (blob.size === 0) return { error: msg('upload.empty', { name: file.name }) }
  return { blob, name, mime: type, kind }
}

async function shrinkImage(file: File, maxBytes: number): Promise<Blob | null> {
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return null
  }
  for (const [edge, quality] of [
    [1600, 0.82],
    [1200, 0.72],
    [900, 0.65],
  ] as const) {
    const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bitmap.width * scale)
    canvas.height = Math.round(bitmap.height * scale)
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    const blob = await new Promise<Blob | null>(r => canvas.toBlob(r, 'image/jpeg', quality))
    if (blob && blob.size <= maxBytes) {
      bitmap.close()
      return blob
    }
  }
  bitmap.close()
  return null
}

export class UploadError extends Error {
  /** whether sending the same bytes again can succeed (a network hiccup yes, refused content never) */
  constructor(
    readonly sentence: Msg,
    readonly retryable = true,
  ) {
    super(sentence.id)
  }
}

/**
 * Asks for a ticket, then PUTs the bytes. Resolves when the server has stored the file (it then
 * sends the `media` frame to both sides). `onProgress` gets 0..1.
 */
export async function upload(p: Prepared, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  let ticket: { uploadUrl: string }
  try {
    ticket = await trpc.media.ticket.mutate({ kind: p.kind, mime: p.mime, size: p.blob.size, name: p.name }, { signal })
  } catch (err) {
    throw new UploadError(errorMessage(err, msg('upload.cantStart')))
  }
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', ticket.uploadUrl)
    xhr.setRequestHeader('Content-Type', p.mime)
    for (const [k, v] of Object.entries(authHeader())) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = e => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve()
      // The client's own sentence for the status, never the server's English (refusals.ts).
      const r = uploadRefusal(xhr.status)
      reject(new UploadError(r.sentence, r.retryable))
    }
    xhr.onerror = () => reject(new UploadError(msg(navigator.onLine ? 'upload.failed' : 'notice.offline')))
    xhr.onabort = () => reject(new UploadError(msg('upload.cancelled')))
    signal?.addEventListener('abort', () => xhr.abort())
    xhr.send(p.blob)
  })
}
