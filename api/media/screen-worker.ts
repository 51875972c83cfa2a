// The image classifier, in its own process (started by screen.ts through screen-host.ts, below
// the chat's CPU priority) so a 100 ms inference never delays a chat frame. Started on the first
// image. Everything it needs ships inside npm packages: the nsfwjs MobileNetV2 graph and weights
// (as JS modules, no network), TensorFlow.js on its WebAssembly backend (the .wasm files are in
// @tensorflow/tfjs-backend-wasm/dist), and sharp (libvips, prebuilt in @img/sharp-linux-x64) to
// decode JPEG/PNG/WebP/GIF and shrink to the 224×224 the model reads. Which frames of an
// animation it classifies is screen-frames.ts's job.
//
// Messages in:  ScreenJob (screen-frames.ts)     the stored upload's temp file, budget, threshold
// Messages out: { type: 'ready', loadMs }         once, when the model answers
//               { type: 'result', id, ok: true, samples, frames, complete, ms } | { type: 'result', id, ok: false, error }
//               { type: 'failed', error }         the model could not be loaded (the process then exits)
import { dirname } from 'node:path'
import { screenFile, SIZE, type ScreenJob, type ScreenLabels } from './screen-frames'

export type { ScreenLabels }

declare const self: Worker

// tfjs and nsfwjs greet on the console ("You're using the model…"); the parent's stdout is a JSON
// log, so that chatter is dropped here. Real failures travel as messages.
for (const k of ['log', 'info', 'warn', 'debug'] as const) console[k] = () => {}

async function load() {
  const t0 = performance.now()
  const tf = await import('@tensorflow/tfjs')
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // The node entry point sits in dist/ next to the .wasm files; load them from disk, not a CDN.
  wasm.setWasmPaths(dirname(Bun.resolveSync('@tensorflow/tfjs-backend-wasm', import.meta.dir)) + '/')
  // One inference thread: the screen's share of the machine is bounded by its priority and this.
  wasm.setThreadsCount(1)
  if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend did not start')
  await tf.ready()
  const { load: loadModel } = await import('nsfwjs/core')
  const { MobileNetV2Model } = await import('nsfwjs/models/mobilenet_v2')
  const model = await loadModel('MobileNetV2', { modelDefinitions: [MobileNetV2Model] } as never)
  const sharp = (await import('sharp')).default
  // One libvips thread and no decoded-image cache: the machine's cores belong to the chat.
  sharp.concurrency(1)
  sharp.cache(false)
  return { tf, model, sharp, loadMs: performance.now() - t0 }
}

let ready: Awaited<ReturnType<typeof load>>
try {
  ready = await load()
} catch (err) {
  postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) })
  process.exit(1)
}
const { tf, model, sharp } = ready

async function classify(rgb: Uint8Array): Promise<ScreenLabels> {
  const input = tf.tensor3d(new Int32Array(rgb), [SIZE, SIZE, 3], 'int32')
  try {
    const top = await model.classify(input as never, 5)
    const labels: ScreenLabels = { drawing: 0, hentai: 0, neutral: 0, porn: 0, sexy: 0 }
    for (const c of top) labels[c.className.toLowerCase() as keyof ScreenLabels] = c.probability
    return labels
  } finally {
    input.dispose()
  }
}

self.onmessage = async (e: MessageEvent<ScreenJob>) => {
  const job = e.data
  const t0 = performance.now()
  try {
    const verdict = await screenFile(sharp, job, classify)
    postMessage({ type: 'result', id: job.id, ok: true, ...verdict, ms: performance.now() - t0 })
  } catch (err) {
    postMessage({ type: 'result', id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  }
}

postMessage({ type: 'ready', loadMs: ready.loadMs })
