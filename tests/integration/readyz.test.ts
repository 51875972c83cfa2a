// /readyz follows the backends: not ready (503) soon after MariaDB or memcached goes away, ready
// again once it is back, without restarting the app. memcached is a private one this test stops;
// the machine's MariaDB is shared, so it "goes away" behind a TCP proxy instead.
import { afterEach, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { backend } from '../support/backend'
import { startMemcached, type Memcached } from '../support/memcached'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'

const be = backend()
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

interface Probe {
  status: number
  ms: number
  body: { ok: boolean; database: boolean; cache: boolean }
}

async function probe(app: TestApp): Promise<Probe> {
  const t0 = performance.now()
  const r = await fetch(app.url + '/readyz')
  return { status: r.status, body: await r.json(), ms: performance.now() - t0 }
}

/** Probes until `want` (like a load balancer would); returns the first matching probe. */
async function probeUntil(app: TestApp, want: number, withinMs: number): Promise<Probe> {
  const end = performance.now() + withinMs
  for (;;) {
    const p = await probe(app)
    if (p.status === want) return p
    if (performance.now() > end) throw new Error(`/readyz still ${p.status} (${JSON.stringify(p.body)}) after ${withinMs} ms`)
    await Bun.sleep(50)
  }
}

describe('/readyz', () => {
  test('memcached stopped: not ready within a second, ready again once it is back', async () => {
    const mc: Memcached = await startMemcached()
    cleanup.push(() => mc.stop())
    const app = await startTestApp({ MEMCACHED_SERVERS: mc.servers })
    cleanup.push(() => app.close())
    expect((await probe(app)).status).toBe(200)

    await mc.stop()
    const down = await probeUntil(app, 503, 1000)
    expect(down.body).toMatchObject({ ok: false, cache: false, database: true })
    expect(down.ms).toBeLessThan(1500)

    await mc.start()
    const up = await probeUntil(app, 200, 3000)
    expect(up.body).toEqual({ ok: true, database: true, cache: true, closing: false, databaseWritable: true, mediaWritable: true } as Probe['body'])
  })

  test.if(be.name === 'mysql')('MariaDB unreachable (refused, then hung): not ready within a second each time, ready again after', async () => {
    const target = new URL(be.databaseUrl!)
    const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    cleanup.push(() => proxy.stop())
    const viaProxy = new URL(be.databaseUrl!)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    const app = await startTestApp({ DATABASE_URL: viaProxy.toString() })
    cleanup.push(() => app.close())
    expect((await probe(app)).status).toBe(200)

    // Like a stopped server: connections reset, the port refuses.
    await proxy.cut()
    const refused = await probeUntil(app, 503, 1000)
    expect(refused.body).toMatchObject({ ok: false, database: false })
    expect(refused.ms).toBeLessThan(1500)
    await proxy.restore()
    expect((await probeUntil(app, 200, 3000)).body.database).toBe(true)

    // Like a hung server or a dead network: nothing answers, and the probe must not hang.
    await proxy.blackhole()
    const hung = await probeUntil(app, 503, 2500)
    expect(hung.body.database).toBe(false)
    expect(hung.ms).toBeLessThan(1500)
    await proxy.restore()
    expect((await probeUntil(app, 200, 3000)).body.database).toBe(true)
  })

  test('while shutting down it reports not ready', async () => {
    const app = await startTestApp()
    expect((await probe(app)).body).toMatchObject({ ok: true, closing: false })
    const stopping = app.close()
    // The listener may already be gone for new connections (a balancer then sees it refused);
    // the handler itself, asked in-process during the drain, answers 503. An in-process request
    // has no loopback peer, so it gets the public answer (the status alone, no component detail).
    const r = await app.server.fetch(new Request(app.url + '/readyz'))
    expect(r.status).toBe(503)
    const body = (await r.json()) as Record<string, unknown>
    expect(body).toEqual({ ok: false })
    await stopping
  })
})
