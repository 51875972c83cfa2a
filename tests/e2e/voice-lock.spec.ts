// Locking a voice note hands-free, on a touch phone (360×740) and with a mouse: sliding up while
// holding the mic locks it (release no longer sends; Send or Cancel end it), sliding left cancels
// at once, and a plain hold-and-release still sends.
import { expect, test, type Page } from '@playwright/test'
import { DESKTOP, pair, uniqueInterest } from './helpers'

const notesFromStranger = (page: Page) => page.getByRole('button', { name: /voice note from the stranger/ })
const mic = (page: Page) => page.getByRole('button', { name: /Record a voice note/ })

/** Recording, for a second or more (not a fixed "0:01": a loaded machine may skip past it). */
async function recordingASecond(page: Page) {
  const timer = page.locator('.recording .timer')
  await expect(timer).toBeVisible()
  await expect(timer).not.toHaveText('0:00')
}

/** Voice uploads the page started (the media ticket asked for an audio note). */
function countVoiceUploads(page: Page): () => number {
  let n = 0
  page.on('request', r => {
    if (r.url().includes('/trpc/media.ticket') && /audio/.test(r.postData() ?? '')) n++
  })
  return () => n
}

test('phone: slide up locks, then Send delivers or Cancel drops it; slide left cancels; hold and release sends', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('lock'), { a: { touch: true }, b: { colorScheme: 'dark' } })
  const uploads = countVoiceUploads(a.page)
  const cdp = await a.context.newCDPSession(a.page)
  const box = (await mic(a.page).boundingBox())!
  const x = box.x + box.width / 2
  const y = box.y + box.height / 2
  const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', at?: { x: number; y: number }) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: at ? [at] : [] })
  const slide = async (dx: number, dy: number) => {
    for (let i = 1; i <= 5; i++) await touch('touchMove', { x: x + (dx * i) / 5, y: y + (dy * i) / 5 })
  }

  // Hold: the lock shows above the mic. Slide up: locked; lifting the finger does not send.
  await touch('touchStart', { x, y })
  await expect(a.page.locator('.lock-hint')).toBeVisible()
  await recordingASecond(a.page)
  await slide(0, -100)
  await expect(a.page.getByText('Recording hands-free')).toBeVisible()
  await touch('touchEnd')
  await expect(a.page.locator('.lock-hint')).toBeHidden()
  await a.page.waitForTimeout(800)
  await expect(a.page.locator('.recording')).toBeVisible()
  await expect(a.page.locator('.recording .timer')).not.toHaveText(/^0:0[01]$/)
  expect(uploads()).toBe(0)
  // Locked: the time, a Cancel and a Send button, each with a name.
  await expect(a.page.getByRole('button', { name: 'Cancel voice note' })).toBeVisible()
  await a.page.getByRole('button', { name: 'Send voice note' }).tap()
  await expect(notesFromStranger(b.page)).toHaveCount(1, { timeout: 15_000 })
  await expect(b.page.locator('.player time')).not.toHaveText(/^0:0[01]$/)
  // The stranger's phone is in the dark theme: the seek track is dark too, not the browser's bright one.
  const track = await b.page.locator('.player input[type=range]').evaluate(el => getComputedStyle(el).backgroundImage)
  const rgb = (track.match(/rgb\((\d+), (\d+), (\d+)\)/) ?? []).slice(1).map(Number)
  expect(rgb, track).toHaveLength(3)
  expect(Math.max(...rgb), track).toBeLessThan(128)

  // Lock, then Cancel: nothing is sent.
  await touch('touchStart', { x, y })
  await recordingASecond(a.page)
  await slide(0, -100)
  await touch('touchEnd')
  await expect(a.page.getByText('Recording hands-free')).toBeVisible()
  await a.page.getByRole('button', { name: 'Cancel voice note' }).tap()
  await expect(mic(a.page)).toBeVisible()
  // Nothing else was pressed in its place (the attach button's file picker stays shut).
  await expect(a.page.getByRole('button', { name: 'Attach a photo or file' })).toBeVisible()

  // Slide left while holding: cancelled at once, with a short cue; lifting the finger sends nothing.
  await touch('touchStart', { x, y })
  await recordingASecond(a.page)
  await slide(-120, 0)
  await expect(a.page.getByText('Voice note cancelled')).toBeVisible()
  await expect(a.page.locator('.recording')).toBeHidden()
  await touch('touchEnd')
  await expect(mic(a.page)).toBeVisible()

  // A plain hold and release still sends (and a small wobble neither locks nor cancels).
  await touch('touchStart', { x, y })
  await recordingASecond(a.page)
  await slide(-30, -30)
  await a.page.waitForTimeout(300)
  await touch('touchEnd')
  await expect(notesFromStranger(b.page)).toHaveCount(2, { timeout: 15_000 })
  // The cancelled two never left the phone.
  expect(uploads()).toBe(2)
  await expect(a.page.getByRole('button', { name: /voice note from you/ })).toHaveCount(2)
  await a.context.close()
  await b.context.close()
})

test('desktop: the mouse locks the same way, and the keyboard toggles', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('lockdesk'), { a: { viewport: DESKTOP } })
  const box = (await mic(a.page).boundingBox())!
  const x = box.x + box.width / 2
  const y = box.y + box.height / 2
  await a.page.mouse.move(x, y)
  await a.page.mouse.down()
  await recordingASecond(a.page)
  await a.page.mouse.move(x, y - 90, { steps: 5 })
  await a.page.mouse.up()
  await expect(a.page.getByText('Recording hands-free')).toBeVisible()
  await a.page.waitForTimeout(500)
  await a.page.getByRole('button', { name: 'Send voice note' }).click()
  await expect(notesFromStranger(b.page)).toHaveCount(1, { timeout: 15_000 })

  // Enter on the focused mic starts, Enter again sends.
  await mic(a.page).focus()
  await a.page.keyboard.press('Enter')
  await recordingASecond(a.page)
  await a.page.getByRole('button', { name: 'Send voice note' }).press('Enter')
  await expect(notesFromStranger(b.page)).toHaveCount(2, { timeout: 15_000 })
  await a.context.close()
  await b.context.close()
})
