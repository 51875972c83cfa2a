import { expect, test } from '@playwright/test'
import { bubbles, pair, say, uniqueInterest } from './helpers'

test('a text the stranger has on screen, page focused, gets the second tick: Seen', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('seen'))
  await say(a.page, 'do you see this?')
  await expect(bubbles(b.page, false)).toHaveText(['do you see this?'])
  // The reader's page is the one in front (visible and focused).
  await b.page.bringToFront()
  await b.page.evaluate(() => window.dispatchEvent(new Event('focus')))
  const tick = a.page.locator('.msg.mine .tick.seen')
  await expect(tick).toHaveCount(1)
  await expect(tick).toHaveAttribute('title', 'Seen')
  // A seen text is still a delivered one (the tick keeps both classes).
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)
  await a.context.close()
  await b.context.close()
})
