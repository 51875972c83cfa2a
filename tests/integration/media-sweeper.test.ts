// The media sweeper: expired files and rows go, live ones stay, a missing file is no error. Time
// is driven by the app's injected clock, not by waiting for the retention to pass.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, unlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { eq, lte } from 'drizzle-orm'
import { tables } from '../../db'
import type { MediaInfo } from '../../api/chat/protocol'
import { createLogger } from '../../api/log'
import { startTestApp, type TestApp } from '../support/app'
import { backend } from '../support/backend'
import { pair } from '../support/ws-client'
import * as files from '../support/media-files'
import { send } from '../support/media'

const RETENTION_MS = 1800 * 1000

async function stored(app: TestApp, m: MediaInfo) {
  const [row] = await app.services.db.db.select().from(tables.media).where(eq(tables.media.id, m.id))
  return { row: row ?? null, file: row ? existsSync(join(app.dataDir, 'media', row.storageKey)) : false }
}

/**
 * What a sweep at `at` must remove. On MariaDB every test file shares one database, so rows of
 * other files (whose files live in other DATA_DIRs) may be due too: count them, don't assume.
 */
async function due(app: TestApp, at: number) {
  const rows = await app.services.db.db.select().from(tables.media).where(lte(tables.media.expiresAt, at))
  return { removed: rows.length, missingFiles: rows.filter(r => !existsSync(join(app.dataDir, 'media', r.storageKey))).length, staleTemp: 0, stills: 0 }
}

async function uploadOne(app: TestApp): Promise<MediaInfo> {
  const { a, b } = await pair(() => app.client())
  const r = await send(app, a.session, 'image', 'image/png', files.png(), 'x.png')
  a.close()
  b.close()
  return r.json!.media!
}

describe('the sweeper, run by hand', () => {
  let app: TestApp
  let skew = 0
  beforeAll(async () => {
    app = await startTestApp({}, { now: () => Date.now() + skew })
    // Only the sweeps this test runs: a scheduled one at a minute boundary would race the counts.
    await app.sweeper.stop()
  })
  afterAll(() => app.close())

  test('deletes media whose retention has passed, file and row, and leaves younger media alone', async () => {
    const old = await uploadOne(app)
    skew += 1_000_000
    const young = await uploadOne(app)
    skew += 900_000 // old is 1900 s old, young 900 s
    const oldFile = join(app.dataDir, 'media', (await stored(app, old)).row!.storageKey)
    expect(existsSync(oldFile)).toBe(true)

    const expected = await due(app, Date.now() + skew)
    expect(expected.removed - expected.missingFiles).toBe(1)
    expect(await app.sweeper.sweepOnce()).toEqual(expected)
    expect(await stored(app, old)).toEqual({ row: null, file: false })
    expect(existsSync(oldFile)).toBe(false)
    expect((await stored(app, young)).file).toBe(true)
    const res = await fetch(app.url + young.url)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(files.png())

    // Nothing else is due: a second sweep removes nothing.
    expect((await app.sweeper.sweepOnce()).removed).toBe(0)
    expect((await stored(app, young)).row).not.toBeNull()
  })

  test('a file that is already gone does not stop the sweep, and its row is removed', async () => {
    const m = await uploadOne(app)
    const { row } = await stored(app, m)
    unlinkSync(join(app.dataDir, 'media', row!.storageKey))
    // The row points at nothing: the link says so instead of failing.
    expect((await fetch(app.url + m.url)).status).toBe(404)
    skew += RETENTION_MS + 1000
    const expected = await due(app, Date.now() + skew)
    expect(await app.sweeper.sweepOnce()).toEqual(expected)
    expect(expected.missingFiles).toBeGreaterThanOrEqual(1)
    expect((await stored(app, m)).row).toBeNull()
  })

  test('media past its retention is refused even before a sweep gets to it', async () => {
    const retained = await startTestApp({ MEDIA_RETENTION_SECONDS: '60' }, { now: () => Date.now() + skew })
    try {
      const m = await uploadOne(retained)
      skew += 61_000
      const res = await fetch(retained.url + m.url)
      expect(res.status).toBe(410)
      expect((await res.json()).error.code).toBe('link_expired')
    } finally {
      await retained.close()
    }
  })
})

describe('the sweeper on its croner schedule', () => {
  test('runs on MEDIA_SWEEP_CRON and logs how many it removed', async () => {
    const lines: string[] = []
    let skew = 0
    const app = await startTestApp({ MEDIA_SWEEP_CRON: '* * * * * *' }, { now: () => Date.now() + skew, log: createLogger('info', {}, l => lines.push(l)) })
    try {
      const m = await uploadOne(app)
      skew += RETENTION_MS + 1000
      // The row goes before the sweep logs its count (temp files are pruned in between): wait for both.
      const sweepLine = () => lines.map(l => JSON.parse(l)).find(l => l.msg === 'media sweep')
      const until = Date.now() + 5000
      while (((await stored(app, m)).row || !sweepLine()) && Date.now() < until) await Bun.sleep(100)
      expect(await stored(app, m)).toEqual({ row: null, file: false })
      const sweep = sweepLine()
      expect(sweep).toMatchObject({ level: 'info' })
      expect(sweep.removed).toBeGreaterThanOrEqual(1)
    } finally {
      await app.close()
    }
  })
})

describe('bun run sweep', () => {
  test('runs one sweep for operators against the same DATA_DIR and database', async () => {
    // Uploaded "two days ago" on the app's clock, so the real clock the CLI uses finds it expired.
    const app = await startTestApp({}, { now: () => Date.now() - 2 * 86_400_000 })
    await app.sweeper.stop()
    try {
      const m = await uploadOne(app)
      expect((await stored(app, m)).file).toBe(true)
      const b = backend()
      const expected = await due(app, Date.now())
      const proc = Bun.spawn([process.execPath, 'run', 'sweep'], {
        cwd: resolve(import.meta.dir, '../..'),
        env: { ...process.env, DATA_DIR: app.dataDir, LOG_LEVEL: 'info', ...(b.databaseUrl && { DATABASE_URL: b.databaseUrl }) },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()])
      expect(err).not.toContain('sweep failed')
      expect(code).toBe(0)
      const summary = out
        .trim()
        .split('\n')
        .map(l => JSON.parse(l))
        .find(l => l.msg === 'media sweep finished')
      expect(summary).toMatchObject(expected)
      expect(expected.removed - expected.missingFiles).toBe(1)
      expect(await stored(app, m)).toEqual({ row: null, file: false })
    } finally {
      await app.close()
    }
  })
})
