// Small things, each pinned: both sides read the same order after texts typed offline; the gate's
// rules open in the app (an installed app would send a new tab to the browser); a phone on its
// side keeps Start on screen and most of the height for the conversation.
import { expect, test } from '@playwright/test'
import { addInterests, banner, bubbles, composer, openApp, pair, pressStart, rulesGate, say, uniqueInterest } from './helpers'

test('texts typed offline land where the server put them: both sides show the same order', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('order'))
  await say(a.page, 'one')
  await expect(bubbles(b.page, false)).toHaveText(['one'])
  await a.context.setOffline(true)
  await expect(a.page.locator('.strip')).toBeVisible()
  await say(a.page, 'typed offline')
  // Meanwhile the stranger writes twice; the server has these before our text.
  await say(b.page, 'are you there?')
  await say(b.page, 'hello?')
  await a.page.waitForTimeout(300)
  await a.context.setOffline(false)
  await expect(bubbles(b.page, false)).toHaveText(['one', 'typed offline'], { timeout: 20_000 })
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(2, { timeout: 20_000 })
  const order = ['one', 'are you there?', 'hello?', 'typed offline']
  await expect(b.page.locator('.msg .bubble')).toHaveText(order)
  await expect(a.page.locator('.msg .bubble')).toHaveText(order)
  await a.context.close()
  await b.context.close()
})

test("the gate's rules open over the gate, in the app, and lead back to it", async ({ browser }) => {
  const a = await openApp(browser)
  await addInterests(a.page, [uniqueInterest('gate')])
  await a.page.getByRole('button', { name: 'Start chatting' }).click()
  const gate = rulesGate(a.page)
  await expect(gate).toBeVisible()
  const link = gate.getByRole('link', { name: 'Read the rules' })
  // Styled as a link in the app's colour, not the browser's default blue.
  expect(await link.evaluate(el => getComputedStyle(el).color)).not.toBe('rgb(0, 0, 238)')
  expect(await link.getAttribute('target')).toBeNull()
  await link.click()
  const rules = a.page.getByRole('dialog', { name: 'The rules' })
  await expect(rules).toBeVisible()
  await expect(rules.getByText('What is not allowed')).toBeVisible()
  expect(a.context.pages()).toHaveLength(1)
  expect(a.page.url()).not.toContain('/rules')
  await rules.getByRole('button', { name: 'Close' }).click()
  await expect(rules).toBeHidden()
  await expect(gate).toBeVisible()
  await gate.getByRole('checkbox', { name: /I am 18 or older/ }).check()
  await gate.getByRole('button', { name: 'Agree and start' }).click()
  await expect(a.page.getByRole('heading', { name: /Looking for a stranger…|Finding a random stranger…/ })).toBeVisible()
  await a.context.close()
})

test('a landscape phone (740×360): Start is on screen without scrolling, and the conversation gets most of the height', async ({ browser }) => {
  const LANDSCAPE = { width: 740, height: 360 }
  const shared = uniqueInterest('landscape')
  const a = await openApp(browser, { viewport: LANDSCAPE, touch: true })
  const b = await openApp(browser)
  // As the screen opens, nothing scrolled yet.
  await expect(a.page.getByRole('button', { name: 'Start chatting' })).toBeInViewport({ ratio: 1 })
  expect(await a.page.locator('main.scroll').evaluate(el => el.scrollTop)).toBe(0)
  await addInterests(a.page, [shared])
  await a.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await expect(a.page.getByRole('button', { name: 'Start chatting' })).toBeInViewport({ ratio: 1 })
  await pressStart(a.page)
  await addInterests(b.page, [shared])
  await b.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await pressStart(b.page)
  await expect(banner(a.page)).toContainText(`you both like ${shared}`)
  const log = (await a.page.locator('.log').boundingBox())!
  expect(log.height).toBeGreaterThanOrEqual(250)
  await expect(composer(a.page)).toBeInViewport({ ratio: 1 })
  await a.context.close()
  await b.context.close()
})
