// Bench: how a well-behaved pair fares while abusers flood the same server.
//
//   bun tests/bench/abuse.ts [--seconds 10] [--pairs 5] [--bots 32] [--churn-seconds 30] [--churn-only]
//
// Starts the real server (bun api/main.ts, embedded backends) in its own process, then measures
// the relay latency of well-behaved pairs (one message every 250 ms each, under the default text
// limit) twice: alone, and while a second process runs abuse bots that flood texts, garbage and
// `next` loops and reconnect as soon as they are thrown out. Then the session-churn attack (issue
// 12, hole 1): one address opening and dropping sockets in a loop against a fresh server with
// the default limits, printing the server's RSS over time, sessions held, upgrades accepted and
// refused, and the access-log lines written. Prints figures; asserts nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = resolve(import.meta.dir, '../..')

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: 'string', default: '10' },
    pairs: { type: 'string', default: '5' },
    bots: { type: 'string', default: '32' },
    abuser: { type: 'string' }, // internal: run as the abuser process against this ws URL
    'churn-seconds': { type: 'string', default: '30' },
    'churn-only': { type: 'boolean', default: false },
  },
})
const seconds = Number(values.seconds)

if (values['churn-only']) {
  console.log(await churnAttack(Number(values['churn-seconds'])))
  process.exit(0)
}

if (values.abuser) {
  await runAbuser(values.abuser, Number(values.bots), seconds)
  process.exit(0)
}

// ---------- the abuser process ----------

async function runAbuser(url: string, bots: number, secs: number) {
  const stats = { connects: 0, refusedUpgrades: 0, framesSent: 0, errors: {} as Record<string, number>, closes: {} as Record<string, number> }
  const until = Date.now() + secs * 1000
  const garbage = ['{nope', '[]', '{"type":"explode"}', '{"type":"ack","seq":99999999}', 'x'.repeat(20_000)]

  async function bot(i: number) {
    // Most bots share one address (they run into the connection cap); the rest rotate addresses
    // like a botnet, so only the per-session limits and the strike counter stop them.
    const ipFor = (n: number) => (i % 4 !== 0 ? '172.31.0.1' : `172.30.${(i * 7 + n) % 250}.${n % 250}`)
    let n = 0
    while (Date.now() < until) {
      const ws = new WebSocket(url, { headers: { 'x-forwarded-for': ipFor(n++) } } as unknown as string[])
      const opened = await new Promise<boolean>(r => {
        ws.onopen = () => r(true)
        ws.onerror = () => r(false)
      })
      if (!opened) {
        stats.refusedUpgrades++
        await Bun.sleep(50)
        continue
      }
      stats.connects++
      let closed = false
      ws.onmessage = e => {
        const f = JSON.parse(String(e.data))
        if (f.type === 'error') stats.errors[f.code] = (stats.errors[f.code] ?? 0) + 1
      }
      ws.onclose = e => {
        closed = true
        stats.closes[e.code] = (stats.closes[e.code] ?? 0) + 1
      }
      ws.send(JSON.stringify({ type: 'find', interests: ['abuse'], random: false }))
      let k = 0
      while (!closed && Date.now() < until) {
        // Blast a batch, then yield so the event loop can deliver the server's answers.
        for (let j = 0; j < 500 && !closed; j++, k++) {
          const m = k % 4
          ws.send(
            m === 0
              ? JSON.stringify({ type: 'text', id: `s${k}`, body: 'SPAM '.repeat(50) })
              : m === 1
                ? garbage[k % garbage.length]!
                : m === 2
                  ? '{"type":"next"}'
                  : '{"type":"typing","active":true}',
          )
          stats.framesSent++
        }
        await Bun.sleep(1)
      }
      if (!closed) ws.close()
    }
  }

  await Promise.all(Array.from({ length: bots }, (_, i) => bot(i)))
  console.log(JSON.stringify(stats))
}

// ---------- the measuring process ----------

interface Measure {
  latencies: number[]
  sent: number
  received: number
  refusals: number
}

async function connect(wsUrl: string, ip: string): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; wait: (type: string) => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(wsUrl, { headers: { 'x-forwarded-for': ip } } as unknown as string[])
  const frames: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  ws.onmessage = e => {
    frames.push(JSON.parse(String(e.data)))
    for (const w of waiters.splice(0)) w()
  }
  await new Promise<void>((res, rej) => {
    ws.onopen = () => res()
    ws.onerror = () => rej(new Error('connect failed'))
  })
  let cursor = 0
  const wait = async (type: string) => {
    for (;;) {
      while (cursor < frames.length) {
        const f = frames[cursor++]!
        if (f.type === type) return f
      }
      await new Promise<void>(r => waiters.push(r))
    }
  }
  return { ws, frames, wait }
}

async function measurePairs(wsUrl: string, pairs: number, secs: number, tag: string): Promise<Measure> {
  const m: Measure = { latencies: [], sent: 0, received: 0, refusals: 0 }
  const run = async (p: number) => {
    const a = await connect(wsUrl, `10.77.${p}.1`)
    const b = await connect(wsUrl, `10.77.${p}.2`)
    const interest = `bench-${tag}-${p}`
    a.ws.send(JSON.stringify({ type: 'find', interests: [interest], random: false }))
    await a.wait('queued')
    b.ws.send(JSON.stringify({ type: 'find', interests: [interest], random: false }))
    await Promise.all([a.wait('matched'), b.wait('matched')])
    const sentAt = new Map<number, number>()
    b.ws.onmessage = e => {
      const f = JSON.parse(String(e.data))
      if (f.type !== 'text') return
      const n = Number(String(f.body).split(':')[1])
      const t0 = sentAt.get(n)
      if (t0 !== undefined) {
        m.latencies.push(performance.now() - t0)
        m.received++
      }
    }
    a.ws.onmessage = e => {
      const f = JSON.parse(String(e.data))
      if (f.type === 'error') m.refusals++
    }
    const until = Date.now() + secs * 1000
    for (let n = 0; Date.now() < until; n++) {
      sentAt.set(n, performance.now())
      a.ws.send(JSON.stringify({ type: 'text', id: `m${n}`, body: `msg:${n}` }))
      m.sent++
      await Bun.sleep(250)
    }
    await Bun.sleep(300)
    a.ws.close()
    b.ws.close()
  }
  await Promise.all(Array.from({ length: pairs }, (_, p) => run(p)))
  return m
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** CPU seconds (user + system) the server process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return NaN
  }
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

/** The guard's cost on the hot path: checkFrame for text frames across many sessions, in-process. */
async function guardCost(): Promise<string> {
  let clock = 0
  const { createChatGuard } = await import('../../api/safety/chat-guard')
  const { loadConfig } = await import('../../api/config')
  const { createLogger } = await import('../../api/log')
  const { createMetrics } = await import('../../api/ops/metrics')
  const guard = createChatGuard({
    config: loadConfig({}),
    bans: { activeUntil: async () => null } as never,
    log: createLogger('silent'),
    metrics: createMetrics(),
    now: () => clock,
  })
  // A simulated clock: 50 µs per frame, so each session sends 2 texts a second (under the limit).
  const frame = { type: 'text' as const, id: 'x', body: 'hello' }
  const ctxs = Array.from({ length: 10_000 }, (_, i) => ({ sessionId: `session-${i}`, ipHash: `ip-${i % 2000}` }))
  const n = 1_000_000
  let refused = 0
  const t0 = performance.now()
  for (let i = 0; i < n; i++, clock += 0.05) if (guard.checkFrame(ctxs[i % ctxs.length]!, frame)) refused++
  const ns = ((performance.now() - t0) * 1e6) / n
  // For scale: what parsing the same frame costs (the hub parses before it asks the guard).
  const { createFrameParser } = await import('../../api/chat/protocol')
  const parse = createFrameParser({ maxTextLength: 2000, maxFrameBytes: 16384 })
  const raw = JSON.stringify(frame)
  const t1 = performance.now()
  for (let i = 0; i < n / 10; i++) parse(raw)
  const parseNs = ((performance.now() - t1) * 1e6) / (n / 10)
  return (
    `guard.checkFrame: ${ns.toFixed(0)} ns per text frame (${n / 1e6}M calls over ${ctxs.length} sessions, ${refused} refused, ` +
    `${guard.stats().buckets} buckets kept); parsing that frame: ${parseNs.toFixed(0)} ns`
  )
}

/** VmRSS of a process in MB, from /proc. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

/**
 * Hole 1: one address opens sockets and drops them without a goodbye, as fast as it can (16 at
 * a time), against a fresh server with the default limits and LOG_LEVEL=info. Every dropped
 * session would be held for the resume window; the caps must keep RSS flat.
 */
async function churnAttack(secs: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'leetchat-churn-'))
  const p = await freePort()
  const srv = Bun.spawn([process.execPath, 'api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(p), DATA_DIR: dir, LOG_LEVEL: 'info', TRUSTED_PROXIES: 'loopback', POW_MODE: 'off' },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  let logLines = 0
  void (async () => {
    const dec = new TextDecoder()
    for await (const chunk of srv.stdout) logLines += (dec.decode(chunk).match(/\n/g) ?? []).length
  })()
  const url = `ws://127.0.0.1:${p}/chat`
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`http://127.0.0.1:${p}/healthz`).then(
          r => r.ok,
          () => false,
        )
      )
        break
      if (i > 200) throw new Error('server did not start')
      await Bun.sleep(25)
    }
    await Bun.sleep(300)
    const rss0 = rssMb(srv.pid)
    const logs0 = logLines
    const st = { opened: 0, refused: 0 }
    const samples: number[] = []
    const until = Date.now() + secs * 1000
    const sampler = setInterval(() => samples.push(rssMb(srv.pid)), 1000)
    const worker = async () => {
      while (Date.now() < until) {
        const ws = new WebSocket(url, { headers: { 'x-forwarded-for': '172.29.0.1' } } as unknown as string[])
        const ok = await new Promise<boolean>(r => {
          ws.onopen = () => r(true)
          ws.onerror = () => r(false)
          ws.onclose = () => r(false)
        })
        if (ok) {
          st.opened++
          ws.close(4000, 'churn') // not a goodbye: the session is held for the resume window
        } else st.refused++
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
    clearInterval(sampler)
    await Bun.sleep(500)
    const metrics = await fetch(`http://127.0.0.1:${p}/metrics`).then(
      r => r.text(),
      () => '',
    )
    const held = /^leetchat_sessions(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? '?'
    const rss1 = rssMb(srv.pid)
    return (
      `session churn, ${secs} s from one address (16 sockets at a time, each dropped without a goodbye; default limits): ` +
      `${st.opened} upgrades accepted, ${st.refused} refused; sessions held at the end ${held}; ` +
      `server RSS ${rss0.toFixed(0)} MB before, max ${Math.max(...samples).toFixed(0)} MB during, ${rss1.toFixed(0)} MB after; ` +
      `${logLines - logs0} log lines written`
    )
  } finally {
    srv.kill('SIGTERM')
    await srv.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

const pairs = Number(values.pairs)
const bots = Number(values.bots)
const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-bench-'))
const port = await freePort()
const server = Bun.spawn([process.execPath, 'api/main.ts'], {
  cwd: ROOT,
  // No proof of work: the bots are raw scripts that would (and could) solve it, but this measures the rate limits.
  env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'error', TRUSTED_PROXIES: 'loopback', MATCH_FALLBACK_MS: '60000', POW_MODE: 'off' },
  stdout: 'ignore',
  stderr: 'inherit',
})
const base = `http://127.0.0.1:${port}`
const wsUrl = `ws://127.0.0.1:${port}/chat`
try {
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        r => r.ok,
        () => false,
      )
    )
      break
    if (i > 200) throw new Error('server did not start')
    await Bun.sleep(25)
  }

  console.log(`abuse bench: ${pairs} well-behaved pairs, 4 msg/s each, ${seconds} s per phase; ${bots} abuse bots (bun ${Bun.version}, ${navigator.hardwareConcurrency} cores)`)

  console.log(await guardCost())

  let cpu0 = cpuSeconds(server.pid)
  const calm = await measurePairs(wsUrl, pairs, seconds, 'calm')
  const calmCpu = cpuSeconds(server.pid) - cpu0

  const abuser = Bun.spawn([process.execPath, import.meta.path, '--abuser', wsUrl, '--bots', String(bots), '--seconds', String(seconds + 2)], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'inherit',
  })
  await Bun.sleep(1000) // let the flood build up before measuring
  cpu0 = cpuSeconds(server.pid)
  const stormy = await measurePairs(wsUrl, pairs, seconds, 'storm')
  const stormCpu = cpuSeconds(server.pid) - cpu0
  const abuse = JSON.parse((await new Response(abuser.stdout).text()).trim().split('\n').pop() || '{}')
  await abuser.exited

  const row = (name: string, m: Measure, cpu: number) =>
    `${name.padEnd(16)} sent ${String(m.sent).padStart(5)}  received ${String(m.received).padStart(5)}  refused ${m.refusals}  ` +
    `p50 ${pct(m.latencies, 50).toFixed(2)} ms  p99 ${pct(m.latencies, 99).toFixed(2)} ms  max ${Math.max(...m.latencies).toFixed(2)} ms  server cpu ${((cpu / seconds) * 100).toFixed(0)}%`
  console.log(row('alone', calm, calmCpu))
  console.log(row('with abusers', stormy, stormCpu))
  const errs = Object.entries<number>(abuse.errors ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  const closes = Object.entries<number>(abuse.closes ?? {})
    .map(([k, v]) => `${k}×${v}`)
    .join(', ')
  console.log(`abusers: ${abuse.framesSent} frames sent over ${abuse.connects} connections (${abuse.refusedUpgrades} upgrades refused); errors back: ${errs}; closes: ${closes}`)
  console.log(await churnAttack(Number(values['churn-seconds'])))
} finally {
  server.kill('SIGTERM')
  await server.exited
  rmSync(dataDir, { recursive: true, force: true })
}
