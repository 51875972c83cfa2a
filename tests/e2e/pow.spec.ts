// The proof of work a new address must solve before its first search: the PWA solves it in a
// Web Worker with nothing to see, and the search starts. Prints what it cost in real Chromium
// (hashes per second over the hashing alone, and the expected time for the challenge's bits),
// the figure docs/safety.md scales to a phone; asserts only that it worked, never a time.
// (DevTools' CPU throttling does not reach dedicated workers, so it is not used here.)
import { expect, test, type Browser } from '@playwright/test'
import { banner, PHONE, start, uniqueInterest } from './helpers'

let n = 0
const freshAddress = () => `10.251.${Math.floor(Math.random() * 250)}.${(++n * 37) % 250}`

async function device(browser: Browser, ip: string) {
  const context = await browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'x-forwarded-for': ip } })
  const page = await context.newPage()
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page }
}

{
  test('a new address solves the proof of work unseen and is paired', async ({ browser }) => {
    const ip = freshAddress()
    const a = await device(browser, ip)
    const shared = uniqueInterest('pow')
    await start(a.page, [shared])
    await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
    // No widget, no notice: only the searching screen while the worker runs.
    await expect(a.page.locator('.notice, [role=alert]')).toHaveCount(0)
    await a.page.waitForFunction(() => performance.getEntriesByName('leetchat:proof-of-work').length > 0, null, { timeout: 90_000 })
    const cost = await a.page.evaluate(() => {
      const e = performance.getEntriesByName('leetchat:proof-of-work')[0] as PerformanceMeasure
      return { ms: Math.round(e.duration), ...(e.detail as { bits: number; hashes: number; hashMs: number }) }
    })
    // The wall time includes starting the worker; the rate is over the hashing alone. The
    // expected cost of a challenge is 2^bits hashes at that rate.
    const rate = cost.hashes / (cost.hashMs / 1000)
    console.log(
      `proof of work in Chromium: ${cost.bits} bits solved in ${cost.hashes} hashes, ${cost.ms} ms wall (worker start included); ` +
        `${Math.round(rate)} hashes/s → expected ${Math.round((2 ** cost.bits / rate) * 1000)} ms for ${cost.bits} bits`,
    )
    expect(cost.bits).toBeGreaterThan(0)
    // The search really started: a stranger (another new address) meets it.
    const b = await device(browser, freshAddress())
    await start(b.page, [shared])
    for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`, { timeout: 90_000 })
    await a.context.close()
    await b.context.close()
  })
}
