// Refused texts in a real browser, on a server of its own with the spam filter and a tight text
// rate limit on (the suite's server turns both off): the refused bubble itself says "Not sent"
// and why, in the client's words; Retry only where it can work; never resent after a reconnect.
import { expect, test, type Browser } from '@playwright/test'
import { axeViolations, banner, bubbles, say, start, uniqueInterest, type Device } from './helpers'
import { startOwnServer, type OwnServer } from './support/own-server'

let own: OwnServer | undefined
let origin = ''

test.beforeAll(async () => {
  own = await startOwnServer('refusal', {
    NODE_ENV: 'production',
    RATE_SESSIONS_PER_MINUTE: '100000',
    MAX_SESSIONS_PER_IP: '100000',
    // A link in the first 2 s of a chat from a new address is spam; later it would pass, so a
    // resend after a reconnect would reach the stranger.
    SPAM_LINK_GRACE_SECONDS: '2',
    RATE_TEXT_PER_SECOND: '1',
    RATE_TEXT_BURST: '1',
    QUARANTINE_STRIKES: '0',
    QUARANTINE_REPORTS: '0',
  })
  origin = own.origin
})

test.afterAll(async () => {
  await own?.stop()
})

async function device(browser: Browser): Promise<Device> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 360, height: 740 } })
  const page = await context.newPage()
  page.on('pageerror', err => console.error(`[page error] ${err.message}`))
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page }
}

async function pairHere(browser: Browser): Promise<[Device, Device]> {
  const shared = uniqueInterest('refuse')
  const a = await device(browser)
  const b = await device(browser)
  await start(a.page, [shared])
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(b.page, [shared])
  for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`)
  return [a, b]
}

test('a text refused as spam says "Not sent" and why, offers no Retry, and is not resent after a reconnect', async ({ browser }) => {
  const [a, b] = await pairHere(browser)
  await say(a.page, 'add me t.me/handle')
  const refused = a.page.locator('.msg.mine').filter({ hasText: 't.me/handle' })
  await expect(refused.getByText('Not sent', { exact: true })).toBeVisible()
  await expect(refused.getByText(/links and contact details are held back/i)).toBeVisible()
  await expect(refused.getByRole('button', { name: 'Retry' })).toHaveCount(0)
  await expect(refused.getByText('Sending')).toHaveCount(0)
  // The server's own English is never shown.
  await expect(a.page.getByText('a link or contact handle this early in a chat')).toHaveCount(0)
  expect(await axeViolations(a.page)).toEqual([])

  // Past the grace, a reconnect: the refused text must not go out again by itself.
  await a.page.waitForTimeout(2500)
  await a.context.setOffline(true)
  await a.page.waitForTimeout(300)
  await a.context.setOffline(false)
  await say(a.page, 'still here')
  await expect(bubbles(b.page, false)).toHaveText(['still here'])
  await b.page.waitForTimeout(500)
  await expect(bubbles(b.page, false)).toHaveText(['still here'])
  await expect(refused.getByText('Not sent', { exact: true })).toBeVisible()
  await a.context.close()
  await b.context.close()
})

test('texts refused by the rate limit are marked on the right bubbles, each with a Retry that sends it', async ({ browser }) => {
  const [a, b] = await pairHere(browser)
  await a.page.waitForTimeout(2200)
  // One text a second, no burst: of four sent at once, the later ones are refused (how many
  // depends on the machine's speed, so the test reads which, and checks each refusal is pinned
  // on exactly the texts the stranger did not get).
  const sent = ['one', 'two', 'three', 'four']
  for (const t of sent) await say(a.page, t)
  const mine = (t: string) => a.page.locator('.msg.mine').filter({ has: a.page.locator('.bubble', { hasText: new RegExp(`^${t}$`) }) })
  const failed = a.page.locator('.msg.mine').filter({ has: a.page.getByText('Not sent', { exact: true }) })
  await expect(failed.first()).toBeVisible()
  await expect(a.page.locator('.msg.mine .tick.sending')).toHaveCount(0)
  const refusedTexts = await failed.locator('.bubble').allTextContents()
  const got = sent.filter(t => !refusedTexts.includes(t))
  expect(got[0]).toBe('one')
  await expect(bubbles(b.page, false)).toHaveText(got)
  const again = refusedTexts[0]!
  await expect(mine(again).getByText(/sending too fast/)).toBeVisible()
  await a.page.waitForTimeout(1500)
  await mine(again).getByRole('button', { name: 'Retry' }).click()
  await expect(bubbles(b.page, false)).toHaveText([...got, again])
  await expect(mine(again).getByText('Not sent', { exact: true })).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})
