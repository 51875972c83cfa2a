// Hole 6: /readyz was blind to write failures. With a full disk or a read-only DATA_DIR every
// read still worked (ready: 200) while uploads and reports failed with 500. Now the database and
// DATA_DIR/media are probed with real writes, a failure is 503 naming the part, an upload says
// storage_unavailable, and a report that cannot be stored still ends the reporter's chat.
// Real mounts (tmpfs, remounted read-only or filled up): chmod stops nobody when tests run as root.
import { afterEach, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp, type TestApp } from '../support/app'
import { backend } from '../support/backend'
import { grantTicket, put, storedFiles } from '../support/media'
import * as files from '../support/media-files'
import { healthyPair, meet, person } from '../support/people'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'
import { callError, trpcClient } from '../support/trpc-calls'

const be = backend()
const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

function mount(dir: string, options: string) {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir])
  cleanup.push(() => {
    execFileSync('umount', ['-l', dir])
  })
}
const remount = (dir: string, mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir])

const canMount = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'leetchat-mount-check-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' })
    execFileSync('umount', [dir])
    return true
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

/** A data folder with its own mount at `mountAt` ('' = the folder itself, 'media' = its media folder). */
function dataDirWithMount(mountAt: '' | 'media', size = '8m'): string {
  const dir = mkdtempSync(join(tmpdir(), 'leetchat-storage-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const target = join(dir, mountAt)
  mkdirSync(target, { recursive: true })
  mount(target, `size=${size},mode=0700`)
  return dir
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp(env, { dataDir })
  cleanup.push(() => app.close())
  return app
}

type Body = { ok: boolean; database: boolean; cache: boolean; databaseWritable: boolean; mediaWritable: boolean }
async function readyz(app: TestApp): Promise<{ status: number; body: Body }> {
  const r = await fetch(app.url + '/readyz')
  return { status: r.status, body: (await r.json()) as Body }
}
/** Polls like a load balancer; the write probes are cached for 2 s. */
async function readyzUntil(app: TestApp, want: number, withinMs = 5000) {
  const end = performance.now() + withinMs
  for (;;) {
    const r = await readyz(app)
    if (r.status === want) return r
    if (performance.now() > end) throw new Error(`/readyz still ${r.status} ${JSON.stringify(r.body)} after ${withinMs} ms`)
    await Bun.sleep(100)
  }
}

/** Fills the file system holding `dir` to the last byte; returns a function that frees it again. */
function fill(dir: string): () => void {
  const file = join(dir, 'filler')
  const fd = openSync(file, 'w')
  for (const size of [1 << 20, 64 << 10, 4096, 512, 1]) {
    const buf = Buffer.alloc(size)
    try {
      for (;;) writeSync(fd, buf)
    } catch {}
  }
  closeSync(fd)
  return () => unlinkSync(file)
}

/** A chat between two people; the first asks a report, which the database cannot store. */
async function reportThatCannotBeStored(app: TestApp) {
  const reporter = await person(app)
  const other = await person(app)
  await meet(reporter, other)
  return {
    reporter,
    other,
    report: () =>
      callError(trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({ reason: 'abuse', note: 'nasty' })),
  }
}

describe.if(canMount)('/readyz and writes on a broken disk', () => {
  test('read-only media folder: 503 naming it, uploads answer 503 storage_unavailable and store nothing, 200 again after', async () => {
    const dataDir = dataDirWithMount('media')
    const app = await start(dataDir)
    expect(await readyz(app)).toEqual({ status: 200, body: expect.objectContaining({ ok: true, databaseWritable: true, mediaWritable: true }) })

    remount(join(dataDir, 'media'), 'ro')
    const down = await readyzUntil(app, 503)
    expect(down.body).toMatchObject({ ok: false, mediaWritable: false, databaseWritable: true, database: true, cache: true })

    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const t = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: files.png().length, name: 'x.png' })
    const r = await put(app, t.uploadUrl, files.png(), a.session)
    expect(r.status).toBe(503)
    expect(r.json?.error?.code).toBe('storage_unavailable')
    expect(r.json?.error?.message).not.toContain(dataDir)
    expect(await b.nothing('media', 50)).toBe(true)
    a.close()
    b.close()

    remount(join(dataDir, 'media'), 'rw')
    expect((await readyzUntil(app, 200)).body).toMatchObject({ ok: true, mediaWritable: true })
    expect(storedFiles(app).filter(f => f !== 'tmp')).toEqual([])
    await healthyPair(app)
  })

  test('full disk under DATA_DIR: 503 naming what fails; an embedded database cannot store a report, which still ends the chat', async () => {
    const dataDir = dataDirWithMount('')
    const app = await start(dataDir)
    expect((await readyz(app)).status).toBe(200)

    const free = fill(dataDir)
    const down = await readyzUntil(app, 503)
    expect(down.body).toMatchObject({ ok: false, mediaWritable: false })
    // SQLite lives in DATA_DIR too; MariaDB does not.
    expect(down.body.databaseWritable).toBe(be.name === 'mysql')

    if (be.name === 'embedded') {
      const { reporter, other, report } = await reportThatCannotBeStored(app)
      const err = await report()
      expect(err).toMatchObject({ appCode: 'report_not_stored', httpStatus: 503 })
      expect(err.message).toContain('ended')
      expect(await reporter.next('ended')).toMatchObject({ by: 'you', reason: 'reported' })
      expect(await other.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
      free()
      // Once there is room again the just-ended chat can be reported after all.
      await readyzUntil(app, 200)
      await trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({ reason: 'abuse' })
      reporter.close()
      other.close()
    } else {
      free()
    }
    expect((await readyzUntil(app, 200)).body).toMatchObject({ ok: true, databaseWritable: true, mediaWritable: true })
    await healthyPair(app)
  })
})

test.if(be.name === 'mysql')('MariaDB refusing the report write: report_not_stored, and the chat is ended anyway', async () => {
  const target = new URL(be.databaseUrl!)
  const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
  cleanup.push(() => proxy.stop())
  const viaProxy = new URL(be.databaseUrl!)
  viaProxy.hostname = '127.0.0.1'
  viaProxy.port = String(proxy.port)
  const app = await startTestApp({ DATABASE_URL: viaProxy.toString() })
  cleanup.push(() => app.close())

  const { reporter, other, report } = await reportThatCannotBeStored(app)
  await proxy.cut()
  const err = await report()
  expect(err).toMatchObject({ appCode: 'report_not_stored', httpStatus: 503 })
  expect(await reporter.next('ended')).toMatchObject({ by: 'you', reason: 'reported' })
  expect(await other.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
  expect((await readyzUntil(app, 503)).body).toMatchObject({ database: false, databaseWritable: false })
  await proxy.restore()
  await readyzUntil(app, 200)
  reporter.close()
  other.close()
  await healthyPair(app)
})
