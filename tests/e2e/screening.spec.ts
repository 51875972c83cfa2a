// The blur path in a real browser: a server of its own with SCREEN_THRESHOLD=0 (the real
// classifier runs, and every image is at or over a threshold of 0, so every photo is flagged).
// The stranger's copy shows blurred behind "Tap to view" until tapped; the sender's does not.
import { expect, test, type Browser } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { landscapeJpeg } from '../support/images'
import { axeViolations, banner, start, uniqueInterest, type Device } from './helpers'
import { startOwnServer, type OwnServer } from './support/own-server'

let own: OwnServer | undefined
let origin = ''

test.beforeAll(async () => {
  own = await startOwnServer('screening', {
    SCREEN_IMAGES: 'on',
    SCREEN_THRESHOLD: '0',
    RATE_TICKETS_PER_MINUTE: '1000',
  })
  origin = own.origin
})

test.afterAll(async () => {
  await own?.stop()
})

/** A phone with a touch screen says "Tap to view"; a device with a mouse says "Click to view". */
async function device(browser: Browser, touch = false): Promise<Device> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 360, height: 740 }, hasTouch: touch })
  const page = await context.newPage()
  page.on('pageerror', err => console.error(`[page error] ${err.message}`))
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page }
}

test('a flagged photo reaches the stranger blurred behind "Tap to view"; a tap reveals it; the sender sees it plainly; with a mouse it says "Click to view"', async ({
  browser,
}) => {
  const shared = uniqueInterest('screen')
  const a = await device(browser)
  const b = await device(browser, true)
  await start(a.page, [shared])
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(b.page, [shared])
  for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`)

  await a.page.locator('input[type=file]').setInputFiles({ name: 'hills.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await landscapeJpeg(800, 600)) })

  // The stranger: a cover with the button, the photo itself blurred and out of reach.
  const reveal = b.page.getByRole('button', { name: 'Tap to view' })
  await expect(reveal).toBeVisible({ timeout: 30_000 })
  await expect(b.page.getByText('May be explicit')).toBeVisible()
  const blurred = b.page.locator('.screened-media')
  expect(await blurred.evaluate(el => getComputedStyle(el).filter)).toMatch(/blur\(\d+px\)/)
  await expect(b.page.getByRole('img', { name: 'Photo from the stranger' })).toHaveCount(0)
  await expect(b.page.getByRole('button', { name: 'Open photo from the stranger' })).toHaveCount(0)
  // The blurred box holds the real photo (loaded, laid out), not an empty placeholder.
  await expect.poll(() => blurred.locator('img').evaluate(img => (img as HTMLImageElement).naturalWidth)).toBe(800)
  const box = (await blurred.boundingBox())!
  expect(box.width).toBeGreaterThan(60)
  expect(box.height).toBeGreaterThan(40)
  await b.page.screenshot({ path: fileURLToPath(new URL('.screenshots/flagged-photo-phone.png', import.meta.url)) })
  expect(await axeViolations(b.page)).toEqual([])

  await reveal.tap()
  const photo = b.page.getByRole('img', { name: 'Photo from the stranger' })
  await expect(photo).toBeVisible()
  await expect(b.page.locator('.screened-media')).toHaveCount(0)
  expect(await photo.evaluate(img => getComputedStyle(img.closest('.bubble')!).filter + getComputedStyle(img).filter)).not.toContain('blur')
  await b.page.getByRole('button', { name: 'Open photo from the stranger' }).click()
  await expect(b.page.getByRole('dialog', { name: 'Photo from the stranger' })).toBeVisible()

  // The sender: their own photo, unblurred, told how the stranger sees it.
  await expect(a.page.getByRole('img', { name: 'Photo from you' })).toBeVisible()
  await expect(a.page.getByText('Shown blurred to the stranger')).toBeVisible()
  await expect(a.page.getByRole('button', { name: 'Tap to view' })).toHaveCount(0)

  // A photo the other way: the sender's device has a mouse (no touch), so it is a click there.
  await b.page.locator('input[type=file]').setInputFiles({ name: 'lake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await landscapeJpeg(640, 480)) })
  await expect(a.page.getByRole('button', { name: 'Click to view' })).toBeVisible({ timeout: 30_000 })
  await expect(a.page.getByRole('button', { name: 'Tap to view' })).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})
