// Grabs what the reporter sees of the stranger's video as a JPEG for a report, only when the
// reporter ticked "include a still". Loaded on demand (dynamic import) when such a report is sent.
// At most REPORT_STILL_WIDTH wide; the quality steps down until it fits the server's byte cap.
import { REPORT_STILL_MAX_BYTES, REPORT_STILL_WIDTH } from '../../../api/safety/still-limits'

const QUALITIES = [0.8, 0.65, 0.5, 0.35]

function toBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise(resolve => canvas.toBlob(resolve, 'image/jpeg', quality))
}

function base64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => {
      const url = typeof r.result === 'string' ? r.result : ''
      resolve(url.slice(url.indexOf(',') + 1))
    }
    r.onerror = () => reject(r.error ?? new Error('the still could not be read'))
    r.readAsDataURL(blob)
  })
}

/** The current frame of `video` as base64 JPEG (no data: prefix), or null when there is no picture. */
export async function grabStill(video: HTMLVideoElement): Promise<string | null> {
  const w = video.videoWidth
  const h = video.videoHeight
  if (!w || !h) return null
  const scale = Math.min(1, REPORT_STILL_WIDTH / w)
  const canvas = document.createElement('canvas')
  canvas.width = Math.max(1, Math.round(w * scale))
  canvas.height = Math.max(1, Math.round(h * scale))
  const g = canvas.getContext('2d')
  if (!g) return null
  g.drawImage(video, 0, 0, canvas.width, canvas.height)
  for (const q of QUALITIES) {
    const blob = await toBlob(canvas, q)
    if (blob && blob.type === 'image/jpeg' && blob.size <= REPORT_STILL_MAX_BYTES) return base64(blob)
  }
  return null
}
