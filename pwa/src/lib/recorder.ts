// Voice notes: MediaRecorder with a container the server accepts (Chrome/Firefox: webm/opus,
// Safari: mp4/aac). The microphone is opened only when the user first asks to record.
import { msg, type Msg } from '../i18n'

const TYPES = ['audio/webm;codecs=opus', 'audio/mp4;codecs=mp4a.40.2', 'audio/mp4', 'audio/ogg;codecs=opus', 'audio/webm']

export function pickVoiceType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null
  return TYPES.find(t => MediaRecorder.isTypeSupported(t)) ?? null
}

export type MicProblem = 'denied' | 'missing' | 'unsupported' | 'failed'

export class MicError extends Error {
  constructor(readonly problem: MicProblem) {
    super(problem)
  }
}

export function micMessage(p: MicProblem): Msg {
  switch (p) {
    case 'denied':
      return msg('mic.denied')
    case 'missing':
      return msg('mic.missing')
    case 'unsupported':
      return msg(isSecureContext ? 'mic.unsupported' : 'mic.insecure')
    default:
      return msg('mic.failed')
  }
}

export async function openMic(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia || !pickVoiceType()) throw new MicError('unsupported')
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } })
  } catch (err) {
    const name = (err as DOMException).name
    throw new MicError(name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' ? 'missing' : 'failed')
  }
}

export interface VoiceNote {
  blob: Blob
  /** base MIME type, e.g. audio/webm */
  mime: string
  seconds: number
}

/** One recording on an open stream; the stream's tracks are stopped when it ends either way. */
export class VoiceRecorder {
  private rec: MediaRecorder
  private chunks: Blob[] = []
  private startedAt = 0
  private done: Promise<void>

  constructor(private readonly stream: MediaStream) {
    // 32 kb/s opus is clear speech and keeps two minutes well under a 1 MB cap.
    this.rec = new MediaRecorder(stream, { mimeType: pickVoiceType() ?? undefined, audioBitsPerSecond: 32_000 })
    this.rec.ondataavailable = e => {
      if (e.data.size) this.chunks.push(e.data)
    }
    this.done = new Promise(r => (this.rec.onstop = () => r()))
  }

  start() {
    this.startedAt = performance.now()
    this.rec.start(250)
  }

  get elapsed(): number {
    return this.startedAt ? (performance.now() - this.startedAt) / 1000 : 0
  }

  async stop(): Promise<VoiceNote> {
    const seconds = this.elapsed
    if (this.rec.state !== 'inactive') this.rec.stop()
    await this.done
    this.release()
    const mime = (this.rec.mimeType || 'audio/webm').split(';')[0]!
    return { blob: new Blob(this.chunks, { type: mime }), mime, seconds }
  }

  cancel() {
    if (this.rec.state !== 'inactive') this.rec.stop()
    this.chunks = []
    this.release()
  }

  private release() {
    for (const t of this.stream.getTracks()) t.stop()
  }
}
