// The app in the browser's language: a pt-BR browser gets Portuguese (heading, buttons, the rules
// gate) and asks for strangers who speak Portuguese; an Arabic one lays the whole app out right
// to left (screenshot at 360 px); the menu's language picker switches every visible string in
// place, without a reload, and the choice is kept on the device.
import { expect, test, type Page } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { overflowing, PHONE } from './helpers'

const SHOTS = fileURLToPath(new URL('./.screenshots/', import.meta.url))

async function open(page: Page) {
  page.on('pageerror', err => console.error(`[page error] ${err.message}`))
  await page.goto('/')
  await expect(page.getByText(/\d+/).first()).toBeVisible()
}

test('a pt-BR browser opens the app in Portuguese, rules gate included, and finds with languages: [pt]', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: PHONE })
  const page = await context.newPage()
  const sent: Array<Record<string, unknown>> = []
  page.on('websocket', ws => ws.on('framesent', f => typeof f.payload === 'string' && sent.push(JSON.parse(f.payload))))
  await open(page)
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR')
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr')
  // The page's title, description and manifest are Portuguese too (the manifest is a build output).
  await expect(page).toHaveTitle('leetChat — converse com desconhecidos que curtem o mesmo que você')
  await expect(page.locator('meta[name=description]')).toHaveAttribute('content', /^Chat anônimo, um a um, com desconhecidos/)
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.pt-BR.webmanifest')
  const manifest = await context.request.get('/manifest.pt-BR.webmanifest')
  expect(manifest.headers()['content-type']).toContain('application/manifest+json')
  expect(await manifest.json()).toMatchObject({
    id: '/',
    start_url: '/',
    scope: '/',
    lang: 'pt-BR',
    dir: 'ltr',
    name: 'leetChat — converse com desconhecidos que curtem o mesmo que você',
  })
  await expect(page.getByRole('heading', { level: 1, name: 'Converse com um desconhecido que curte o mesmo que você.' })).toBeVisible()
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  await expect(page.getByRole('switch', { name: 'Qualquer idioma' })).toBeChecked()
  await page.getByLabel('Seus interesses').fill('futebol')
  await page.getByRole('button', { name: 'Começar a conversar' }).click()
  const gate = page.getByRole('dialog', { name: 'Antes de começar' })
  await expect(gate.getByRole('link', { name: 'Ler as regras' })).toBeVisible()
  await gate.getByRole('checkbox', { name: /Tenho 18 anos ou mais/ }).check()
  await gate.getByRole('button', { name: 'Concordar e começar' }).click()
  await expect(page.getByRole('heading', { name: /Procurando um desconhecido/ })).toBeVisible()
  await expect.poll(() => sent.find(f => f.type === 'find')).toMatchObject({ interests: ['futebol'], languages: ['pt'], anyLanguage: true })
  await page.getByRole('button', { name: 'Cancelar' }).click()
  await context.close()
})

test('an Arabic browser gets the whole app right to left (screenshot at 360 px)', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'ar', viewport: PHONE })
  const page = await context.newPage()
  await open(page)
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar')
  await expect(page.getByRole('heading', { level: 1, name: 'تحدّث مع غريب يحب ما تحبه.' })).toBeVisible()
  // Mirrored: the brand is at the right end of the top bar, the menu at the left.
  const brand = (await page.locator('.topbar .brand').boundingBox())!
  const menu = (await page.getByRole('button', { name: 'القائمة' }).boundingBox())!
  expect(brand.x).toBeGreaterThan(menu.x)
  expect(brand.x + brand.width).toBeGreaterThan(PHONE.width - 40)
  // The switch's text starts on the right too.
  const label = (await page.getByText('أي لغة').boundingBox())!
  expect(label.x + label.width).toBeGreaterThan(PHONE.width / 2)
  expect(await overflowing(page)).toEqual([])
  await page.getByRole('heading', { level: 1 }).click()
  await page.screenshot({ path: `${SHOTS}home-phone-ar.png` })
  await context.close()
})

test('the menu switches the language in place (no reload) and the choice is kept after a reload', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', viewport: PHONE })
  const page = await context.newPage()
  await open(page)
  await expect(page.getByRole('heading', { level: 1, name: 'Talk to a stranger who likes what you like.' })).toBeVisible()
  await expect(page).toHaveTitle('leetChat — talk to strangers who like what you like')
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.webmanifest')
  const description = page.locator('meta[name=description]')
  await expect(description).toHaveAttribute('content', /^Anonymous one-to-one chat/)
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true))
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('es')
  await expect(page.getByRole('heading', { level: 1, name: 'Habla con un desconocido al que le gusta lo mismo que a ti.' })).toBeVisible()
  await expect(page).toHaveTitle('leetChat — habla con desconocidos a los que les gusta lo mismo que a ti')
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.es.webmanifest')
  await expect(description).toHaveAttribute('content', /^Chat anónimo uno a uno/)
  await expect(page.getByRole('button', { name: 'Empezar a chatear' })).toBeVisible()
  await expect(page.getByRole('combobox', { name: 'Idioma', exact: true })).toHaveValue('es')
  await expect(page.locator('html')).toHaveAttribute('lang', 'es')
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true)
  // Right to left and back, still in place.
  await page.getByRole('combobox', { name: 'Idioma', exact: true }).selectOption('ar')
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.ar.webmanifest')
  await page.getByRole('combobox', { name: 'اللغة', exact: true }).selectOption('en')
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr')
  // Back to English: the default manifest and the page's own description.
  await expect(page).toHaveTitle('leetChat — talk to strangers who like what you like')
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.webmanifest')
  await expect(description).toHaveAttribute('content', /^Anonymous one-to-one chat/)
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('es')
  await expect(page.locator('html')).toHaveAttribute('lang', 'es')
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true)

  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Habla con un desconocido al que le gusta lo mismo que a ti.' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'es')
  await context.close()
})

test('only the active catalog is fetched; the service worker caches it on first use, so the language works offline', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'de-DE', viewport: PHONE })
  const page = await context.newPage()
  const catalogs: string[] = []
  page.on('request', r => /\/assets\/lang-/.test(r.url()) && catalogs.push(new URL(r.url()).pathname))
  await open(page)
  await expect(page.getByRole('heading', { level: 1, name: 'Sprich mit einer fremden Person, die mag, was du magst.' })).toBeVisible()
  expect(catalogs.length).toBeGreaterThan(0)
  expect(catalogs.every(u => /^\/assets\/lang-de-/.test(u))).toBe(true)
  // The first visit fetched it before the worker controlled the page: the app fetches it again
  // once the worker takes over, and the worker's runtime cache keeps it (the precache does not).
  const cached = async () =>
    page.evaluate(async () => {
      const out: Record<string, string[]> = {}
      for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map(r => new URL(r.url).pathname)
      return out
    })
  await expect.poll(async () => (await cached())['leetchat-i18n'] ?? [], { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^\/assets\/lang-de-/))
  const precached = Object.entries(await cached())
    .filter(([name]) => name !== 'leetchat-i18n')
    .flatMap(([, urls]) => urls)
  expect(precached.some(u => /^\/assets\/index-/.test(u))).toBe(true)
  expect(precached.filter(u => /\/assets\/lang-/.test(u))).toEqual([])

  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Sprich mit einer fremden Person, die mag, was du magst.' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'de')
  await context.close()
})
