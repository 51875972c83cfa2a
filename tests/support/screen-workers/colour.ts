// A stand-in for api/media/screen-worker.ts with everything real but the model: the same frame
// sampling and decoding (api/media/screen-frames.ts, sharp), and a "classifier" that calls a
// frame explicit in proportion to how much of it is pure red (tests/support/animations.ts).
// A file whose name contains "slow" takes 150 ms a frame, like a busy model.
import sharp from 'sharp'
import { screenFile, type ScreenJob, type ScreenLabels } from '../../../api/media/screen-frames'

declare const self: Worker
sharp.concurrency(1)
sharp.cache(false)

function redness(rgb: Uint8Array): ScreenLabels {
  let red = 0
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i]! > 200 && rgb[i + 1]! < 60 && rgb[i + 2]! < 60) red++
  const p = red / (rgb.length / 3)
  return { drawing: 0, hentai: 0, neutral: 1 - p, porn: p, sexy: 0 }
}

self.onmessage = async (e: MessageEvent<ScreenJob>) => {
  const job = e.data
  const t0 = performance.now()
  const slow = job.path.includes('slow')
  try {
    const verdict = await screenFile(sharp, job, async rgb => {
      if (slow) await Bun.sleep(150)
      return redness(rgb)
    })
    postMessage({ type: 'result', id: job.id, ok: true, ...verdict, ms: performance.now() - t0 })
  } catch (err) {
    postMessage({ type: 'result', id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  }
}

postMessage({ type: 'ready', loadMs: 1 })
