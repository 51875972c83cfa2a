// Replies: the Reply button (hover or focus, desktop) or a swipe right (phone) on the stranger's
// text puts its first line above the composer; the text sent with it carries `replyTo`, and both
// sides' bubbles show the quoted line. Tapping a quote scrolls to the original.
import { expect, test, type Page } from '@playwright/test'
import { bubbles, composer, DESKTOP, pair, say, uniqueInterest } from './helpers'

/** Texts the page sent on its chat socket. */
function sentTexts(page: Page): Array<{ body: string; replyTo?: number }> {
  const out: Array<{ body: string; replyTo?: number }> = []
  page.on('websocket', ws =>
    ws.on('framesent', f => {
      const frame = typeof f.payload === 'string' ? JSON.parse(f.payload) : null
      if (frame?.type === 'text') out.push(frame)
    }),
  )
  return out
}

test('desktop: Reply on a hovered or focused message, the quote above the composer, both sides see the quoted line', async ({ browser }) => {
  let sent: ReturnType<typeof sentTexts> = []
  const [a, b] = await pair(browser, uniqueInterest('reply'), { a: { viewport: DESKTOP }, b: { viewport: DESKTOP, onPage: p => (sent = sentTexts(p)) } })
  await say(a.page, 'what music do you like?\nI like jazz')
  for (let i = 1; i <= 12; i++) await say(a.page, `filler ${i}`)
  await expect(bubbles(b.page, false)).toHaveCount(13)

  const first = b.page.locator('.msg:not(.mine)').first()
  const reply = first.getByRole('button', { name: 'Reply' })
  // Out of sight until the message is hovered (or focused).
  await expect(reply).toHaveCSS('opacity', '0')
  await first.scrollIntoViewIfNeeded()
  await first.hover()
  await expect(reply).toHaveCSS('opacity', '1')
  await reply.click()
  const quote = b.page.getByRole('note', { name: 'Replying to the stranger' })
  await expect(quote).toContainText('Stranger')
  await expect(quote).toContainText('what music do you like?')
  await expect(quote).not.toContainText('I like jazz')
  await expect(composer(b.page)).toBeFocused()
  // × drops it; Reply by keyboard brings it back.
  await b.page.getByRole('button', { name: 'Cancel reply' }).click()
  await expect(quote).toBeHidden()
  await reply.focus()
  await expect(reply).toHaveCSS('opacity', '1')
  await b.page.keyboard.press('Enter')
  await expect(quote).toBeVisible()

  await say(b.page, 'mostly jazz, and you?')
  await expect(quote).toBeHidden()
  const mine = b.page.locator('.msg.mine').last()
  await expect(mine.locator('.quote')).toContainText('Stranger')
  await expect(mine.locator('.quote')).toContainText('what music do you like?')
  await expect(mine.locator('.bubble')).toContainText('mostly jazz, and you?')
  // On the wire: the quoted text's seq as b received it.
  expect(sent.at(-1)).toMatchObject({ body: 'mostly jazz, and you?', replyTo: expect.any(Number) })

  // The stranger: the quote names their own text, and a tap on it scrolls to the original.
  const theirs = a.page.locator('.msg:not(.mine)').last()
  await expect(theirs.locator('.bubble')).toContainText('mostly jazz, and you?')
  const quoted = theirs.getByRole('button', { name: /In reply to You what music do you like\?/ })
  await expect(quoted).toBeVisible()
  const original = a.page.locator('.msg.mine').first()
  await expect(original).not.toBeInViewport()
  await quoted.click()
  await expect(original).toBeInViewport()
  await expect(original).toHaveClass(/flash/)
  // Own texts offer no Reply (the wire quotes the stranger's texts only).
  await expect(a.page.locator('.msg.mine').getByRole('button', { name: 'Reply' })).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})

test('phone: a swipe right past the threshold replies, a short one snaps back; the partner sees the quote', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('swipe'), { b: { touch: true } })
  await say(a.page, 'swipe me')
  const msg = b.page.locator('.msg:not(.mine)').last()
  await expect(msg.locator('.bubble')).toHaveText('swipe me')
  const swipe = msg.locator('.swipe')
  const cdp = await b.context.newCDPSession(b.page)
  const box = (await swipe.boundingBox())!
  const y = box.y + box.height / 2
  const drag = async (dx: number, check?: () => Promise<void>) => {
    const x = box.x + 20
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] })
    for (let i = 1; i <= 8; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + (dx * i) / 8, y }] })
    await check?.()
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  }
  const shift = () => swipe.evaluate(el => new DOMMatrix(getComputedStyle(el).transform).m41)

  // Short of the threshold: it follows the finger, then snaps back; no reply.
  await drag(40, async () => expect(await shift()).toBeGreaterThan(20))
  await expect.poll(shift).toBe(0)
  await expect(b.page.getByRole('note', { name: 'Replying to the stranger' })).toHaveCount(0)

  // Past it: the reply starts.
  await drag(90)
  const quote = b.page.getByRole('note', { name: 'Replying to the stranger' })
  await expect(quote).toContainText('swipe me')
  await expect.poll(shift).toBe(0)
  await say(b.page, 'swiped!')
  await expect(b.page.locator('.msg.mine').last().locator('.quote')).toContainText('swipe me')
  const theirs = a.page.locator('.msg:not(.mine)').last()
  await expect(theirs.locator('.bubble')).toContainText('swiped!')
  await expect(theirs.locator('.quote')).toContainText('You')
  await expect(theirs.locator('.quote')).toContainText('swipe me')
  await a.context.close()
  await b.context.close()
})
