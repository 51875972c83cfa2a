// "Ask before showing photos" (the ⋮ menu, kept on the device, on for a new device): every photo
// from the stranger arrives blurred behind "Tap to view", not only the ones the screen flags;
// turned off, unflagged photos show at once. Own photos are never blurred.
// A server of its own with the image screen off: no photo is flagged here (the suite's server may
// flag one unscreened when its classifier is slow to start), so every blur seen is the setting's.
import { expect, test } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { banner, openApp, pair, start, uniqueInterest } from './helpers'
import { startOwnServer, type OwnServer } from './support/own-server'

const PHOTO = fileURLToPath(new URL('../../pwa/public/icon-512.png', import.meta.url))
let own: OwnServer | undefined
let origin = ''

test.beforeAll(async () => {
  own = await startOwnServer('photos', {
    SCREEN_IMAGES: 'off',
    RATE_TICKETS_PER_MINUTE: '1000',
    POW_BITS: '16',
    POW_MAX_BITS: '16',
  })
  origin = own.origin
})

test.afterAll(async () => {
  await own?.stop()
})

test('on for a new device: the stranger\'s photo arrives blurred, "Click to view" (a desktop) shows it; the sender\'s own is plain', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('ask'), { a: { baseURL: origin }, b: { baseURL: origin } })
  await a.page.locator('input[type=file]').setInputFiles(PHOTO)
  const reveal = b.page.getByRole('button', { name: 'Click to view' })
  await expect(reveal).toBeVisible()
  const blurred = b.page.locator('.screened-media')
  expect(await blurred.evaluate(el => getComputedStyle(el).filter)).toMatch(/blur\(\d+px\)/)
  // Not flagged: no "May be explicit", just the choice.
  await expect(b.page.getByText('May be explicit')).toHaveCount(0)
  await expect(b.page.getByRole('img', { name: 'Photo from the stranger' })).toHaveCount(0)
  await expect(b.page.getByRole('button', { name: 'Open photo from the stranger' })).toHaveCount(0)
  // The sender's own photo: plain, no note.
  await expect(a.page.getByRole('img', { name: 'Photo from you' })).toBeVisible()
  await expect(a.page.getByRole('button', { name: /^(Tap|Click) to view$/ })).toHaveCount(0)
  await expect(a.page.getByText('Shown blurred to the stranger')).toHaveCount(0)

  await reveal.click()
  await expect(b.page.getByRole('img', { name: 'Photo from the stranger' })).toBeVisible()
  await expect(b.page.locator('.screened-media')).toHaveCount(0)
  await b.page.getByRole('button', { name: 'Open photo from the stranger' }).click()
  await expect(b.page.getByRole('dialog', { name: 'Photo from the stranger' })).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test("turned off in the menu (and still off after a reload), the stranger's photos show at once", async ({ browser }) => {
  const shared = uniqueInterest('noask')
  const c = await openApp(browser, { baseURL: origin })
  await c.page.getByRole('button', { name: 'Menu' }).click()
  const setting = c.page.getByRole('switch', { name: 'Ask before showing photos' })
  await expect(setting).toBeChecked()
  await setting.click()
  await expect(setting).not.toBeChecked()
  await c.page.reload()
  await expect(c.page.getByText(/\d+ online/)).toBeVisible()
  await c.page.getByRole('button', { name: 'Menu' }).click()
  await expect(c.page.getByRole('switch', { name: 'Ask before showing photos' })).not.toBeChecked()
  await c.page.keyboard.press('Escape')

  const d = await openApp(browser, { baseURL: origin })
  await start(c.page, [shared])
  await expect(c.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(d.page, [shared])
  await expect(banner(c.page)).toContainText(`you both like ${shared}`)
  await d.page.locator('input[type=file]').setInputFiles(PHOTO)
  await expect(c.page.getByRole('img', { name: 'Photo from the stranger' })).toBeVisible()
  await expect(c.page.getByRole('button', { name: /^(Tap|Click) to view$/ })).toHaveCount(0)
  await c.context.close()
  await d.context.close()
})
