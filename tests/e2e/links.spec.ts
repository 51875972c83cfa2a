// Links in the stranger's texts: tappable only for https, naming the host they really open, and
// opened only after a confirm, in a new tab with no opener and no referrer. Nothing is fetched for
// a preview (the receiving page makes no request to the link's host until Open).
import { expect, test } from '@playwright/test'
import { bubbles, DESKTOP, pair, say, uniqueInterest } from './helpers'

test('an https link opens only after "Open example.com?"; Cancel opens nothing; Open gives a new tab with no opener', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('links'), { b: { viewport: DESKTOP } })
  // No network here: the link's site is answered by the test, and every request to it is counted.
  const requests: string[] = []
  await b.context.route('https://example.com/**', route => {
    requests.push(route.request().url())
    return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Example</title><p>the site</p>' })
  })
  await say(a.page, 'look at https://example.com/page?x=1, then http://plain.example/ and javascript:alert(1) or data:text/html,hi')
  const bubble = bubbles(b.page, false).last()
  await expect(bubble).toContainText('look at https://example.com/page?x=1, then http://plain.example/')
  const link = bubble.getByRole('link', { name: 'https://example.com/page?x=1' })
  await expect(link).toBeVisible()
  // Only that one: http, javascript: and data: stay text. Own texts are not links either.
  await expect(bubble.getByRole('link')).toHaveCount(1)
  await expect(bubble.locator('a[href]')).toHaveCount(0)
  await expect(bubbles(a.page, true).last().getByRole('link')).toHaveCount(0)
  // No preview: nothing was fetched from the link's host.
  await b.page.waitForTimeout(300)
  expect(requests).toEqual([])

  const pages = () => b.context.pages().length
  const before = pages()
  await link.click()
  const dialog = b.page.getByRole('dialog', { name: 'Open example.com?' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('heading', { name: 'Open example.com?' })).toBeVisible()
  await expect(dialog).toContainText('This link was sent by a stranger.')
  await expect(dialog).toContainText('https://example.com/page?x=1')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await b.page.waitForTimeout(300)
  expect(pages()).toBe(before)
  expect(requests).toEqual([])

  // The keyboard reaches the link too (Enter), and Open gives a popup.
  await link.focus()
  await b.page.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  const [popup] = await Promise.all([b.context.waitForEvent('page'), dialog.getByRole('link', { name: 'Open' }).click()])
  await popup.waitForLoadState()
  expect(popup.url()).toBe('https://example.com/page?x=1')
  await expect(popup.getByText('the site')).toBeVisible()
  expect(await popup.evaluate(() => window.opener === null)).toBe(true)
  expect(await popup.evaluate(() => document.referrer)).toBe('')
  await expect(dialog).toBeHidden()
  // The chat is still there, unchanged.
  await expect(bubbles(b.page, false)).toHaveCount(1)
  await a.context.close()
  await b.context.close()
})

test('a look-alike host shows the host it really opens (xn--); a user name before @ is no link', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('idn'))
  // A Cyrillic "а" in place of the Latin one.
  await say(a.page, 'log in at https://\u0430pple.com/login')
  const bubble = bubbles(b.page, false).last()
  const link = bubble.getByRole('link', { name: /xn--pple-43d\.com/ })
  await expect(link).toBeVisible()
  await expect(link.locator('.link-host')).toHaveText('xn--pple-43d.com')
  await link.click()
  const dialog = b.page.getByRole('dialog', { name: 'Open xn--pple-43d.com?' })
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('https://xn--pple-43d.com/login')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()

  await say(a.page, 'https://google.com@evil.example/login')
  await expect(bubbles(b.page, false).last()).toHaveText('https://google.com@evil.example/login')
  await expect(bubbles(b.page, false).last().getByRole('link')).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})
