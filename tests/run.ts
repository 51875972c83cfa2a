// The whole test suite: unit tests, the integration suite on both backends (SQLite + in-process
// cache, then MariaDB + memcached), and the browser tests. Prints one closing line
// `N passed, N failed` and exits non-zero on any failure.
//
//   bun tests/run.ts                 everything
//   bun tests/run.ts unit embedded   only the named suites (unit, embedded, mysql, e2e)
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import mysql from 'mysql2/promise'
import { startMemcached } from './support/memcached'
import { startRedisCluster } from './support/redis-cluster'

const ROOT = resolve(import.meta.dir, '..')
const BUN = process.execPath
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://leetchat:leetchat@127.0.0.1:3306'
// The machine's Redis (tests/ensure-services.sh starts it); suites use their own key prefixes.
// The MariaDB pass also gets a private 3-master Redis Cluster (TEST_REDIS_CLUSTER_NODES), on which
// the contract suites and the core cluster tests run a second time.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

interface Outcome {
  suite: string
  passed: number
  failed: number
  skipped: number
  note?: string
  /** Names of the failed tests, so the summary (the part of a CI log that is kept) says which. */
  failures?: string[]
}

const wanted = new Set(process.argv.slice(2))
const want = (s: string) => wanted.size === 0 || wanted.has(s)
const outcomes: Outcome[] = []
const scratch = mkdtempSync(join(tmpdir(), 'leetchat-run-'))

async function run(cmd: string[], env: Record<string, string>): Promise<number> {
  const p = Bun.spawn(cmd, { cwd: ROOT, env: { ...process.env, TEST_REDIS_URL: REDIS_URL, ...env }, stdout: 'inherit', stderr: 'inherit' })
  return p.exited
}

/** bun test with a JUnit report, so the counts come from the runner rather than from its prose. */
async function bunSuite(suite: string, dir: string, env: Record<string, string> = {}) {
  console.log(`\n=== ${suite} ===`)
  const xml = join(scratch, `${suite}.xml`)
  const code = await run([BUN, 'test', dir, '--reporter=junit', `--reporter-outfile=${xml}`, '--timeout=30000'], env)
  const o: Outcome = { suite, passed: 0, failed: 0, skipped: 0 }
  if (existsSync(xml)) {
    const text = readFileSync(xml, 'utf8')
    const m = text.match(/<testsuites[^>]*>/)?.[0] ?? ''
    const attr = (name: string) => Number(m.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0)
    const tests = attr('tests')
    o.failed = attr('failures') + attr('errors')
    o.skipped = attr('skipped')
    o.passed = tests - o.failed - o.skipped
    o.failures = junitFailures(text)
  }
  // A crash before any report (or a failing exit with no failed test) still counts as a failure.
  if (code !== 0 && o.failed === 0) {
    o.failed = 1
    o.note = `bun test exited ${code}`
  }
  outcomes.push(o)
}

/** `file > test name` of every <testcase> that holds a <failure> or <error>. */
function junitFailures(xml: string): string[] {
  const out: string[] = []
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    if (!m[2] || !/<(failure|error)\b/.test(m[2])) continue
    const attr = (name: string) => (m[1] ?? '').match(new RegExp(`\\b${name}="([^"]*)"`))?.[1] ?? ''
    out.push(
      `${attr('file') || attr('classname')} > ${attr('name')}`
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>'),
    )
  }
  return out
}

interface PlaywrightSuiteJson {
  file?: string
  specs?: Array<{ title: string; file?: string; line?: number; tests?: Array<{ status?: string }> }>
  suites?: PlaywrightSuiteJson[]
}
interface PlaywrightReport {
  stats?: { expected?: number; unexpected?: number; flaky?: number; skipped?: number }
  suites?: PlaywrightSuiteJson[]
}

/** `file:line > title` of every spec whose outcome is `status` ('unexpected' = failed, 'flaky'). */
function playwrightNames(report: PlaywrightReport, status: string): string[] {
  const out: string[] = []
  const walk = (suite: PlaywrightSuiteJson) => {
    for (const spec of suite.specs ?? []) {
      if (spec.tests?.some(t => t.status === status)) out.push(`${spec.file ?? suite.file}:${spec.line ?? 0} > ${spec.title}`)
    }
    for (const child of suite.suites ?? []) walk(child)
  }
  for (const suite of report.suites ?? []) walk(suite)
  return out
}

async function playwrightSuite() {
  console.log('\n=== e2e (playwright + chromium) ===')
  const build = await run(['npx', 'vite', 'build', '--config', 'pwa/vite.config.ts', '--logLevel', 'warn'], {})
  if (build !== 0) {
    outcomes.push({ suite: 'e2e', passed: 0, failed: 1, skipped: 0, note: 'PWA build failed' })
    return
  }
  const json = join(scratch, 'e2e.json')
  const code = await run(['npx', 'playwright', 'test', '-c', 'tests/e2e/playwright.config.ts', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: json })
  const o: Outcome = { suite: 'e2e', passed: 0, failed: 0, skipped: 0 }
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8')) as PlaywrightReport
    const stats = report.stats ?? {}
    o.failures = playwrightNames(report, 'unexpected')
    const flaky = playwrightNames(report, 'flaky')
    if (flaky.length) console.log(`flaky (passed on a retry):\n${flaky.map(f => `  ${f}`).join('\n')}`)
    o.passed = (stats.expected ?? 0) + (stats.flaky ?? 0)
    // Passed only on a retry (CI retries once): counted as passed, but said.
    if (stats.flaky) o.note = `${stats.flaky} flaky: passed on a retry`
    o.failed = stats.unexpected ?? 0
    o.skipped = stats.skipped ?? 0
  }
  if (code !== 0 && o.failed === 0) {
    o.failed = 1
    o.note = `playwright exited ${code}`
  }
  outcomes.push(o)
}

async function withMysql(fn: (env: Record<string, string>) => Promise<void>) {
  // A fresh database per run: runs never see each other's rows and leave nothing behind.
  const name = `leetchat_t_${process.pid}_${Date.now().toString(36)}`
  let conn: mysql.Connection
  try {
    conn = await mysql.createConnection({ uri: MYSQL_URL })
  } catch (err) {
    outcomes.push({
      suite: 'mysql',
      passed: 0,
      failed: 1,
      skipped: 0,
      note: `cannot reach MariaDB at ${MYSQL_URL.replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message} (run tests/ensure-services.sh)`,
    })
    return
  }
  await conn.query(`CREATE DATABASE \`${name}\``)
  const memcached = await startMemcached()
  // Without redis-server's cluster mode the cluster variants skip, saying why.
  const rcluster = await startRedisCluster().catch(err => {
    console.log(`no Redis Cluster for this pass: ${(err as Error).message}`)
    return null
  })
  try {
    await fn({
      TEST_BACKEND: 'mysql',
      TEST_DATABASE_URL: `${MYSQL_URL}/${name}`,
      TEST_MEMCACHED_SERVERS: memcached.servers,
      TEST_MYSQL_URL: MYSQL_URL,
      ...(rcluster ? { TEST_REDIS_CLUSTER_NODES: rcluster.nodes } : {}),
    })
  } finally {
    await rcluster?.stop()
    await memcached.stop()
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
    await conn.end()
  }
}

try {
  if (want('unit')) await bunSuite('unit', 'tests/unit')
  if (want('embedded')) await bunSuite('integration (SQLite + in-process cache)', 'tests/integration', { TEST_BACKEND: 'embedded' })
  if (want('mysql')) await withMysql(env => bunSuite('integration (MariaDB + memcached)', 'tests/integration', env))
  if (want('e2e')) await playwrightSuite()
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

console.log('\n=== summary ===')
for (const o of outcomes) {
  console.log(`${o.suite}: ${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped${o.note ? ` (${o.note})` : ''}`)
  for (const f of o.failures ?? []) console.log(`  failed: ${f}`)
}
const passed = outcomes.reduce((n, o) => n + o.passed, 0)
const failed = outcomes.reduce((n, o) => n + o.failed, 0)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
