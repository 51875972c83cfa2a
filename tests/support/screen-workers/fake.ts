// A stand-in for api/media/screen-worker.ts that speaks its protocol, for the pool's own tests
// (run, like the real one, in a process of its own by api/media/screen-host.ts)
// (tests/unit/screen.test.ts). What it does with an image is named by the "path":
//   score:<p>   answers with porn = p, neutral = 1 - p
//   slow:<ms>   answers (score 0) after ms
//   undecodable answers as the real worker does for a file libvips cannot read
//   hang        never answers          spin   loops forever (a stuck decoder)
//   crash       throws an uncaught error            exit   the thread exits
//   count       answers with how many images this thread has seen (in `ms`)
export {}
declare const self: Worker
let seen = 0

self.onmessage = (e: MessageEvent<{ id: number; path: string }>) => {
  const { id, path } = e.data
  seen++
  const answer = (p: number) =>
    postMessage({ type: 'result', id, ok: true, samples: [{ frame: 0, labels: { drawing: 0, hentai: 0, neutral: 1 - p, porn: p, sexy: 0 } }], frames: 1, complete: true, ms: seen })
  const [what, arg] = path.split(':')
  if (what === 'score') answer(Number(arg))
  else if (what === 'count') answer(0)
  else if (what === 'slow') setTimeout(() => answer(0), Number(arg))
  else if (what === 'undecodable') postMessage({ type: 'result', id, ok: false, error: 'Input file contains unsupported image format' })
  else if (what === 'spin')
    for (;;) {
      // spin until killed
    }
  else if (what === 'crash')
    setTimeout(() => {
      throw new Error('boom')
    })
  else if (what === 'exit') process.exit(3)
  // 'hang': nothing
}

postMessage({ type: 'ready', loadMs: 1 })
