// Attachments and voice notes. The photo and voice tests need the media server (media.ticket,
// PUT upload, signed /media links); the refusal test runs entirely in the browser.
import { expect, test } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { landscapeJpeg } from '../support/images'
import { bubbles, DESKTOP, pair, say, uniqueInterest } from './helpers'

const PHOTO = fileURLToPath(new URL('../../pwa/public/icon-512.png', import.meta.url))

test('a photo sent by one stranger shows as a preview on the other side and opens full size', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('photo'), { b: { askPhotos: false } })
  await a.page.locator('input[type=file]').setInputFiles(PHOTO)
  // The sender sees it too once the server has it.
  await expect(a.page.getByRole('img', { name: 'Photo from you' })).toBeVisible()
  const preview = b.page.getByRole('img', { name: 'Photo from the stranger' })
  await expect(preview).toBeVisible()
  await expect.poll(() => preview.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBe(512)

  await b.page.getByRole('button', { name: 'Open photo from the stranger' }).click()
  const viewer = b.page.getByRole('dialog', { name: 'Photo from the stranger' })
  await expect(viewer).toBeVisible()
  await viewer.getByRole('button', { name: 'Close photo' }).click()
  await expect(viewer).toBeHidden()
  await a.context.close()
  await b.context.close()
})

test('a held mic records a voice note the other stranger can play; sliding left cancels; a click toggles', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('voice'))
  const mic = a.page.getByRole('button', { name: /Record a voice note/ })
  const box = (await mic.boundingBox())!
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2

  // Slide left: cancelled at once, nothing is sent.
  await a.page.mouse.move(cx, cy)
  await a.page.mouse.down()
  await expect(a.page.getByText('Slide to cancel')).toBeVisible()
  await a.page.mouse.move(cx - 160, cy, { steps: 5 })
  await expect(a.page.getByText('Voice note cancelled')).toBeVisible()
  await a.page.mouse.up()
  await expect(a.page.getByRole('button', { name: /Record a voice note/ })).toBeVisible()

  // Hold for about a second and a half, release: sent.
  await a.page.mouse.move(cx, cy)
  await a.page.mouse.down()
  await expect(a.page.getByText('Slide to cancel')).toBeVisible()
  await expect(a.page.locator('.recording')).toContainText('0:01')
  await a.page.waitForTimeout(600)
  await a.page.mouse.up()

  const play = b.page.getByRole('button', { name: 'Play voice note from the stranger' })
  await expect(play).toBeVisible({ timeout: 15_000 })
  const audio = b.page.locator('.player audio')
  // The length shows before anything is fetched (Chrome's WebM states none: the server probed it
  // and sent durationMs), and playback advances.
  await expect(b.page.locator('.player time')).toHaveText(/^0:0[12]$/)
  expect(await audio.evaluate(el => (el as HTMLAudioElement).readyState)).toBe(0)
  await play.click()
  await expect.poll(() => audio.evaluate(el => (el as HTMLAudioElement).currentTime), { timeout: 10_000 }).toBeGreaterThan(0.2)

  // Click to start, click to stop (desktop).
  await a.page.getByRole('button', { name: /Record a voice note/ }).click()
  await expect(a.page.getByText('Tap the mic to send')).toBeVisible()
  await expect(a.page.locator('.recording')).toContainText('0:01')
  await a.page.getByRole('button', { name: 'Send voice note' }).click()
  await expect(b.page.getByRole('button', { name: /voice note from the stranger/ })).toHaveCount(2, { timeout: 15_000 })

  // A finger (phones): the same hold-to-talk through touch input.
  const cdp = await a.context.newCDPSession(a.page)
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 })
  const m = (await a.page.getByRole('button', { name: /Record a voice note/ }).boundingBox())!
  const finger = { x: m.x + m.width / 2, y: m.y + m.height / 2 }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [finger] })
  await expect(a.page.getByText('Slide to cancel')).toBeVisible()
  await expect(a.page.locator('.recording')).toContainText('0:01')
  await a.page.waitForTimeout(400)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await expect(b.page.getByRole('button', { name: /voice note from the stranger/ })).toHaveCount(3, { timeout: 15_000 })
  await a.context.close()
  await b.context.close()
})

test('over-cap and refused files get a clear message before any upload starts', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('files'))
  const uploads: string[] = []
  a.page.on('request', r => {
    if (r.url().includes('/trpc/media.ticket') || r.method() === 'PUT') uploads.push(r.url())
  })
  const picker = a.page.locator('input[type=file]')
  await picker.setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(3 * 1024 * 1024, 1) })
  await expect(a.page.getByText('“notes.pdf” is 3.0 MB; the limit is 1.0 MB.')).toBeVisible()
  await picker.setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>alert(1)</script>') })
  await expect(a.page.getByText(/“page.html” can't be sent/)).toBeVisible()
  await expect(a.page.locator('.upload')).toHaveCount(0)
  expect(uploads).toEqual([])
  // The chat goes on.
  await say(a.page, 'still here')
  await expect(bubbles(b.page, false)).toHaveText(['still here'])
  await a.context.close()
  await b.context.close()
})

test('the photo viewer fits a portrait and a landscape photo whole inside 360×740, 740×360 and 1280×800', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('fit'), { b: { viewport: DESKTOP, askPhotos: false } })
  const photos = [
    { name: 'portrait.jpg', w: 1200, h: 1600 },
    { name: 'landscape.jpg', w: 1600, h: 1200 },
  ]
  for (const p of photos) {
    await a.page.locator('input[type=file]').setInputFiles({ name: p.name, mimeType: 'image/jpeg', buffer: Buffer.from(await landscapeJpeg(p.w, p.h)) })
  }
  const opens = b.page.getByRole('button', { name: 'Open photo from the stranger' })
  await expect(opens).toHaveCount(2, { timeout: 30_000 })
  for (const viewport of [{ width: 360, height: 740 }, { width: 740, height: 360 }, DESKTOP]) {
    await b.page.setViewportSize(viewport)
    for (const i of [0, 1]) {
      await opens.nth(i).click()
      const viewer = b.page.getByRole('dialog', { name: 'Photo from the stranger' })
      await expect(viewer).toBeVisible()
      const img = viewer.getByRole('img')
      await expect.poll(() => img.evaluate(el => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
      const box = (await img.boundingBox())!
      const natural = await img.evaluate(el => ({ w: (el as HTMLImageElement).naturalWidth, h: (el as HTMLImageElement).naturalHeight }))
      const where = `${natural.w}×${natural.h} at ${viewport.width}×${viewport.height}`
      // Whole: inside the viewport on every side.
      expect(box.x, where).toBeGreaterThanOrEqual(0)
      expect(box.y, where).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width, where).toBeLessThanOrEqual(viewport.width + 0.5)
      expect(box.y + box.height, where).toBeLessThanOrEqual(viewport.height + 0.5)
      // Not distorted, and as large as fits (it touches two opposite sides, less the padding).
      expect(Math.abs(box.width / box.height - natural.w / natural.h), where).toBeLessThan(0.02)
      expect(Math.max(box.width / viewport.width, box.height / viewport.height), where).toBeGreaterThan(0.9)
      await viewer.getByRole('button', { name: 'Close photo' }).click()
      await expect(viewer).toBeHidden()
    }
  }
  await a.context.close()
  await b.context.close()
})

test('an upload the server refuses for its content (415) says so in plain words and offers no Retry', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('fake'))
  // Named and typed as a photo, but its bytes are not one: the client lets it through, the server's sniffing refuses it.
  await a.page
    .locator('input[type=file]')
    .setInputFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from('this is not a picture at all, only words '.repeat(20)) })
  const upload = a.page.locator('.msg.mine').filter({ hasText: 'holiday.png' })
  await expect(upload.getByText(/its content isn't a photo, audio, PDF or text file/)).toBeVisible({ timeout: 20_000 })
  await expect(upload.getByRole('button', { name: 'Retry' })).toHaveCount(0)
  // The server's own wording is not shown.
  await expect(a.page.getByText(/signature/)).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})
