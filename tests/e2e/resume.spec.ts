import { expect, test } from '@playwright/test'
import { banner, bubbles, composer, pair, say, uniqueInterest } from './helpers'

test('a few seconds without network on both sides: same chat, nothing lost, nothing doubled', async ({ browser }) => {
  const shared = uniqueInterest('tunnel')
  const [a, b] = await pair(browser, shared)
  await say(a.page, 'before the tunnel (A)')
  await say(b.page, 'before the tunnel (B)')
  await expect(bubbles(a.page, false)).toHaveText(['before the tunnel (B)'])
  await expect(bubbles(b.page, false)).toHaveText(['before the tunnel (A)'])

  await a.context.setOffline(true)
  await b.context.setOffline(true)
  for (const d of [a, b]) await expect(d.page.getByText("You're offline.")).toBeVisible()
  // Written while offline: shown at once as "sending", delivered after the resume.
  await say(a.page, 'in the tunnel (A)')
  await say(b.page, 'in the tunnel (B)')
  await expect(a.page.locator('.msg.mine .tick.sending')).toHaveCount(1)
  await a.page.waitForTimeout(3000)
  await a.context.setOffline(false)
  await b.context.setOffline(false)

  for (const [me, other] of [
    [a, 'B'],
    [b, 'A'],
  ] as const) {
    await expect(bubbles(me.page, false)).toHaveText([`before the tunnel (${other})`, `in the tunnel (${other})`])
    await expect(me.page.locator('.msg.mine .tick.delivered')).toHaveCount(2)
    await expect(me.page.getByText("You're offline.")).toBeHidden()
    await expect(me.page.getByText('Reconnecting…', { exact: true })).toBeHidden()
    await expect(me.page.getByText('Stranger is reconnecting…')).toBeHidden()
    await expect(banner(me.page)).toContainText(shared)
    await expect(me.page.getByText('Stranger has left.')).toBeHidden()
  }
  // Still the same live chat, both ways, and still exactly once each.
  await say(a.page, 'out of the tunnel (A)')
  await say(b.page, 'out of the tunnel (B)')
  await expect(bubbles(b.page, false)).toHaveText(['before the tunnel (A)', 'in the tunnel (A)', 'out of the tunnel (A)'])
  await expect(bubbles(a.page, false)).toHaveText(['before the tunnel (B)', 'in the tunnel (B)', 'out of the tunnel (B)'])
  await expect(bubbles(a.page, true)).toHaveCount(3)
  await expect(composer(a.page)).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('the partner sees "Stranger is reconnecting…" while the other side is away', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('away'))
  await a.context.setOffline(true)
  await expect(a.page.getByText("You're offline.")).toBeVisible()
  await expect(b.page.getByText('Stranger is reconnecting…')).toBeVisible()
  await a.context.setOffline(false)
  await expect(b.page.getByText('Stranger is reconnecting…')).toBeHidden()
  await say(b.page, 'welcome back')
  await expect(bubbles(a.page, false)).toHaveText(['welcome back'])
  await a.context.close()
  await b.context.close()
})
