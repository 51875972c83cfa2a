// The moderation console in Chromium: an admin made with the CLI signs in, a real report from two
// PWA devices (each its own address) shows in the queue with its transcript, a 1-day ban ends the
// reported side's chat and refuses its next find, and the audit log shows it; roles, sign-out,
// the lock after five wrong passwords, TOTP enrolment and sign-in with a code.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import * as OTPAuth from 'otpauth'
import { addInterests, banner, DESKTOP, PHONE, recordFrames, say, start, uniqueInterest, overflowing, axeViolations } from './helpers'

const ROOT = resolve(import.meta.dirname, '../..')
const PW = 'a long enough console password'
const SHOTS = resolve(import.meta.dirname, '.screenshots') // ignored; `npm run screenshots` copies them to screenshots/

function addAccount(name: string, role: 'moderator' | 'admin', password = PW) {
  const r = spawnSync(resolve(ROOT, 'node_modules/.bin/bun'), ['api/safety/mod-cli.ts', 'admin', 'add', name, '--role', role], {
    cwd: ROOT,
    input: password + '\n',
    env: { ...process.env, DATA_DIR: process.env.LEETCHAT_E2E_DATA!, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`mod admin add failed: ${r.stdout}${r.stderr}`)
}
const unique = (tag: string) => `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`
let n = 0
const freshAddress = () => `10.251.${Math.floor(Math.random() * 250)}.${(++n * 37) % 250}`

async function device(browser: Browser, address = freshAddress(), rulesAccepted = false) {
  const context = await browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'x-forwarded-for': address } })
  if (rulesAccepted) await context.addInitScript(() => localStorage.setItem('leetchat.rulesAccepted', 'true'))
  const page = await context.newPage()
  const frames = recordFrames(page)
  await page.goto('/')
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page, frames }
}

async function consolePage(browser: Browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, extraHTTPHeaders: { 'x-forwarded-for': freshAddress() } })
  const page = await context.newPage()
  page.on('pageerror', err => console.error(`[console page error] ${err.message}`))
  await page.goto('/admin')
  return { context, page }
}

async function signIn(page: Page, name: string, password = PW, code?: string) {
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Password').fill(password)
  if (code) await page.getByLabel(/Code from your authenticator app/).fill(code)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

test('an admin signs in, opens a real report, bans for 1 day: the chat ends, the next find is refused, the audit log shows it', async ({ browser }) => {
  const admin = unique('boss')
  addAccount(admin, 'admin')

  // Two strangers chat; one reports the other with the conversation.
  const shared = uniqueInterest('mod')
  const reporter = await device(browser)
  const reportedAddress = freshAddress()
  const reported = await device(browser, reportedAddress)
  await start(reporter.page, [shared])
  await expect(reporter.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(reported.page, [shared])
  for (const d of [reporter, reported]) await expect(banner(d.page)).toContainText(`you both like ${shared}`, { timeout: 30_000 })
  const line = `send me money ${shared} \u202e now`
  await say(reported.page, line)
  await expect(reporter.page.locator('.msg:not(.mine) .bubble')).toHaveCount(1)
  await reporter.page.getByRole('button', { name: 'Report this stranger' }).click()
  const dialog = reporter.page.getByRole('dialog', { name: 'Report this stranger' })
  await dialog.getByRole('radio', { name: 'Harassment, threats or hate' }).check()
  await dialog.getByLabel('Anything to add?').fill('asked for money')
  await dialog.getByRole('checkbox', { name: /Include this conversation/ }).check()
  await dialog.getByRole('button', { name: 'Report and leave' }).click()
  await expect(reported.page.getByText('Stranger has left.')).toBeVisible()
  const bystander = await device(browser)

  const { context, page } = await consolePage(browser)
  await expect(page.getByRole('heading', { name: 'leetChat moderation' })).toBeVisible()
  await signIn(page, admin)
  await expect(page.getByRole('heading', { name: 'Open reports' })).toBeVisible()
  const row = page
    .getByRole('button', { name: /reporter/ })
    .filter({ hasText: 'abuse' })
    .first()
  await expect(row).toBeVisible()
  await page.screenshot({ path: `${SHOTS}/admin-queue-desktop.png`, fullPage: true })
  await row.click()
  await expect(page.getByRole('heading', { name: /Report #\d+: abuse/ })).toBeVisible()
  const convo = page.getByRole('list', { name: 'Conversation, oldest first' })
  await expect(convo).toContainText(`send me money ${shared}`)
  await expect(convo.getByRole('link')).toHaveCount(0)
  await expect(page.getByText('asked for money')).toBeVisible()
  expect(await axeViolations(page)).toEqual([])
  await page.screenshot({ path: `${SHOTS}/admin-report-desktop.png`, fullPage: true })

  // The reported side is in a new chat with a bystander when the ban lands.
  await start(bystander.page, [shared])
  await expect(bystander.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await reported.page.getByRole('button', { name: 'New stranger' }).first().click()
  for (const d of [bystander, reported]) await expect(banner(d.page)).toContainText(`you both like ${shared}`, { timeout: 30_000 })

  const ban = page.getByRole('form', { name: 'Ban' })
  await ban.getByLabel('Ban for').selectOption('1d')
  await ban.getByLabel('Reason').fill('asking strangers for money')
  await ban.getByRole('button', { name: 'Ban' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Banned.' })).toBeVisible()
  await expect(page.getByText(/banned until/)).toBeVisible()
  await expect.poll(() => reported.frames.filter(f => f.type === 'error' && f.code === 'banned').length).toBeGreaterThanOrEqual(1)
  await expect(bystander.page.getByText(/Stranger has left|chat has ended|ended/i).first()).toBeVisible()
  // Its next find, from a fresh device on the same address: refused with `banned`.
  const again = await device(browser, reportedAddress, true)
  await addInterests(again.page, [uniqueInterest('again')])
  await again.page.getByRole('button', { name: 'Start chatting' }).click()
  await expect.poll(() => again.frames.filter(f => f.type === 'error' && f.code === 'banned').length).toBeGreaterThan(0)
  const refusal = again.frames.find(f => f.type === 'error' && f.code === 'banned')!
  expect(refusal.retryAfterMs as number).toBeGreaterThan(86_000_000)

  // The audit log shows the sign-in and the ban.
  await page.getByRole('button', { name: 'Audit log' }).click()
  const audit = page.getByRole('table')
  await expect(audit.getByRole('row').filter({ hasText: 'sign_in' }).filter({ hasText: admin }).first()).toBeVisible()
  await expect(audit.getByRole('row').filter({ hasText: 'ban' }).filter({ hasText: 'asking strangers for money' })).toBeVisible()

  // Sign out ends access: the API refuses the old cookie too.
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
  expect((await page.request.get('/admin/api/queue')).status()).toBe(401)
  await page.reload()
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
  for (const d of [reporter, reported, bystander, again]) await d.context.close()
  await context.close()
})

test('at 360 px: the queue and a report fit, and the cookie the browser keeps is HttpOnly, Secure, SameSite=Strict', async ({ browser }) => {
  const mod = unique('phone')
  addAccount(mod, 'moderator')
  const reporter = await device(browser)
  const reported = await device(browser)
  const shared = uniqueInterest('ph')
  await start(reporter.page, [shared])
  await expect(reporter.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(reported.page, [shared])
  await expect(banner(reporter.page)).toContainText(`you both like ${shared}`, { timeout: 30_000 })
  await say(reported.page, 'a rather long line of text to see how the transcript wraps on a small phone screen, with a link https://example.com/that/is/long')
  await expect(reporter.page.locator('.msg:not(.mine) .bubble')).toHaveCount(1)
  await reporter.page.getByRole('button', { name: 'Report this stranger' }).click()
  const dialog = reporter.page.getByRole('dialog', { name: 'Report this stranger' })
  await dialog.getByRole('radio', { name: 'Spam, scams or ads' }).check()
  await dialog.getByRole('checkbox', { name: /Include this conversation/ }).check()
  await dialog.getByRole('button', { name: 'Report and leave' }).click()
  await expect(reported.page.getByText('Stranger has left.')).toBeVisible()

  const { context, page } = await consolePage(browser, PHONE)
  await signIn(page, mod)
  await expect(page.getByRole('heading', { name: 'Open reports' })).toBeVisible()
  const cookies = await context.cookies()
  const c = cookies.find(x => x.name === '__Host-leetchat_admin')!
  expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' })
  expect(await page.evaluate(() => document.cookie)).not.toContain('leetchat_admin')
  expect(await overflowing(page)).toEqual([])
  await page.screenshot({ path: `${SHOTS}/admin-queue-phone.png`, fullPage: true })
  await page
    .getByRole('button', { name: /reporter/ })
    .filter({ hasText: 'spam' })
    .first()
    .click()
  await expect(page.getByRole('list', { name: 'Conversation, oldest first' })).toContainText('https://example.com/that/is/long')
  await expect(page.getByRole('list', { name: 'Conversation, oldest first' }).getByRole('link')).toHaveCount(0)
  expect(await overflowing(page)).toEqual([])
  await page.screenshot({ path: `${SHOTS}/admin-report-phone.png`, fullPage: true })
  // A moderator has no accounts page and the API refuses the call.
  await page.getByRole('button', { name: 'Account' }).click()
  await expect(page.getByRole('heading', { name: 'Accounts' })).toHaveCount(0)
  const csrf = await page.evaluate(() =>
    fetch('/admin/api/me')
      .then(r => r.json())
      .then(m => m.csrf),
  )
  const add = await page.evaluate(
    async csrf =>
      (
        await fetch('/admin/api/accounts/add', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ name: 'sneaky', password: 'x'.repeat(20), role: 'admin' }),
        })
      ).status,
    csrf,
  )
  expect(add).toBe(403)
  // Live and Bans fit the phone too, and pass axe.
  await page.getByRole('button', { name: 'Live' }).click()
  await expect(page.getByRole('heading', { name: 'Live' })).toBeVisible()
  await expect(page.getByText('Online now')).toBeVisible()
  await expect(page.getByRole('table')).toContainText('serving')
  expect(await overflowing(page)).toEqual([])
  expect(await axeViolations(page)).toEqual([])
  await page.getByRole('button', { name: 'Bans' }).click()
  await page.getByLabel('Address hash or address').fill('198.51.100.23')
  await page.getByRole('button', { name: 'Search' }).click()
  await expect(page.getByText(/Showing [0-9a-f]{32}\./)).toBeVisible()
  await expect(page.getByText('No bans.')).toBeVisible()
  expect(await overflowing(page)).toEqual([])
  expect(await axeViolations(page)).toEqual([])
  await page.getByRole('button', { name: 'Audit log' }).click()
  await expect(page.getByRole('row').filter({ hasText: 'address_lookup' }).filter({ hasText: mod }).first()).toBeVisible()
  expect(await overflowing(page)).toEqual([])
  expect(await axeViolations(page)).toEqual([])
  for (const d of [reporter, reported]) await d.context.close()
  await context.close()
})

test('the service worker precaches nothing of the console and never answers /admin with the shell', async ({ request }) => {
  const sw = await (await request.get('/sw.js')).text()
  expect(sw).toContain('index.html')
  expect(sw).not.toMatch(/admin\/(assets|index)/)
  const page = await request.get('/admin')
  expect(await page.text()).toContain('leetChat moderation')
  expect(page.headers()['cache-control']).toBe('no-store')
})

test('five wrong passwords lock the name with the same generic message; TOTP enrolment, then sign-in with a code', async ({ browser }) => {
  const locked = unique('lock')
  addAccount(locked, 'moderator')
  const { context, page } = await consolePage(browser)
  const alert = page.getByRole('alert')
  await signIn(page, 'nobody-' + unique('x'), PW)
  const generic = await alert.textContent()
  expect(generic).toMatch(/not right/)
  for (let i = 0; i < 5; i++) {
    await signIn(page, locked, `wrong password number ${i}`)
    await expect(alert).toHaveText(generic!)
  }
  await signIn(page, locked, PW)
  await expect(alert).toHaveText(generic!)
  await expect(page.getByRole('heading', { name: 'Open reports' })).toHaveCount(0)

  const two = unique('totp')
  addAccount(two, 'moderator')
  await signIn(page, two)
  await page.getByRole('button', { name: 'Account' }).click()
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click()
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible()
  const secret = (await page.locator('code').textContent())!.trim()
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 })
  await page.getByLabel('Code', { exact: true }).fill(totp.generate({ timestamp: Date.now() - 30_000 }))
  await page.getByRole('button', { name: 'Turn on' }).click()
  await expect(page.getByText('Two-step sign-in is on.')).toBeVisible()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await signIn(page, two)
  await expect(alert).toHaveText(generic!)
  await signIn(page, two, PW, totp.generate())
  await expect(page.getByRole('heading', { name: 'Open reports' })).toBeVisible()
  await context.close()
})
