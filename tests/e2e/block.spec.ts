// Blocking a stranger from the PWA: the Block button (and "Just block" in the report dialog) ends
// the chat, and the two are not paired again when both search once more with the same interest.
// Each device is its own address (X-Forwarded-For; the server trusts loopback in these tests).
import { expect, test, type Browser } from '@playwright/test'
import { axeViolations, banner, PHONE, start, uniqueInterest } from './helpers'

let n = 0
const freshAddress = () => `10.252.${Math.floor(Math.random() * 250)}.${(++n * 41) % 250}`

async function device(browser: Browser) {
  const context = await browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'x-forwarded-for': freshAddress() } })
  const page = await context.newPage()
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page }
}

for (const via of ['the Block button', 'the report dialog']) {
  test(`blocking through ${via} ends the chat and the two never meet again`, async ({ browser }) => {
    const shared = uniqueInterest('block')
    const a = await device(browser)
    const b = await device(browser)
    await start(a.page, [shared])
    await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
    await start(b.page, [shared])
    for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`, { timeout: 30_000 })

    if (via === 'the Block button') {
      // Asked once, saying what it does; Cancel keeps the chat.
      await a.page.getByRole('button', { name: 'Block this stranger' }).click()
      const ask = a.page.getByRole('dialog', { name: 'Block this stranger?' })
      await expect(ask).toContainText("You won't be matched with this stranger again for 7 days")
      expect(await axeViolations(a.page)).toEqual([])
      await ask.getByRole('button', { name: 'Cancel' }).click()
      await expect(ask).toBeHidden()
      await expect(a.page.getByText('You blocked this stranger.', { exact: false })).toHaveCount(0)
      await a.page.getByRole('button', { name: 'Block this stranger' }).click()
      await a.page.getByRole('dialog', { name: 'Block this stranger?' }).getByRole('button', { name: 'Block', exact: true }).click()
    } else {
      await a.page.getByRole('button', { name: 'Report this stranger' }).click()
      await a.page.getByRole('button', { name: 'Just block' }).click()
    }
    await expect(a.page.getByText("You blocked this stranger. You won't be matched again.")).toBeVisible()
    await expect(b.page.getByText('Stranger has left.')).toBeVisible()

    // Both look again with the same interest: they are not paired.
    for (const d of [a, b]) {
      await d.page.getByRole('button', { name: 'New stranger' }).first().click()
      await expect(d.page.getByRole('heading', { name: /Looking for a stranger…|Finding a random stranger…/ })).toBeVisible()
    }
    await a.page.waitForTimeout(1500)
    for (const d of [a, b]) await expect(d.page.getByRole('heading', { name: /Looking for a stranger…|Finding a random stranger…/ })).toBeVisible()
    // A third stranger is paired with one of them.
    const c = await device(browser)
    await start(c.page, [shared])
    await expect(banner(c.page)).toContainText(`you both like ${shared}`, { timeout: 30_000 })
    for (const d of [a, b, c]) await d.context.close()
  })
}
