// The add-to-home-screen offer and the "new version" prompt.
import { expect, test } from '@playwright/test'
import { spawn } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openApp } from './helpers'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

test('a captured beforeinstallprompt becomes an Install button that replays the prompt; Not now hides it for good', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  await expect(page.getByRole('button', { name: 'Install' })).toBeHidden()
  // Chromium fires this when the app is installable; headless never does, so the test fires it.
  const fire = () =>
    page.evaluate(() => {
      const e = new Event('beforeinstallprompt', { cancelable: true }) as Event & { prompt(): Promise<void>; userChoice: Promise<unknown> }
      ;(window as unknown as { prompted: number }).prompted = 0
      e.prompt = async () => void (window as unknown as { prompted: number }).prompted++
      e.userChoice = Promise.resolve({ outcome: 'dismissed' })
      dispatchEvent(e)
      return e.defaultPrevented
    })
  expect(await fire()).toBe(true) // the browser's own mini-infobar is held back
  await page.getByRole('button', { name: 'Install' }).click()
  expect(await page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1)
  await expect(page.getByRole('button', { name: 'Install' })).toBeHidden() // a prompt can be replayed once

  await fire()
  await page.getByRole('button', { name: 'Not now' }).click()
  await expect(page.getByRole('button', { name: 'Install' })).toBeHidden()
  await page.reload()
  await fire()
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  await expect(page.getByRole('button', { name: 'Install' })).toBeHidden()
  await context.close()
})

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

test('when a new version is waiting, "A new version is ready — Reload" swaps it in', async ({ browser }) => {
  // A private copy of the build on its own server, so changing sw.js touches no other test.
  const dist = mkdtempSync(join(tmpdir(), 'leetchat-dist-'))
  cpSync(join(ROOT, 'pwa/dist'), dist, { recursive: true })
  const port = await freePort()
  const server = spawn(join(ROOT, 'node_modules/.bin/bun'), ['tests/e2e/support/serve-dist.ts', dist, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const context = await browser.newContext()
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve())
      server.on('exit', code => reject(new Error(`update test server exited ${code}`)))
    })
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.evaluate(async () => {
      const sw = (await navigator.serviceWorker.ready).active!
      if (sw.state !== 'activated') await new Promise<void>(r => sw.addEventListener('statechange', () => sw.state === 'activated' && r()))
    })
    await expect(page.getByText('A new version is ready')).toBeHidden()

    // A new deploy: sw.js differs, the browser installs it on the next check and it waits.
    appendFileSync(join(dist, 'sw.js'), '\n// next version\n')
    await page.reload()
    const prompt = page.getByText('A new version is ready')
    await expect(prompt).toBeVisible()
    const reloaded = page.waitForEvent('framenavigated')
    await page.getByRole('button', { name: 'Reload' }).click()
    await reloaded
    await page.waitForLoadState()
    // The page reloaded under the new worker: nothing waits any more, and no prompt.
    const after = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration()
      return { waiting: Boolean(reg?.waiting), active: reg?.active?.state, controlled: Boolean(navigator.serviceWorker.controller) }
    })
    expect(after).toEqual({ waiting: false, active: 'activated', controlled: true })
    await expect(page.getByRole('heading', { name: /Talk to a stranger/ })).toBeVisible()
    await expect(prompt).toBeHidden()
  } finally {
    await context.close()
    server.kill('SIGTERM')
    rmSync(dist, { recursive: true, force: true })
  }
})
