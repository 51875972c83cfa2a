// What a person met trying the app on a 360 px touch phone and a desktop: each test
// pins one thing that went wrong, as the person saw it.
import { expect, test, type Page } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import {
  acceptRules,
  addInterests,
  banner,
  bubbles,
  composer,
  DESKTOP,
  distanceFromBottom,
  openApp,
  pair,
  PHONE,
  pressStart,
  recordFrames,
  rulesGate,
  say,
  uniqueInterest,
} from './helpers'

const PHOTO = fileURLToPath(new URL('../../pwa/public/icon-512.png', import.meta.url))

async function workerActive(page: Page) {
  await page.evaluate(async () => {
    const sw = (await navigator.serviceWorker.ready).active!
    if (sw.state !== 'activated') await new Promise<void>(r => sw.addEventListener('statechange', () => sw.state === 'activated' && r()))
  })
}

test('photos arriving keep the latest message in view; scrolled up, a "New messages" pill counts instead of jumping', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('photos'), { a: { askPhotos: false } })
  for (let i = 1; i <= 3; i++) {
    await b.page.locator('input[type=file]').setInputFiles(PHOTO)
    await expect(b.page.getByRole('img', { name: 'Photo from you' })).toHaveCount(i)
    await say(b.page, `photo ${i} of 3`)
  }
  const photos = a.page.getByRole('img', { name: 'Photo from the stranger' })
  await expect(photos).toHaveCount(3)
  // The box is reserved from the media frame's size before the photo loads (512×512 → 240×240).
  await expect(photos.first()).toHaveAttribute('width', '240')
  await expect(photos.first()).toHaveAttribute('height', '240')
  for (const img of await photos.all()) await expect.poll(() => img.evaluate(i => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)).toBe(512)
  await expect(bubbles(a.page, false).last()).toHaveText('photo 3 of 3')
  // Scrolled to the very end once everything has loaded, and the last message is on screen.
  await expect.poll(() => distanceFromBottom(a.page)).toBeLessThanOrEqual(2)
  await expect(bubbles(a.page, false).last()).toBeInViewport()
  // Own photos carry a delivery tick like texts.
  await expect(b.page.locator('.msg.mine:has(.thumb) .tick.delivered')).toHaveCount(3)

  // Reading back: a new message does not move the view, a pill says it is there.
  await a.page.locator('.log').evaluate(el => (el.scrollTop = 0))
  await say(b.page, 'are you still there?')
  const pill = a.page.getByRole('button', { name: /1 new message/ })
  await expect(pill).toBeVisible()
  expect(await a.page.locator('.log').evaluate(el => el.scrollTop)).toBe(0)
  await say(b.page, 'hello?')
  await expect(a.page.getByRole('button', { name: /2 new messages/ })).toBeVisible()
  await a.page.getByRole('button', { name: /2 new messages/ }).click()
  await expect.poll(() => distanceFromBottom(a.page)).toBeLessThanOrEqual(2)
  await expect(a.page.locator('.pill')).toBeHidden()
  await expect(bubbles(a.page, false).last()).toBeInViewport()
  await a.context.close()
  await b.context.close()
})

test('one tap on Start, with an interest still being typed, starts the search (touch phone)', async ({ browser }) => {
  const { context, page } = await openApp(browser, { touch: true, rulesAccepted: true })
  const interest = uniqueInterest('tap')
  const input = page.getByLabel('Your interests')
  await input.tap()
  await input.fill(interest)
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await input.tap()
  const startBtn = page.getByRole('button', { name: 'Start chatting' })
  await startBtn.tap()
  await expect(page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await expect(page.getByRole('list', { name: 'Your interests' })).toHaveText(interest)
  // And nothing moves under a finger when the field loses focus with text in it.
  await page.getByRole('button', { name: 'Cancel' }).tap()
  await input.tap()
  await input.fill('still typing')
  // (Measured here: the interest searched for is kept as a chip after Cancel, which is a row more.)
  const before = (await startBtn.boundingBox())!
  await page.getByRole('heading', { level: 1 }).tap()
  expect((await startBtn.boundingBox())!.y).toBe(before.y)
  await context.close()
})

test('a reload mid-chat is the same chat with nothing lost; the stranger sees reconnecting then back, never ended', async ({ browser }) => {
  const shared = uniqueInterest('reload')
  let framesB: ReturnType<typeof recordFrames> = []
  const [a, b] = await pair(browser, shared, { b: { onPage: p => (framesB = recordFrames(p)) } })
  await say(a.page, 'before the reload')
  await say(b.page, 'hi there')
  await expect(bubbles(a.page, false)).toHaveText(['hi there'])
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)

  await a.page.reload()
  await expect(banner(a.page)).toContainText(`you both like ${shared}`)
  await expect(bubbles(a.page, true)).toHaveText(['before the reload'])
  await expect(bubbles(a.page, false)).toHaveText(['hi there'])
  await expect(a.page.getByText(/\d+ online|Online/).first()).toBeVisible()
  await say(b.page, 'did you reload?')
  await say(a.page, 'yes, still here')
  await expect(bubbles(a.page, false)).toHaveText(['hi there', 'did you reload?'])
  await expect(bubbles(b.page, false)).toHaveText(['before the reload', 'yes, still here'])
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(2)
  const partner = framesB.filter(f => f.type === 'partner').map(f => f.state)
  expect(partner).toEqual(['reconnecting', 'back'])
  expect(framesB.filter(f => f.type === 'ended')).toEqual([])
  await expect(b.page.getByText('Stranger has left.')).toBeHidden()

  // Only an explicit leave ends it.
  await a.page.getByRole('button', { name: 'New stranger' }).click()
  await a.page.getByRole('button', { name: 'Sure? Tap again' }).click()
  await expect(b.page.getByText('Stranger has left.')).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('an offline reload shows the chat the tab kept, as Offline, and resumes when the network is back', async ({ browser }) => {
  const shared = uniqueInterest('offline')
  const [a, b] = await pair(browser, shared)
  await workerActive(a.page)
  await say(a.page, 'going into the tunnel')
  await expect(bubbles(b.page, false)).toHaveText(['going into the tunnel'])
  await a.context.setOffline(true)
  await a.page.reload()
  await expect(banner(a.page)).toContainText(`you both like ${shared}`)
  await expect(bubbles(a.page, true)).toHaveText(['going into the tunnel'])
  await expect(a.page.locator('.who small')).toHaveText('Offline')
  await expect(a.page.getByText("You're offline.")).toBeVisible()
  await say(b.page, 'written while you were away')
  await say(a.page, 'written offline')
  await a.context.setOffline(false)
  await expect(bubbles(a.page, false)).toHaveText(['written while you were away'])
  await expect(bubbles(b.page, false)).toHaveText(['going into the tunnel', 'written offline'])
  await expect(b.page.getByText('Stranger has left.')).toBeHidden()
  await a.context.close()
  await b.context.close()
})

test('a photo attached while offline waits, then is sent when the connection is back', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('queued'), { b: { askPhotos: false } })
  await a.context.setOffline(true)
  await expect(a.page.getByText("You're offline.")).toBeVisible()
  await a.page.locator('input[type=file]').setInputFiles(PHOTO)
  await expect(a.page.locator('.upload')).toContainText('Waiting for the network')
  await expect(a.page.locator('.msg.mine .tick.sending')).toHaveCount(1)
  await a.page.waitForTimeout(1500)
  await a.context.setOffline(false)
  await expect(b.page.getByRole('img', { name: 'Photo from the stranger' })).toBeVisible()
  await expect(a.page.getByRole('img', { name: 'Photo from you' })).toBeVisible()
  await expect(a.page.locator('.upload')).toHaveCount(0)
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)
  await a.context.close()
  await b.context.close()
})

test('right-to-left text: bubbles, the composer and interest chips take their direction from the text', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('rtl'))
  await expect(composer(a.page)).toHaveAttribute('dir', 'auto')
  await say(a.page, 'مرحبا، كيف حالك؟')
  const bubble = bubbles(b.page, false).first()
  await expect(bubble).toHaveAttribute('dir', 'auto')
  expect(await bubble.evaluate(el => getComputedStyle(el).direction)).toBe('rtl')
  await a.context.close()
  await b.context.close()

  const { context, page } = await openApp(browser)
  await addInterests(page, ['שחמט'])
  const chip = page.getByRole('list', { name: 'Chosen interests' }).locator('.chip span')
  await expect(chip).toHaveAttribute('dir', 'auto')
  expect(await chip.evaluate(el => getComputedStyle(el).direction)).toBe('rtl')
  await expect(page.getByLabel('Your interests')).toHaveAttribute('dir', 'auto')
  await context.close()
})

test('the JavaScript is served compressed (brotli or gzip) with Vary: Accept-Encoding', async ({ browser, request }) => {
  const scripts: Array<{ url: string; encoding?: string }> = []
  const { context, page } = await openApp(browser, {
    onPage: p => p.on('response', r => r.url().includes('/assets/index-') && r.url().endsWith('.js') && scripts.push({ url: r.url(), encoding: r.headers()['content-encoding'] })),
  })
  const src = await page.locator('script[type=module][src]').getAttribute('src')
  expect(src).toMatch(/^\/assets\/index-.*\.js$/)
  const br = await request.get(src!, { headers: { 'accept-encoding': 'br, gzip' } })
  expect(br.headers()['content-encoding']).toBe('br')
  expect(br.headers()['vary']).toBe('Accept-Encoding')
  const gz = await request.get(src!, { headers: { 'accept-encoding': 'gzip' } })
  expect(gz.headers()['content-encoding']).toBe('gzip')
  // What Chromium itself got for the page's script on the first load.
  expect(scripts.length).toBeGreaterThan(0)
  expect(['br', 'gzip']).toContain(scripts[0]!.encoding)
  await context.close()
})

test('the install card is compact at 360 px, and after "Not now" the menu still offers Install', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  const fire = () =>
    page.evaluate(() => {
      const e = new Event('beforeinstallprompt', { cancelable: true }) as Event & { prompt(): Promise<void>; userChoice: Promise<unknown> }
      e.prompt = async () => void ((window as unknown as { prompted: number }).prompted = ((window as unknown as { prompted?: number }).prompted ?? 0) + 1)
      e.userChoice = Promise.resolve({ outcome: 'dismissed' })
      dispatchEvent(e)
    })
  await fire()
  const card = page.getByRole('region', { name: 'Install the app' })
  await expect(card).toBeVisible()
  expect((await card.boundingBox())!.height).toBeLessThan(200)
  await page.getByRole('button', { name: 'Not now' }).click()
  await expect(card).toBeHidden()
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByRole('button', { name: 'Install app' }).click()
  expect(await page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1)
  await context.close()
})

test('the full-size photo is centred and fits; a tap, Esc and back close it; back in a chat asks before leaving', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('viewer'), { a: { viewport: DESKTOP }, b: { viewport: PHONE, askPhotos: false } })
  await a.page.locator('input[type=file]').setInputFiles(PHOTO)
  const open = () => b.page.getByRole('button', { name: 'Open photo from the stranger' }).click()
  const viewer = b.page.getByRole('dialog', { name: 'Photo from the stranger' })
  await open()
  await expect(viewer).toBeVisible()
  const img = viewer.getByRole('img')
  await expect.poll(() => img.evaluate(i => (i as HTMLImageElement).naturalWidth)).toBe(512)
  const box = (await img.boundingBox())!
  expect(box.x).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width)
  expect(Math.abs(box.x + box.width / 2 - PHONE.width / 2)).toBeLessThanOrEqual(2)
  expect(Math.abs(box.y + box.height / 2 - PHONE.height / 2)).toBeLessThanOrEqual(2)
  expect(await viewer.evaluate(d => getComputedStyle(d).backgroundColor)).toMatch(/rgba?\(0, 0, 0/)
  // Pinch-zoom is left to the browser (the viewport allows scaling).
  expect(await b.page.locator('meta[name=viewport]').getAttribute('content')).not.toMatch(/user-scalable=no|maximum-scale=1\b/)

  await img.click() // a tap on the photo
  await expect(viewer).toBeHidden()
  await open()
  await b.page.keyboard.press('Escape')
  await expect(viewer).toBeHidden()
  await open()
  await b.page.goBack()
  await expect(viewer).toBeHidden()
  await expect(composer(b.page)).toBeVisible() // still in the chat

  // Back in the chat itself: a question, not a goodbye.
  await b.page.goBack()
  const leave = b.page.getByRole('dialog', { name: 'Leave this chat?' })
  await expect(leave).toBeVisible()
  await leave.getByRole('button', { name: 'Stay' }).click()
  await expect(leave).toBeHidden()
  await say(b.page, 'stayed')
  await expect(bubbles(a.page, false)).toHaveText(['stayed'])
  await b.page.goBack()
  await b.page.getByRole('dialog', { name: 'Leave this chat?' }).getByRole('button', { name: 'Leave' }).click()
  await expect(b.page.getByRole('heading', { name: /Talk to a stranger/ })).toBeVisible()
  await expect(a.page.getByText('Stranger has left.')).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('the voice recording bar fits one line at 320 px: the timer does not wrap, the hint is not cut', async ({ browser }) => {
  const narrow = { width: 320, height: 640 }
  const [a, b] = await pair(browser, uniqueInterest('narrow'), { a: { viewport: narrow } })
  const mic = a.page.getByRole('button', { name: /Record a voice note/ })
  const m = (await mic.boundingBox())!
  await a.page.mouse.move(m.x + m.width / 2, m.y + m.height / 2)
  await a.page.mouse.down()
  const bar = a.page.locator('.recording')
  await expect(bar).toContainText('0:01')
  await expect(bar.locator('.hint')).not.toBeEmpty()
  const fit = await bar.evaluate(el => {
    // The bar: a dot, the timer, the hint.
    const timer = el.querySelector<HTMLElement>('.timer') ?? (el.children[1] as HTMLElement)
    const hint = el.querySelector<HTMLElement>('.hint')!
    const lineHeight = parseFloat(getComputedStyle(timer).lineHeight)
    return { timerLines: Math.round(timer.getBoundingClientRect().height / lineHeight), hintCut: hint.scrollWidth > hint.clientWidth, barRight: el.getBoundingClientRect().right }
  })
  expect(fit.timerLines).toBe(1)
  expect(fit.hintCut).toBe(false)
  expect(fit.barRight).toBeLessThanOrEqual(narrow.width)
  await a.page.mouse.up()
  await a.context.close()
  await b.context.close()
})

test('searching: the pulsing ring stays clear of the heading; on a touch screen a tapped button does not stay highlighted', async ({ browser }) => {
  const { context, page } = await openApp(browser, { touch: true, rulesAccepted: true })
  await addInterests(page, [uniqueInterest('ring')])
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await page.getByRole('button', { name: 'Start chatting' }).tap()
  const heading = page.getByRole('heading', { name: 'Looking for a stranger…' })
  await expect(heading).toBeVisible()
  const ring = (await page.locator('.radar').boundingBox())!
  // How far the ring grows: the end of its keyframes.
  const grown = await page.evaluate(() => {
    for (const sheet of Array.from(document.styleSheets))
      for (const r of Array.from(sheet.cssRules))
        if (r instanceof CSSKeyframesRule && r.name === 'ping') return Number(/scale\(([\d.]+)\)/.exec(r.findRule('to')?.style.transform ?? '')?.[1] ?? 1)
    return 1
  })
  expect(grown).toBeGreaterThan(1)
  const h1 = (await heading.boundingBox())!
  expect(ring.y + ring.height / 2 + (ring.height * grown) / 2).toBeLessThanOrEqual(h1.y)
  // Hover looks apply only where hover exists: a tap leaves Cancel as it was.
  expect(await page.evaluate(() => matchMedia('(hover: hover)').matches)).toBe(false)
  const cancel = page.getByRole('button', { name: 'Cancel' })
  const idle = await cancel.evaluate(el => getComputedStyle(el).backgroundColor)
  await cancel.hover()
  expect(await cancel.evaluate(el => getComputedStyle(el).backgroundColor)).toBe(idle)
  // Every hover rule in the stylesheet sits inside (hover: hover).
  const loose = await page.evaluate(() => {
    const out: string[] = []
    const walk = (rules: CSSRuleList, inHover: boolean) => {
      for (const r of Array.from(rules)) {
        if (r instanceof CSSMediaRule) walk(r.cssRules, inHover || r.conditionText.includes('hover: hover'))
        else if (r instanceof CSSStyleRule && r.selectorText.includes(':hover') && !inHover) out.push(r.selectorText)
      }
    }
    for (const sheet of Array.from(document.styleSheets)) walk(sheet.cssRules, false)
    return out
  })
  expect(loose).toEqual([])
  await context.close()
})

test('a paste past the limit shows a counter and says how much was cut', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('paste'))
  const long = 'x'.repeat(1950) + 'y'.repeat(150)
  await composer(a.page).fill(long)
  await expect(a.page.getByText('Too long: the last 100 characters were cut.')).toBeVisible()
  await expect(a.page.locator('.counter')).toHaveText('2,000 / 2,000')
  expect(await composer(a.page).inputValue()).toHaveLength(2000)
  await a.page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(bubbles(b.page, false)).toHaveCount(1)
  expect((await bubbles(b.page, false).textContent())!.length).toBe(2000)
  await expect(a.page.locator('.composer-note')).toBeHidden()
  await a.context.close()
  await b.context.close()
})

test('the rules gate comes once per device before the first chat, and links to the rules', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  await addInterests(page, [uniqueInterest('rules')])
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await page.getByRole('button', { name: 'Start chatting' }).click()
  const gate = rulesGate(page)
  await expect(gate).toBeVisible()
  await expect(gate.getByRole('button', { name: 'Agree and start' })).toBeDisabled()
  // The rules open over the gate, in the app (polish.spec.ts checks the sheet itself).
  await gate.getByRole('link', { name: 'Read the rules' }).click()
  const rules = page.getByRole('dialog', { name: 'The rules' })
  await expect(rules.getByRole('heading', { name: 'The rules' })).toBeVisible()
  await rules.getByRole('button', { name: 'Close' }).click()
  await expect(rules).toBeHidden()
  await acceptRules(page)
  await expect(page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await page.reload()
  await pressStart(page)
  await expect(page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await expect(gate).toBeHidden()
  await context.close()
})

test("when the stranger's connection is lost for good, the chat says so about them", async ({ browser }) => {
  // Waits out the server's resume window (RESUME_WINDOW_MS, 60 s by default).
  test.setTimeout(150_000)
  const [a, b] = await pair(browser, uniqueInterest('gone'))
  await say(a.page, 'my battery is dying')
  await expect(bubbles(b.page, false)).toHaveText(['my battery is dying'])
  await a.context.setOffline(true)
  await a.context.close() // the phone died: no goodbye, no resume
  await expect(b.page.getByText('Stranger is reconnecting…')).toBeVisible()
  await expect(b.page.getByText("The stranger's connection was lost, so the chat ended.")).toBeVisible({ timeout: 90_000 })
  await expect(b.page.getByText(/Your connection/)).toBeHidden()
  await b.context.close()
})
