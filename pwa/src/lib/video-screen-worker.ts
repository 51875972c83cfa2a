// The viewer's video screen, off the main thread: the same classifier the server uses for photos
// (nsfwjs MobileNetV2, api/media/screen-worker.ts) on TensorFlow.js, scoring 224×224 frames of the
// stranger's video that video-screen.ts grabs and hands over. Nothing leaves the device.
//
// Backend: WebAssembly (SIMD where the browser has it; one thread, since the page is not
// cross-origin isolated), which runs everywhere without a GPU, headless Chromium included; the
// plain JS backend if WebAssembly cannot start. The model ships inside the nsfwjs package as JS
// modules (no CDN); this worker, TensorFlow.js, the model and the .wasm files are lazy chunks the
// service worker caches on first use (pwa/vite.config.ts).
//
// Messages in:  { type: 'load', modelUrl?: string }   modelUrl: a same-origin tfjs layers model to
//                                                     use instead (the e2e tests' seam, video-screen.ts)
//               { type: 'check', id, frame: ImageBitmap }  224×224, transferred
// Messages out: { type: 'ready', backend, loadMs }
//               { type: 'failed', error }              the model could not be loaded
//               { type: 'score', id, score, labels, ms } | { type: 'error', id, error }
import { nsfwScore, type ScreenLabels } from '../../../api/media/screen-score'
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'

export type ScreenIn = { type: 'load'; modelUrl?: string } | { type: 'check'; id: number; frame: ImageBitmap }
export type ScreenOut =
  | { type: 'ready'; backend: string; loadMs: number }
  | { type: 'failed'; error: string }
  | { type: 'score'; id: number; score: number; labels: ScreenLabels; ms: number }
  | { type: 'error'; id: number; error: string }

/** The model's input side (as on the server). */
const SIZE = 224

const post = (m: ScreenOut) => self.postMessage(m)
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err))

async function load(modelUrl: string | undefined) {
  const t0 = performance.now()
  const tf = await import('@tensorflow/tfjs')
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded })
  wasm.setThreadsCount(1)
  // setBackend answers false (or throws) when WebAssembly cannot start, e.g. a CSP without 'wasm-unsafe-eval'.
  const onWasm = await tf.setBackend('wasm').catch(() => false)
  if (!onWasm && !(await tf.setBackend('cpu'))) throw new Error('no TensorFlow.js backend started')
  await tf.ready()
  const nsfwjs = await import('nsfwjs/core')
  const model = modelUrl
    ? await nsfwjs.load(modelUrl, { size: SIZE })
    : await nsfwjs.load('MobileNetV2', { modelDefinitions: [(await import('nsfwjs/models/mobilenet_v2')).MobileNetV2Model] } as never)
  return { tf, model, backend: tf.getBackend(), loadMs: performance.now() - t0 }
}

let ready: Promise<Awaited<ReturnType<typeof load>>> | null = null
// One canvas for every frame: the bitmap is drawn at the model's size and read back as RGB.
let canvas: OffscreenCanvasRenderingContext2D | null = null

async function check(frame: ImageBitmap): Promise<{ score: number; labels: ScreenLabels }> {
  const { tf, model } = await ready!
  canvas ??= new OffscreenCanvas(SIZE, SIZE).getContext('2d', { willReadFrequently: true })
  if (!canvas) throw new Error('no 2d canvas in this worker')
  canvas.drawImage(frame, 0, 0, SIZE, SIZE)
  frame.close()
  const rgba = canvas.getImageData(0, 0, SIZE, SIZE).data
  const rgb = new Int32Array(SIZE * SIZE * 3)
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!
    rgb[j + 1] = rgba[i + 1]!
    rgb[j + 2] = rgba[i + 2]!
  }
  const input = tf.tensor3d(rgb, [SIZE, SIZE, 3], 'int32')
  try {
    const top = await model.classify(input as never, 5)
    const labels: ScreenLabels = { drawing: 0, hentai: 0, neutral: 0, porn: 0, sexy: 0 }
    for (const c of top) labels[c.className.toLowerCase() as keyof ScreenLabels] = c.probability
    return { score: nsfwScore(labels), labels }
  } finally {
    input.dispose()
  }
}

self.onmessage = async (e: MessageEvent<ScreenIn>) => {
  const m = e.data
  if (m.type === 'load') {
    if (ready) return
    ready = load(m.modelUrl)
    try {
      const r = await ready
      post({ type: 'ready', backend: r.backend, loadMs: r.loadMs })
    } catch (err) {
      post({ type: 'failed', error: errorText(err) })
    }
    return
  }
  const t0 = performance.now()
  try {
    const r = await check(m.frame)
    post({ type: 'score', id: m.id, ...r, ms: performance.now() - t0 })
  } catch (err) {
    m.frame.close()
    post({ type: 'error', id: m.id, error: errorText(err) })
  }
}
