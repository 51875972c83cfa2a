// Pairing by language in real browsers: a Portuguese and a Turkish browser (the UI language is
// what each asks for) sharing an interest are not paired while one of them keeps to its own
// language; once it ticks "Any language" (on by default, so the other already has it), they meet
// after the fallback delay, and the chat says no language is shared. Names come from the catalogs.
import { expect, test, type Browser } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { uniqueInterest } from './helpers'

const catalog = (locale: string) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/messages/${locale}.json`, import.meta.url), 'utf8')) as Record<string, string>

async function device(browser: Browser, locale: string, catalogLocale: string) {
  const context = await browser.newContext({ locale })
  await context.addInitScript(() => localStorage.setItem('leetchat.rulesAccepted', 'true'))
  const page = await context.newPage()
  const frames: Array<{ type: string; [k: string]: unknown }> = []
  page.on('websocket', ws => ws.on('framereceived', f => typeof f.payload === 'string' && frames.push(JSON.parse(f.payload))))
  await page.goto('/')
  const m = catalog(catalogLocale)
  // Connected (the online count comes with the socket's hello), in its own language.
  await expect(page.locator('.online')).toContainText(/\d/)
  await expect(page.getByRole('button', { name: m['home.start'] })).toBeVisible()
  return {
    context,
    page,
    frames,
    m,
    async start(interest: string, anyLanguage: boolean) {
      await page.getByLabel(m['interests.label']!, { exact: true }).fill(interest)
      await page.getByRole('switch', { name: m['home.random'] }).setChecked(false)
      await page.getByRole('switch', { name: m['lang.any'] }).setChecked(anyLanguage)
      await page.getByRole('button', { name: m['home.start'] }).click()
      await expect(page.getByRole('heading', { name: m['search.looking'] })).toBeVisible()
    },
  }
}

test('a pt and a tr browser sharing an interest meet only once both allow any language', async ({ browser }) => {
  const shared = uniqueInterest('lang')
  const pt = await device(browser, 'pt-BR', 'pt-BR')
  const tr = await device(browser, 'tr-TR', 'tr')
  await pt.start(shared, false)
  await tr.start(shared, true)
  // Past the fallback delay (1.5 s in these tests) and then some: no pair, both still searching.
  await pt.page.waitForTimeout(3000)
  expect([...pt.frames, ...tr.frames].filter(f => f.type === 'matched')).toEqual([])
  await expect(pt.page.getByRole('heading', { name: pt.m['search.looking'] })).toBeVisible()
  await expect(tr.page.getByRole('heading', { name: tr.m['search.looking'] })).toBeVisible()
  expect(pt.frames.filter(f => f.type === 'queued').at(-1)).toMatchObject({ languages: ['pt'] })

  // The Portuguese side goes back and allows any language: they meet after its fallback delay.
  await pt.page.getByRole('button', { name: pt.m['search.cancel'] }).click()
  await pt.start(shared, true)
  await expect(pt.page.locator('.banner')).toBeVisible({ timeout: 15_000 })
  await expect(tr.page.locator('.banner')).toBeVisible()
  const matched = pt.frames.find(f => f.type === 'matched')
  expect(matched).toMatchObject({ common: [shared], languages: [] })
  await pt.context.close()
  await tr.context.close()
})
