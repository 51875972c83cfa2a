// Micro-benchmark of the relay's hot path in-process: one chat on the real hub and guard (with
// the spam screening wired as in app.ts), texts sent through hub.message and relayed to the
// partner. Reports ns per text for texts past the screened start of a chat (every conversation's
// steady state) and for the first texts of a chat (screened: pre-filter, and the cache for long
// or link-like ones). Runs against any checkout with the same hub API, so main and a branch can
// be compared: `bun tests/bench/text-path.ts [--texts 300000]`.
import { parseArgs } from 'node:util'
import { openCache } from '../../api/cache'
import { loadConfig } from '../../api/config'
import { createChatCore } from '../../api/chat-core'
import { createPopularInterests } from '../../api/chat/popular'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { createChatGuard } from '../../api/safety/chat-guard'
import { createSecrets } from '../../api/secrets'

const { values } = parseArgs({ args: process.argv.slice(2), options: { texts: { type: 'string', default: '300000' } } })
const N = Number(values.texts)

async function build() {
  const config = loadConfig({
    DATA_DIR: '/tmp',
    MATCH_FALLBACK_MS: '60000',
    RATE_TEXT_PER_SECOND: '1000000000',
    RATE_TEXT_BURST: '1000000000',
    RATE_FINDS_PER_MINUTE: '1000000000',
    POW_MODE: 'off',
  })
  const cache = openCache(config)
  const metrics = createMetrics()
  const log = createLogger('silent')
  const abuse = await import('../../api/safety/spam').then(
    async m => {
      const { createAddressRisk } = await import('../../api/safety/address-risk')
      return { cache, secrets: createSecrets('s'.repeat(40)), risk: createAddressRisk({ config, cache, metrics }), spam: m.createSpamFilter({ config, cache }) }
    },
    () => undefined, // a checkout without the abuse rules
  )
  // A clock that can be moved past the screened start of a chat (which is by time on some checkouts).
  const clock = { skew: 0 }
  const now = () => Date.now() + clock.skew
  const guard = createChatGuard({ config, bans: { activeUntil: async () => null } as never, log, metrics, now, ...(abuse && { abuse }) } as never)
  const { hub } = createChatCore({ config, cache, guard, log, metrics, popular: createPopularInterests(), now, cluster: null, transcriptKeepMs: 300_000 } as never)
  let received = 0
  const conn = (ip: string) => ({ info: { ip, ipHash: `h-${ip}`, origin: null }, send: () => void received++, close() {} })
  const ca = conn('198.51.100.1')
  const cb = conn('198.51.100.2')
  const sa = hub.open(ca as never, null)
  const sb = hub.open(cb as never, null)
  hub.message(ca as never, sa, JSON.stringify({ type: 'find', interests: ['bench'], random: false }))
  hub.message(cb as never, sb, JSON.stringify({ type: 'find', interests: ['bench'], random: false }))
  await Bun.sleep(20)
  return { hub, ca, sa, cb, sb, clock, received: () => received }
}

const bodies = ['hey, how are you doing today?', 'lol', 'what music do you like', 'I am from somewhere far away, you?', 'ok']

// No acks: the mailbox is bounded by RESUME_BUFFER_FRAMES, so it stays at its cap, as for a slow reader.
async function run(label: string, prepare: (b: Awaited<ReturnType<typeof build>>, i: number) => void, n: number, screened = false) {
  const b = await build()
  const frames = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ type: 'text', id: `m${i}`, body: bodies[i % bodies.length] }))
  // Warm up, and move past the screened start of the chat: its first texts, and (where screening
  // is by time) its first minutes.
  if (!screened) b.clock.skew = 3600_000
  const r0 = b.received()
  for (let i = 0; i < 2000; i++) b.hub.message(b.ca as never, b.sa, frames[i % 1000]!)
  await Bun.sleep(50)
  const perText = (b.received() - r0) / 2000
  const r1 = b.received()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    prepare(b, i)
    b.hub.message(b.ca as never, b.sa, frames[i % 1000]!)
  }
  // Screened texts may settle later (a cache call): the clock stops when all have been relayed.
  while (b.received() - r1 < perText * n - 1) await Bun.sleep(0)
  const ns = ((performance.now() - t0) * 1e6) / n
  await Bun.sleep(20)
  console.log(`${label}: ${ns.toFixed(0)} ns per text (${n} texts)`)
  await b.hub.shutdown({ closeWaitMs: 0 })
}

console.log(`text hot path micro-benchmark (bun ${Bun.version})`)
for (let r = 0; r < 6; r++) await run('steady chat (texts past the screened start)', () => {}, N)
for (let r = 0; r < 3; r++) await run('first minute of a chat (every text screened)', () => {}, N / 10, true)
