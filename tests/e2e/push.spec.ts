// Notifications in real Chromium: the app asks only after the first search (its own small
// prompt first, the browser's only after Allow), then subscribes through the service worker and
// sends the subscription; the menu's Sound and vibration switch is remembered. Headless Chromium
// has no push service behind pushManager.subscribe, so the spec accepts either outcome of that one
// call (<html data-push> says which) and checks the app went on either way; the server side of
// push is tests/integration/push.test.ts.
import { expect, test } from '@playwright/test'
import { openApp, start, uniqueInterest } from './helpers'

const prompt = (page: import('@playwright/test').Page) => page.getByRole('group', { name: 'Get notified when a stranger is found?' })

test('the notification prompt comes only after the first search; Not now is remembered', async ({ browser }) => {
  const { context, page } = await openApp(browser, { rulesAccepted: true })
  // First open: nothing asked.
  await page.waitForTimeout(500)
  await expect(prompt(page)).toHaveCount(0)
  await start(page, [uniqueInterest('push')])
  await expect(prompt(page)).toBeVisible()
  expect(await page.evaluate(() => Notification.permission)).toBe('default')
  await prompt(page).getByRole('button', { name: 'Not now' }).click()
  await expect(prompt(page)).toHaveCount(0)
  await expect(page.locator('html')).toHaveAttribute('data-push', 'declined')
  // The browser was never asked.
  expect(await page.evaluate(() => Notification.permission)).toBe('default')
  await page.getByRole('button', { name: 'Cancel' }).click()
  await start(page, [uniqueInterest('push')])
  await page.waitForTimeout(500)
  await expect(prompt(page)).toHaveCount(0)
  await context.close()
})

test('Allow asks the browser, then the app subscribes with the server key (or carries on without a push service)', async ({ browser }) => {
  const { context, page } = await openApp(browser, { rulesAccepted: true })
  const calls: string[] = []
  page.on('request', r => r.url().includes('/trpc/push.') && calls.push(new URL(r.url()).pathname))
  await start(page, [uniqueInterest('push')])
  await expect(prompt(page)).toBeVisible()
  // What a person's "Allow" in the browser's own prompt does.
  await context.grantPermissions(['notifications'])
  await prompt(page).getByRole('button', { name: 'Allow' }).click()
  await expect(prompt(page)).toHaveCount(0)
  await expect(page.locator('html')).toHaveAttribute('data-push', /^(subscribed|failed)$/, { timeout: 15_000 })
  expect(await page.evaluate(() => Notification.permission)).toBe('granted')
  // The key was fetched for pushManager.subscribe; the subscription went to the server when the browser made one.
  expect(calls).toContain('/trpc/push.key')
  const state = await page.locator('html').getAttribute('data-push')
  if (state === 'subscribed') expect(calls).toContain('/trpc/push.subscribe')
  test.info().annotations.push({ type: 'pushManager.subscribe', description: state ?? '' })
  // Either way the search goes on.
  await expect(page.getByRole('heading', { name: /Looking for a stranger…/ })).toBeVisible()
  // The service worker has the push handlers (public/push-sw.js, imported by sw.js).
  expect(await page.evaluate(async () => (await fetch('/sw.js').then(r => r.text())).includes('push-sw.js'))).toBe(true)
  await context.close()
})

test('the Sound and vibration switch in the menu is on by default and remembered across a reload', async ({ browser }) => {
  const { context, page } = await openApp(browser)
  const sound = () => page.getByRole('switch', { name: 'Sound and vibration' })
  await page.getByRole('button', { name: 'Menu' }).click()
  await expect(sound()).toHaveAttribute('aria-checked', 'true')
  await sound().click()
  await expect(sound()).toHaveAttribute('aria-checked', 'false')
  await page.reload()
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  await page.getByRole('button', { name: 'Menu' }).click()
  await expect(sound()).toHaveAttribute('aria-checked', 'false')
  await sound().click()
  await expect(sound()).toHaveAttribute('aria-checked', 'true')
  await context.close()
})
