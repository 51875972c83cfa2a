// The chat header on the narrowest phones (320×568) in English and in two long languages: the
// title keeps its size and no text in the header or its strip is cut, in every state (searching,
// chatting with common interests, the stranger typing, the stranger reconnecting, offline, the
// New button armed, the stranger left, you blocked, you reported). The status says what happened
// from this side. The report dialog's button is reachable without scrolling.
import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { addInterests, bubbles, composer, openApp, overflowing, pair, pressStart, say, uniqueInterest } from './helpers'

const SMALL = { width: 320, height: 568 }
type Catalog = Record<string, string>
const catalog = (lang: string): Catalog => JSON.parse(readFileSync(fileURLToPath(new URL(`../../pwa/src/i18n/messages/${lang}.json`, import.meta.url)), 'utf8'))
const en = catalog('en')

/** What in the header or its strip is cut (wider or taller than its box) or too small, as readable lines. */
async function cutInHeader(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    const header = document.querySelector('header.topbar')!
    const hr = header.getBoundingClientRect()
    const boxes = Array.from(document.querySelectorAll<HTMLElement>('header.topbar *, .strip'))
    for (const el of boxes) {
      const style = getComputedStyle(el)
      if (!el.getClientRects().length || style.display === 'inline' || el instanceof SVGElement || el.tagName === 'IMG') continue
      const text = el.textContent?.trim()
      if (!text) continue
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" is ${el.scrollWidth}px in ${el.clientWidth}px`)
      if (el.scrollHeight > el.clientHeight + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" is ${el.scrollHeight}px tall in ${el.clientHeight}px`)
      if (style.textOverflow === 'ellipsis' && style.overflow !== 'visible') out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" may be cut with an ellipsis`)
      const r = el.getBoundingClientRect()
      if (el.closest('header') && (r.left < hr.left - 1 || r.right > hr.right + 1)) out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" spans ${r.left}..${r.right}`)
    }
    return out
  })
}

async function expectFits(page: Page, state: string) {
  expect(await cutInHeader(page), state).toEqual([])
  expect(await overflowing(page), state).toEqual([])
  const title = page.locator('.who strong')
  if (await title.count()) expect(await title.evaluate(el => getComputedStyle(el).fontSize), `${state}: title size`).toBe('16.8px')
}

for (const lang of ['en', 'de', 'ru']) {
  test(`320 px, ${lang}: the header fits in every state, the status says who ended it, the report button is in view`, async ({ browser }) => {
    const m = catalog(lang)
    const context = await browser.newContext({ locale: lang, viewport: SMALL })
    await context.addInitScript(() => localStorage.setItem('leetchat.rulesAccepted', 'true'))
    const page = await context.newPage()
    page.on('pageerror', err => console.error(`[page error] ${err.message}`))
    await page.goto('/')
    const a = { context, page }
    const b = await openApp(browser)
    const shared = uniqueInterest('narrow')
    const status = page.locator('.who small')

    // Searching.
    await page.getByLabel(m['interests.label']!, { exact: true }).fill(shared)
    await page.getByLabel(m['interests.label']!, { exact: true }).press('Enter')
    await page.getByRole('switch', { name: m['home.random'] }).setChecked(false)
    await page.getByRole('button', { name: m['home.start'] }).click()
    await expect(page.locator('.topbar .online')).toContainText(/\d/)
    await expectFits(page, 'searching')

    // Chatting, with a common interest.
    await addInterests(b.page, [shared])
    await b.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
    await pressStart(b.page)
    await expect(status).toHaveText(m['chat.online']!)
    await expectFits(page, 'chatting')

    // The stranger types.
    await composer(b.page).pressSequentially('hello there')
    await expect(status).toHaveText(m['chat.typingShort']!)
    await expectFits(page, 'typing')
    await composer(b.page).fill('')
    await say(b.page, 'hi')
    await expect(bubbles(page, false)).toHaveCount(1)

    // The stranger's connection drops: they are reconnecting.
    await b.context.setOffline(true)
    await expect(status).toHaveText(m['chat.reconnecting']!, { timeout: 20_000 })
    await expect(page.locator('.strip')).toHaveText(m['conn.partnerReconnecting']!)
    await expectFits(page, 'stranger reconnecting')
    await b.context.setOffline(false)
    await expect(status).toHaveText(m['chat.online']!, { timeout: 20_000 })

    // Our own connection drops.
    await a.context.setOffline(true)
    await expect(status).toHaveText(m['chat.offline']!)
    await expect(page.locator('.strip')).toBeVisible()
    await expectFits(page, 'offline')
    await a.context.setOffline(false)
    await expect(page.locator('.strip')).toBeHidden({ timeout: 20_000 })

    // New stranger, armed (the second press would skip).
    await page.getByRole('button', { name: m['chat.new'] }).click()
    await expect(page.getByRole('button', { name: m['chat.sure'] })).toBeVisible()
    await expectFits(page, 'armed')
    await expect(page.getByRole('button', { name: m['chat.new'] })).toBeVisible({ timeout: 5000 })

    // The stranger leaves.
    await b.page.getByRole('button', { name: 'New stranger' }).click()
    await b.page.getByRole('button', { name: 'Sure? Tap again' }).click()
    await expect(status).toHaveText(m['chat.statusStrangerLeft']!)
    await expectFits(page, 'stranger left')

    // We block them after the fact, then report them: the status says so.
    await page.getByRole('button', { name: m['chat.blockLabel'] }).click()
    await page.getByRole('dialog', { name: m['block.title'] }).getByRole('button', { name: m['block.block'], exact: true }).click()
    await expect(status).toHaveText(m['chat.statusBlocked']!)
    await expectFits(page, 'you blocked')

    await page.getByRole('button', { name: m['chat.reportLabel'] }).click()
    const dialog = page.getByRole('dialog', { name: m['report.title'] })
    await dialog.getByRole('radio', { name: m['report.spam'] }).check()
    // At 320×568 the dialog's buttons are on screen without scrolling.
    const submit = dialog.getByRole('button', { name: m['report.submit'] })
    await expect(submit).toBeInViewport({ ratio: 1 })
    expect(await dialog.evaluate(el => el.scrollTop)).toBe(0)
    await submit.click()
    await expect(dialog).toBeHidden()
    await expect(status).toHaveText(m['chat.statusReported']!)
    await expectFits(page, 'you reported')
    await a.context.close()
    await b.context.close()
  })
}

test('the status says what happened from each side: you blocked vs stranger left', async ({ browser }) => {
  const a = await openApp(browser)
  const b = await openApp(browser)
  const shared = uniqueInterest('status')
  for (const d of [a, b]) {
    await addInterests(d.page, [shared])
    await d.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
    await pressStart(d.page)
  }
  await a.page.getByRole('button', { name: 'Block this stranger' }).click()
  await a.page.getByRole('dialog', { name: 'Block this stranger?' }).getByRole('button', { name: 'Block', exact: true }).click()
  await expect(a.page.locator('.who small')).toHaveText('You blocked the stranger')
  await expect(b.page.locator('.who small')).toHaveText('Stranger left')
  expect(en['chat.statusYouLeft']).toBe('You left')

  await a.context.close()
  await b.context.close()
})

test('a session that cannot be resumed ends the chat on screen; the bar says why, and no toast says it a second time', async ({ browser }) => {
  const [a, b] = await pair(browser, uniqueInterest('lost'))
  // A token the server never gave: the reload cannot resume, a fresh session starts.
  // (Rewritten as the reloaded page starts: the page keeps its memory again as it goes away.)
  await a.page.addInitScript(() => {
    const kept = JSON.parse(sessionStorage.getItem('leetchat.tab') ?? 'null')
    if (!kept?.socket) return
    kept.socket.session = 'not-a-session-the-server-knows'
    sessionStorage.setItem('leetchat.tab', JSON.stringify(kept))
  })
  await a.page.reload()
  await expect(a.page.locator('.who small')).toHaveText('Connection lost')
  await expect(a.page.getByText('Your connection was lost for too long, so the chat ended.')).toHaveCount(1)
  await a.page.waitForTimeout(500)
  await expect(a.page.locator('.toast')).toHaveCount(0)
  await a.context.close()
  await b.context.close()
})
