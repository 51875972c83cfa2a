import { expect, test } from '@playwright/test'
import { axeViolations, banner, bubbles, composer, DESKTOP, openApp, pair, pressStart, say, start, uniqueInterest } from './helpers'

test('two strangers who share an interest pair, chat both ways with ticks and typing, and one skips', async ({ browser }) => {
  const shared = uniqueInterest('chess')
  const [a, b] = await pair(browser, shared)

  // Typing shows on the other side, and stops when the message is sent.
  await composer(a.page).pressSequentially('hel')
  await expect(b.page.getByText('Stranger is typing…')).toBeVisible()
  await say(a.page, 'hello from A')
  await expect(bubbles(b.page, false)).toHaveText(['hello from A'])
  await expect(b.page.getByText('Stranger is typing…')).toBeHidden()
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)

  // The other way; markup is shown as text, never as HTML.
  const tricky = 'hi A <b>not bold</b> <img src=x onerror="document.title=1">'
  await say(b.page, tricky)
  await expect(bubbles(a.page, false)).toHaveText([tricky])
  await expect(a.page.locator('.bubble b, .bubble img')).toHaveCount(0)
  await expect(b.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)
  // Each message carries its time.
  await expect(a.page.locator('.msg time')).toHaveCount(2)

  // Multi-line: Shift+Enter is a new line, Enter sends (desktop-class pointer in this browser).
  await composer(a.page).fill('line one')
  await composer(a.page).press('Shift+Enter')
  await composer(a.page).pressSequentially('line two')
  await composer(a.page).press('Enter')
  await expect(bubbles(b.page, false).last()).toHaveText('line one\nline two')

  expect(await axeViolations(a.page)).toEqual([])

  // New stranger needs a second press.
  const skip = a.page.getByRole('button', { name: 'New stranger' })
  await skip.click()
  await expect(a.page.getByRole('button', { name: 'Sure? Tap again' })).toBeVisible()
  await expect(b.page.getByText('Stranger has left.')).toBeHidden()
  await a.page.getByRole('button', { name: 'Sure? Tap again' }).click()
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()

  // The one left behind gets a one-tap way on.
  await expect(b.page.getByText('Stranger has left.')).toBeVisible()
  await expect(b.page.getByRole('textbox', { name: 'Message' })).toBeHidden()
  await b.page.locator('.over').getByRole('button', { name: 'New stranger' }).click()
  await expect(b.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()

  await a.context.close()
  await b.context.close()
})

test('Esc twice skips on desktop', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('go'), { a: { viewport: DESKTOP }, b: { viewport: DESKTOP } })
  await composer(a.page).click()
  await a.page.keyboard.press('Escape')
  await expect(a.page.getByRole('button', { name: 'Sure? Tap again' })).toBeVisible()
  await a.page.keyboard.press('Escape')
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await expect(b.page.getByText('Stranger has left.')).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('the report dialog offers the contract reasons, sends the report and ends the chat', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('spam'))
  await say(b.page, 'buy cheap followers at example.com')
  await expect(bubbles(a.page, false)).toHaveCount(1)

  await a.page.getByRole('button', { name: 'Report this stranger' }).click()
  const dialog = a.page.getByRole('dialog', { name: 'Report this stranger' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('radio')).toHaveCount(5)
  for (const label of ['Spam, scams or ads', 'Harassment, threats or hate', 'Sexual content', 'Seems to be under 18', 'Something else']) {
    await expect(dialog.getByRole('radio', { name: label })).toBeVisible()
  }
  // A text chat has no picture to include.
  await expect(dialog.getByRole('checkbox', { name: /still of the stranger/ })).toHaveCount(0)
  const submit = dialog.getByRole('button', { name: 'Report and leave' })
  await expect(submit).toBeDisabled()
  await dialog.getByRole('radio', { name: 'Spam, scams or ads' }).check()
  await dialog.getByLabel('Anything to add?').fill('selling followers')
  await dialog.getByRole('checkbox', { name: /Include this conversation/ }).check()
  expect(await axeViolations(a.page)).toEqual([])
  await submit.click()

  await expect(dialog).toBeHidden()
  await expect(a.page.getByText('You reported this stranger. The chat has ended.')).toBeVisible()
  await expect(b.page.getByText('Stranger has left.')).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('searching can be cancelled, and says so when the random fallback starts', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  await start(page, [uniqueInterest('lonely')], true)
  await expect(page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await expect(page.getByText(/you're being matched with a random stranger/)).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Finding a random stranger…' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByRole('button', { name: 'Start chatting' })).toBeVisible()
  await context.close()
})

test('interest chips: Enter and comma add, × removes, at most 10, normalised, kept on the device', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  const input = page.getByLabel('Your interests')
  await input.fill('  Board   GAMES ')
  await input.press('Enter')
  await input.pressSequentially('Jazz,')
  const chips = page.getByRole('list', { name: 'Chosen interests' }).getByRole('listitem')
  await expect(chips).toHaveText(['board games', 'jazz'])
  await input.pressSequentially('jazz,')
  await expect(chips).toHaveCount(2) // duplicates are ignored
  await page.getByRole('button', { name: 'Remove board games' }).click()
  await expect(chips).toHaveText(['jazz'])
  // A pasted list is split on commas; past 10 the rest is refused with a reason.
  await input.fill(Array.from({ length: 12 }, (_, i) => `topic${i + 1}`).join(',') + ',')
  await expect(chips).toHaveCount(10)
  await expect(page.getByText('You can add up to 10 interests.')).toBeVisible()
  await expect(input).toBeDisabled()

  // Kept across a reload.
  await page.reload()
  await expect(page.getByRole('list', { name: 'Chosen interests' }).getByRole('listitem')).toHaveCount(10)
  // Start with nothing and random off is not possible.
  for (let i = 0; i < 10; i++)
    await page
      .getByRole('button', { name: /^Remove / })
      .first()
      .click()
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await expect(page.getByRole('button', { name: 'Start chatting' })).toBeDisabled()
  expect(await axeViolations(page)).toEqual([])
  await context.close()
})

test('an interest typed but not made a chip is kept after Start: on Cancel and on the next visit', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  const typed = uniqueInterest('typed')
  await page.getByLabel('Your interests').fill(typed)
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await pressStart(page)
  await expect(page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  const chips = page.getByRole('list', { name: 'Chosen interests' }).getByRole('listitem')
  await expect(chips).toHaveText([typed])
  await page.reload()
  await expect(chips).toHaveText([typed])
  await context.close()
})

test('Rules from the menu open over a search, and a match closes them: the new chat is never hidden', async ({ browser }) => {
  const shared = uniqueInterest('rules')
  const a = await openApp(browser)
  await start(a.page, [shared])
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await a.page.getByRole('button', { name: 'Menu' }).click()
  await a.page.getByRole('link', { name: 'Rules' }).click()
  const rules = a.page.getByRole('dialog', { name: 'The rules' })
  await expect(rules).toBeVisible()
  await expect(rules.getByText('What is not allowed')).toBeVisible()
  expect(a.page.url()).not.toContain('/rules')
  expect(await axeViolations(a.page)).toEqual([])
  const b = await openApp(browser)
  await start(b.page, [shared])
  await expect(banner(a.page)).toContainText(`you both like ${shared}`)
  await expect(rules).toBeHidden()
  await say(b.page, 'hello there')
  await expect(bubbles(a.page, false)).toHaveText(['hello there'])
  await a.context.close()
  await b.context.close()
})
