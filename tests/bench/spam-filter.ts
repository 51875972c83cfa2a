// `bun tests/bench/spam-filter.ts`: the spam filter on its own. Prints its catch rate over the
// suite's table of spellings that must be caught and its false-refusal rate over the ordinary
// sentences (tests/support/spam-spellings.ts), then what one screened text costs: the skeleton,
// and the filter's check for an ordinary text and for a suspicious one (awaited, on the
// in-process cache). Best of BENCH_ROUNDS (5) rounds of BENCH_TEXTS (100 000). Asserts nothing.
import { openCache } from '../../api/cache'
import { loadConfig } from '../../api/config'
import { createSpamFilter, looksLikeLinkOrHandle } from '../../api/safety/spam'
import { fold, skeleton } from '../../api/safety/skeleton'
import { MUST_CATCH, MUST_PASS } from '../support/spam-spellings'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const TEXTS = Number(process.env.BENCH_TEXTS ?? 100_000)

const caught = MUST_CATCH.filter(looksLikeLinkOrHandle).length
const refused = MUST_PASS.filter(looksLikeLinkOrHandle).length
console.log(`catch rate: ${caught}/${MUST_CATCH.length} (${((100 * caught) / MUST_CATCH.length).toFixed(1)} %)`)
console.log(`false-refusal rate: ${refused}/${MUST_PASS.length} (${((100 * refused) / MUST_PASS.length).toFixed(1)} %)`)

const config = loadConfig({ DATA_DIR: '/tmp' })
const filter = createSpamFilter({ config, cache: openCache(config) })

function best(label: string, run: (i: number) => unknown) {
  let min = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    for (let i = 0; i < TEXTS; i++) run(i)
    min = Math.min(min, ((performance.now() - t0) * 1e6) / TEXTS)
  }
  console.log(`${label.padEnd(44)} ${min.toFixed(0).padStart(6)} ns/text`)
}

async function bestAsync(label: string, run: (i: number) => unknown) {
  let min = Infinity
  const n = TEXTS / 10
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await run(i)
    min = Math.min(min, ((performance.now() - t0) * 1e6) / n)
  }
  console.log(`${label.padEnd(44)} ${min.toFixed(0).padStart(6)} ns/text`)
}

const ordinaryShort = ['hi', 'lol', 'm or f?', 'ok', 'where from?']
const ordinaryLong = ['hey, how are you doing today?', 'what music do you like', 'I am from somewhere far away, you?']
const unicode = ['Привет! Как дела? Мне 22 года.', 'こんにちは、元気ですか？', 'Hallo, wie geht es dir? Ich bin 19.']
const suspicious = ['ѕnарсhаt jane99', 'evil dot com', 'hxxps://evil[.]com', '+44 20 7946 0958']
// Another stranger each time and an old address: the full check runs and lets the text through.
const ctx = (i: number) => ({ sessionId: `s${i % 1000}`, ipHash: 'bench', partnerId: `p${i}`, chatStartedAt: Date.now() })
filter.seen('bench', 1)

best('skeleton, ordinary ASCII', i => skeleton(ordinaryLong[i % 3]!))
best('skeleton + fold, other scripts', i => fold(skeleton(unicode[i % 3]!)))
best('check, short ordinary text (sync null)', i => filter.check(ctx(i), ordinaryShort[i % 5]!, Date.now()))
best('check, long ordinary text (first sighting)', i => filter.check(ctx(i), `${i} ${ordinaryLong[i % 3]} ${i}`, Date.now()))
// After the grace: only the repeat rule; the same text to a new stranger each time (counted in the cache).
const late = (i: number) => ({ ...ctx(i), chatStartedAt: Date.now() - 30_000 })
best('check after the link grace, ordinary text', i => filter.check(late(i), `${i} ${ordinaryLong[i % 3]} ${i}`, Date.now()))
await bestAsync('check, a text repeated to strangers (cache)', i => filter.check(late(i), ordinaryLong[i % 3]!, Date.now()))
await bestAsync('check, suspicious text (link, old address)', i => filter.check(ctx(i), suspicious[i % 4]!, Date.now()))
