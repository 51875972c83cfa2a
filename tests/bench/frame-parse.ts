// `bun tests/bench/frame-parse.ts`: what the client frame parser costs per text frame, for an
// ordinary ASCII message (the hot path's cheap pre-test says "nothing to clean") and for messages
// that need cleaning (emoji, emoji with presentation selectors, invisible fillers). Prints figures;
// asserts nothing. Best of BENCH_ROUNDS (5) rounds of BENCH_FRAMES (500 000) parses each.
import { createFrameParser } from '../../api/chat/protocol'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const FRAMES = Number(process.env.BENCH_FRAMES ?? 500_000)
const parse = createFrameParser({ maxTextLength: 2000, maxFrameBytes: 16 * 1024 })

const bodies: Record<string, string> = {
  'ascii (48 chars)': 'hello there, how are you doing today? fine thanks',
  'emoji, no selectors': 'hello ❤ 👍🏽 there',
  'emoji with VS16': 'hello ❤️ 👍🏽 there',
  'fillers + tags': 'hi\u3164 there\u{e0041}\u{e0042} \u2800ok',
  '300 chars, 20 × ❤️': 'hello ❤️ there '.repeat(20),
}

let sink = 0
for (const [name, body] of Object.entries(bodies)) {
  const frame = JSON.stringify({ type: 'text', id: 'm1', body })
  for (let i = 0; i < FRAMES / 5; i++) sink += parse(frame).ok ? 1 : 0
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    for (let i = 0; i < FRAMES; i++) sink += parse(frame).ok ? 1 : 0
    best = Math.min(best, ((performance.now() - t0) * 1e6) / FRAMES)
  }
  console.log(`${name.padEnd(22)} ${best.toFixed(0).padStart(6)} ns/frame`)
}
if (sink === -1) console.log(sink)
