// Hole 5: a path the file system refuses to open (ENAMETOOLONG for a 6 KB path) answered 500 and
// logged a 4 KB error line carrying the absolute path of the static folder. Such a path is simply
// not there: 404, nothing above debug in the log, and the absolute path never written anywhere.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../api/log'
import { startTestApp, type TestApp } from '../support/app'

let app: TestApp
const root = mkdtempSync(join(tmpdir(), 'leetchat-static-long-'))
const lines: string[] = []

beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>leetChat</title>')
  app = await startTestApp({ LOG_LEVEL: 'debug' }, { staticRoot: root, log: createLogger('debug', {}, l => lines.push(l)) })
})
afterAll(() => app.close())

test('a 6 KB static path, or one with a 6 KB segment, is a 404 with nothing logged above debug and no absolute path', async () => {
  const seg = 'a'.repeat(6 * 1024)
  for (const path of [`/${seg}`, `/${seg}.js`, `/assets/${seg}.css`, `/${'ab/'.repeat(2000)}x.html`, `/${'b'.repeat(300)}.png`, `/${seg}/`]) {
    for (const accept of ['text/html', '*/*']) {
      lines.length = 0
      const res = await fetch(app.url + path, { headers: { accept } })
      const body = await res.text()
      expect({ path: path.slice(0, 20), accept, status: res.status }).toEqual({ path: path.slice(0, 20), accept, status: 404 })
      expect(body).not.toContain(root)
      await Bun.sleep(5)
      const entries = lines.map(l => JSON.parse(l) as { level: string; msg: string })
      expect(entries.filter(e => e.level === 'error' || e.level === 'warn')).toEqual([])
      for (const l of lines) {
        expect(l).not.toContain(root)
        expect(l.length).toBeLessThan(1024)
      }
    }
  }
  // The app still serves its page.
  expect((await fetch(app.url + '/', { headers: { accept: 'text/html' } })).status).toBe(200)
})
