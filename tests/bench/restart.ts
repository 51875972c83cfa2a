// Restart cost with many live chats: N pairs chatting on a real server process, then SIGTERM,
// a new process, and every client resuming. Prints how long the drain took (the app's own
// `drained` timings), how long the process needed to exit, the start-up time of the new one, and
// how long until every client had its `hello` back. Backend: a private memcached it spawns plus
// SQLite, or DATABASE_URL / MEMCACHED_SERVERS from the environment.
//
//   node_modules/.bin/bun tests/bench/restart.ts [pairs=200]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnApp } from '../support/app-process'
import { freePort, startMemcached } from '../support/memcached'
import { TestClient, pair } from '../support/ws-client'
import { BENCH_ABUSE_OFF } from './servers'

const PAIRS = Number(process.argv[2] ?? 200)
const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-bench-restart-'))
const memcached = process.env.MEMCACHED_SERVERS ? null : await startMemcached()
const env: Record<string, string> = {
  HOST: '127.0.0.1',
  PORT: String(await freePort()),
  DATA_DIR: dataDir,
  LOG_LEVEL: 'info',
  MEMCACHED_SERVERS: process.env.MEMCACHED_SERVERS ?? memcached!.servers,
  ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
  // One loopback address opens every socket here.
  MAX_CONNECTIONS_PER_IP: String(PAIRS * 4 + 10),
  RATE_FINDS_PER_MINUTE: String(PAIRS * 4 + 10),
  ...BENCH_ABUSE_OFF,
}
const ms = (t0: number) => Math.round(performance.now() - t0)

try {
  const first = await spawnApp(env)
  const pairs: Array<{ a: TestClient; b: TestClient }> = []
  for (let i = 0; i < PAIRS; i++) {
    const p = await pair(() => TestClient.connect(first.wsUrl), `bench-${i}`)
    p.a.send({ type: 'text', id: 'm1', body: `hello ${i}` })
    pairs.push(p)
  }
  await Promise.all(pairs.map(p => p.b.next('text', 10_000)))
  const clients = pairs.flatMap(p => [p.a, p.b])

  let t0 = performance.now()
  first.proc.kill('SIGTERM')
  await Promise.all(clients.map(c => c.next('shutdown', 30_000)))
  const told = ms(t0)
  const code = await first.exited
  const exited = ms(t0)
  const drained = first.logs.find(l => l.msg === 'drained') ?? {}
  const resumable = clients.filter(c => c.all('shutdown')[0]?.resumable).length

  t0 = performance.now()
  const second = await spawnApp(env)
  const started = ms(t0)
  t0 = performance.now()
  const resumed = await Promise.all(clients.map(c => TestClient.connect(`${second.wsUrl}?resume=${c.session}`)))
  const back = ms(t0)
  const ok = resumed.filter(c => c.frames[0]?.type === 'hello' && (c.frames[0] as { resumed: boolean }).resumed).length

  console.log(`restart with ${PAIRS} chats (${clients.length} sockets), cache ${env.MEMCACHED_SERVERS}, database ${env.DATABASE_URL ? 'mysql' : 'sqlite'}`)
  console.log(`  SIGTERM → every client told:   ${told} ms (${resumable}/${clients.length} resumable)`)
  console.log(
    `  SIGTERM → process exited:      ${exited} ms (exit code ${code}; app timings ${JSON.stringify({ uploadsMs: drained.uploadsMs, hubMs: drained.hubMs, totalMs: drained.totalMs })})`,
  )
  console.log(`  new process healthy:           ${started} ms`)
  console.log(`  every client resumed:          ${back} ms (${ok}/${clients.length} with resumed: true)`)
  const cacheFailures = second.logs.filter(l => l.msg === 'cache call failed')
  if (cacheFailures.length) console.log(`  cache calls failed during resume: ${cacheFailures.length} (${[...new Set(cacheFailures.map(l => JSON.stringify(l.err)))].join(', ')})`)
  for (const c of resumed) c.close()
  await second.stop()
} finally {
  await memcached?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
