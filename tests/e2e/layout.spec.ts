// Phone and desktop layouts: nothing sticks out at 360 px, the composer stays on screen, and the
// screenshots the README shows are taken here, into the ignored tests/e2e/.screenshots/ (a test
// run rewrites no tracked file); `npm run screenshots` copies them to tests/e2e/screenshots/.
import { expect, test, type Browser } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { addInterests, axeViolations, banner, bubbles, composer, DESKTOP, openApp, overflowing, PHONE, pressStart, say } from './helpers'

const SHOTS = fileURLToPath(new URL('./.screenshots/', import.meta.url))
const PHOTO = fileURLToPath(new URL('../../pwa/public/icon-512.png', import.meta.url))
const POPULAR = ['music', 'movies', 'gaming', 'anime', 'travel', 'books', 'photography']

// Both tests search for "music": run them one after the other.
test.describe.configure({ mode: 'serial' })

/**
 * Real finds through the chat socket, so interests.popular has something to suggest: the server
 * suggests an interest only once three different people (addresses) used it, so each "person" is
 * a browser context with its own X-Forwarded-For (the test server trusts loopback). A new address
 * is asked for a proof of work first: solved here with Web Crypto, as any raw client may.
 */
async function seedPopular(browser: Browser) {
  // Five people, not the three the rule needs: other specs' interests reach the list too (three
  // addresses each), and the seeded names must rank above them to be among the six shown.
  for (let person = 0; person < 5; person++) {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': `10.253.${Math.floor(Math.random() * 250)}.${person + 1}` } })
    const page = await context.newPage()
    await page.goto('/')
    const outcome = await page.evaluate(async interests => {
      const ws = new WebSocket(`ws://${location.host}/chat`)
      const frames: Array<Record<string, unknown>> = []
      const waiters: Array<() => void> = []
      ws.addEventListener('message', e => {
        frames.push(JSON.parse(String(e.data)))
        for (const w of waiters.splice(0)) w()
      })
      const next = async (types: string[]) => {
        for (;;) {
          const f = frames.find(x => types.includes(String(x.type)))
          if (f) return (frames.splice(frames.indexOf(f), 1), f)
          await new Promise<void>(r => waiters.push(r))
        }
      }
      await next(['hello'])
      ws.send(JSON.stringify({ type: 'find', interests, random: false }))
      const f = await next(['queued', 'error'])
      if (f.type === 'error' && f.code === 'proof_required') {
        const { token, bits } = f.challenge as { token: string; bits: number }
        const zeros = (d: Uint8Array) => {
          let z = 0
          for (const b of d) {
            if (b) return z + Math.clz32(b) - 24
            z += 8
          }
          return z
        }
        const enc = new TextEncoder()
        let n = 0
        while (zeros(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(`${token}:${n.toString(36)}`)))) < bits) n++
        ws.send(JSON.stringify({ type: 'proof', token, nonce: n.toString(36) }))
        const after = await next(['queued', 'error'])
        if (after.type === 'error') return `the find after the proof was refused: ${JSON.stringify(after)}`
      } else if (f.type === 'error') return `the find was refused: ${JSON.stringify(f)}`
      ws.send(JSON.stringify({ type: 'leave' }))
      ws.close(1000)
      return 'queued'
    }, POPULAR)
    expect(outcome, `seeding person ${person}`).toBe('queued')
    await context.close()
  }
  // What the home screen will ask for: the seeded names are there (the message shows the list if not).
  await expect
    .poll(async () => {
      const res = await fetch(`${test.info().project.use.baseURL}/trpc/interests.popular?input=${encodeURIComponent(JSON.stringify({ limit: 12 }))}`)
      const body = (await res.json()) as { result?: { data: Array<{ name: string }> } }
      return (body.result?.data ?? []).map(p => p.name)
    })
    .toEqual(expect.arrayContaining(['movies']))
}

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const) {
  test(`${size} (${viewport.width}×${viewport.height}): home and chat fit, composer visible, screenshots`, async ({ browser }) => {
    const a = await openApp(browser, { viewport, askPhotos: false })
    const b = await openApp(browser, { viewport, colorScheme: 'dark' })
    await seedPopular(browser)

    // Home.
    await a.page.reload()
    await expect(a.page.getByText(/\d+ online/)).toBeVisible()
    await addInterests(a.page, ['music', 'jazz'])
    await expect(a.page.getByRole('button', { name: 'Add movies' })).toBeVisible() // suggestion from interests.popular
    expect(await overflowing(a.page)).toEqual([])
    await a.page.getByRole('heading', { level: 1 }).click() // no focus ring or caret in the picture
    await a.page.screenshot({ path: `${SHOTS}home-${size}.png` })

    // Searching, then chat.
    await a.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
    await pressStart(a.page)
    await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
    expect(await overflowing(a.page)).toEqual([])
    await addInterests(b.page, ['music', 'movies'])
    await b.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
    await pressStart(b.page)
    for (const d of [a, b]) await expect(banner(d.page)).toContainText('you both like music')

    await say(b.page, 'hey! you like music too. what are you listening to lately?')
    await say(a.page, 'mostly jazz, and some lo-fi while I study. you?')
    await say(b.page, 'same here. any album you would recommend? something with a long name like https://example.com/averyveryveryveryveryveryverylongunbrokenlinkthatmustwrap')
    await expect(bubbles(a.page, false)).toHaveCount(2)
    await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)

    // The composer is on screen and nothing overflows, even with a long unbroken link.
    await expect(composer(a.page)).toBeInViewport({ ratio: 1 })
    const box = (await composer(a.page).boundingBox())!
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height)
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width)
    expect(await overflowing(a.page)).toEqual([])
    expect(await overflowing(b.page)).toEqual([])
    expect(await axeViolations(b.page)).toEqual([]) // dark theme contrast too

    // The stranger starts typing a reply: that is the picture.
    await a.page.locator('.banner').click()
    await composer(b.page).pressSequentially('Kind of Blue')
    await expect(a.page.getByText('Stranger is typing…')).toBeVisible()
    await a.page.screenshot({ path: `${SHOTS}chat-${size}.png` })
    await expect(bubbles(b.page, true)).toHaveCount(2)
    await b.page.screenshot({ path: `${SHOTS}chat-${size}-dark.png` })

    // A photo arrives: its box is reserved, the chat still ends at the latest message.
    await composer(b.page).fill('')
    await b.page.locator('input[type=file]').setInputFiles(PHOTO)
    const photo = a.page.getByRole('img', { name: 'Photo from the stranger' })
    await expect.poll(() => photo.evaluate(i => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)).toBe(512)
    await say(b.page, 'this is what I am listening to right now')
    await expect(bubbles(a.page, false).last()).toBeInViewport()
    await expect(a.page.locator('.msg:not(.mine) .thumb')).toBeInViewport()
    expect(await overflowing(a.page)).toEqual([])
    // No focus ring or caret in the picture (a click on the banner would scroll it into view).
    await a.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await a.page.screenshot({ path: `${SHOTS}photo-${size}.png` })
    await a.context.close()
    await b.context.close()
  })
}

test('the popular-interests row is reserved: Start does not move when the list loads late', async ({ browser }) => {
  await seedPopular(browser)
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
  const page = await context.newPage()
  // A slow network: the suggestions arrive well after the page is drawn.
  await page.route('**/trpc/interests.popular**', async route => {
    await new Promise(r => setTimeout(r, 1500))
    await route.continue()
  })
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  const start = page.getByRole('button', { name: 'Start chatting' })
  const before = (await start.boundingBox())!.y
  await expect(page.getByRole('button', { name: /^Add / }).first()).toBeVisible({ timeout: 10_000 })
  const after = (await start.boundingBox())!.y
  expect(Math.abs(after - before)).toBeLessThan(1)
  expect(await overflowing(page)).toEqual([])
  expect(await axeViolations(page)).toEqual([])
  await context.close()
})
