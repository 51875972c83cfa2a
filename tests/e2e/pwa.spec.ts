// The installable shell: service worker, manifest, offline start.
import { expect, test, type Page } from '@playwright/test'

async function activatedWorker(page: Page) {
  // `ready` can resolve while the worker is still activating: wait for the statechange.
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready
    const sw = reg.active!
    if (sw.state !== 'activated') {
      await new Promise<void>(resolve => sw.addEventListener('statechange', () => sw.state === 'activated' && resolve()))
    }
    return { state: sw.state, script: new URL(sw.scriptURL).pathname, scope: new URL(reg.scope).pathname }
  })
}

function pngSize(buf: Buffer): string {
  expect(buf.subarray(1, 4).toString('latin1')).toBe('PNG')
  return `${buf.readUInt32BE(16)}x${buf.readUInt32BE(20)}`
}

test('the service worker activates and precaches the shell, but never the live paths', async ({ page }) => {
  await page.goto('/')
  expect(await activatedWorker(page)).toEqual({ state: 'activated', script: '/sw.js', scope: '/' })
  const cached = await page.evaluate(async () => {
    const urls: string[] = []
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname)
    }
    return urls
  })
  expect(cached).toContain('/index.html')
  expect(cached.some(u => /^\/assets\/index-.*\.js$/.test(u))).toBe(true)
  // English's manifest is precached; the other locales' (manifest.<locale>.webmanifest) are not.
  expect(cached).toContain('/manifest.webmanifest')
  expect(cached.filter(u => /^\/manifest\..+\.webmanifest$/.test(u))).toEqual([])
  expect(cached.filter(u => /^\/(chat|trpc|upload|media|healthz|readyz|metrics)/.test(u))).toEqual([])

  // Navigations to the server's own paths reach the server, not the cached shell.
  await page.reload() // now controlled by the worker
  expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true)
  for (const path of ['/chat', '/healthz', '/trpc/interests.popular']) {
    const res = (await page.goto(path))!
    expect(res.fromServiceWorker(), path).toBe(false)
    expect(res.headers()['content-type'], path).toContain('application/json')
  }
})

test('the web manifest is linked and valid, with real 192/512 and maskable icons', async ({ page, request }) => {
  await page.goto('/')
  const href = await page.locator('link[rel=manifest]').getAttribute('href')
  expect(href).toBeTruthy()
  const res = await request.get(href!)
  expect(res.ok()).toBe(true)
  expect(res.headers()['content-type']).toContain('application/manifest+json')
  const m = await res.json()
  expect(m).toMatchObject({ name: expect.stringContaining('leetChat'), short_name: 'leetChat', start_url: '/', scope: '/', display: 'standalone' })
  expect(m.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
  expect(m.background_color).toMatch(/^#[0-9a-f]{6}$/i)
  const icons = m.icons as Array<{ src: string; sizes: string; type: string; purpose?: string }>
  expect(icons.map(i => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable'])
  for (const icon of icons) {
    const r = await request.get(icon.src)
    expect(r.headers()['content-type']).toBe('image/png')
    expect(pngSize(await r.body())).toBe(icon.sizes)
  }
  await expect(page.locator('meta[name=theme-color]').first()).toHaveAttribute('content', /^#/)
  await expect(page.locator('link[rel=apple-touch-icon]')).toHaveAttribute('href', '/apple-touch-icon.png')
})

test('a reload without network shows the app shell in an offline state', async ({ page, context }) => {
  await page.goto('/')
  await activatedWorker(page)
  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('heading', { name: /Talk to a stranger/ })).toBeVisible()
  await expect(page.getByText("You're offline.")).toBeVisible()
  await expect(page.getByText('Offline', { exact: true })).toBeVisible()
  // Any app path works offline too (navigation fallback to the shell).
  await page.goto('/some/deep/link')
  await expect(page.getByRole('heading', { name: /Talk to a stranger/ })).toBeVisible()
  await context.setOffline(false)
  await expect(page.getByText(/\d+ online/)).toBeVisible()
})
