// Shared steps for the browser tests: open the app in a fresh context (a fresh device), pick
// interests, start, pair two strangers.
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'

export const PHONE = { width: 360, height: 740 }
export const DESKTOP = { width: 1280, height: 800 }

export interface Device {
  context: BrowserContext
  page: Page
}

/** An interest no other test uses, so tests running side by side never pair with each other. */
export function uniqueInterest(tag: string): string {
  return `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

export interface OpenOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /** a touch phone: touch events, no hover, coarse pointer */
  touch?: boolean
  /** the device already accepted the rules gate */
  rulesAccepted?: boolean
  /** false: "Ask before showing photos" turned off on this device (it is on for a new one), so the stranger's photos show at once */
  askPhotos?: boolean
  /** another server than the suite's (e.g. the cluster test's front) */
  baseURL?: string
  /** called before the app loads (to watch its WebSocket from the start) */
  onPage?(page: Page): void
  /** sent with every request and the WebSocket upgrade (e.g. X-Forwarded-For: an address of its own) */
  headers?: Record<string, string>
}

export async function openApp(browser: Browser, opts: OpenOptions = {}): Promise<Device> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? PHONE,
    colorScheme: opts.colorScheme ?? 'light',
    ...(opts.touch && { hasTouch: true, isMobile: true, deviceScaleFactor: 2 }),
    ...(opts.baseURL && { baseURL: opts.baseURL }),
    ...(opts.headers && { extraHTTPHeaders: opts.headers }),
  })
  if (opts.rulesAccepted) await context.addInitScript(() => localStorage.setItem('leetchat.rulesAccepted', 'true'))
  if (opts.askPhotos === false) await context.addInitScript(() => localStorage.setItem('leetchat.askPhotos', 'false'))
  const page = await context.newPage()
  page.on('pageerror', err => console.error(`[page error] ${err.message}`))
  opts.onPage?.(page)
  await page.goto('/')
  // Connected: the online count comes from the socket's hello.
  await expect(page.getByText(/\d+ online/)).toBeVisible()
  return { context, page }
}

export async function addInterests(page: Page, interests: string[]) {
  const input = page.getByLabel('Your interests')
  for (const i of interests) {
    await input.fill(i)
    await input.press('Enter')
  }
}

/** Every frame the page's chat socket received, parsed (attach with openApp's onPage). */
export function recordFrames(page: Page): Array<{ type: string; [k: string]: unknown }> {
  const frames: Array<{ type: string; [k: string]: unknown }> = []
  page.on('websocket', ws => ws.on('framereceived', f => typeof f.payload === 'string' && frames.push(JSON.parse(f.payload))))
  return frames
}

/** How far the conversation is from being scrolled to its end (0 = the last message is in view at the bottom). */
export const distanceFromBottom = (page: Page) => page.locator('.log').evaluate(el => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight))

/** Chooses interests, sets the random toggle, presses Start (and accepts the rules, the first time). */
export async function start(page: Page, interests: string[], random = false) {
  await addInterests(page, interests)
  const toggle = page.getByRole('switch', { name: /random strangers/ })
  await toggle.setChecked(random)
  await pressStart(page)
}

export const rulesGate = (page: Page): Locator => page.getByRole('dialog', { name: 'Before you start' })

/** Presses Start; on a device that has not seen it yet, the one-time rules gate comes first: accept it. */
export async function pressStart(page: Page, how: 'click' | 'tap' = 'click') {
  await page.getByRole('button', { name: 'Start chatting' })[how]()
  const searching = page.getByRole('heading', { name: /Looking for a stranger…|Finding a random stranger…/ })
  await expect(rulesGate(page).or(searching).or(banner(page))).toBeVisible()
  if (await rulesGate(page).isVisible()) await acceptRules(page)
}

export async function acceptRules(page: Page) {
  const gate = rulesGate(page)
  await gate.getByRole('checkbox', { name: /I am 18 or older/ }).check()
  await gate.getByRole('button', { name: 'Agree and start' }).click()
  await expect(gate).toBeHidden()
}

/** Two strangers sharing `shared`, both on the chat screen. */
export async function pair(browser: Browser, shared: string, opts: { a?: Parameters<typeof openApp>[1]; b?: Parameters<typeof openApp>[1] } = {}): Promise<[Device, Device]> {
  const a = await openApp(browser, opts.a)
  const b = await openApp(browser, opts.b)
  await start(a.page, [shared])
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(b.page, [shared])
  for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`)
  return [a, b]
}

export const composer = (page: Page): Locator => page.getByRole('textbox', { name: 'Message' })
export const banner = (page: Page): Locator => page.locator('.banner')
export const bubbles = (page: Page, mine: boolean): Locator => page.locator(mine ? '.msg.mine .bubble' : '.msg:not(.mine) .bubble')

export async function say(page: Page, text: string) {
  await composer(page).fill(text)
  await page.getByRole('button', { name: 'Send', exact: true }).click()
}

/** axe-core's serious and critical findings on the page (injected with evaluate, so a CSP cannot block it). */
export async function axeViolations(page: Page): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  await page.evaluate(source)
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> }
      }
    ).axe
    return axe.run(document, { resultTypes: ['violations'] })
  })
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
}

/** Elements sticking out past the right edge of the viewport (the 360 px check). */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const out: string[] = []
    if (document.documentElement.scrollWidth > width) out.push(`document is ${document.documentElement.scrollWidth}px wide`)
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || el.closest('.sr-only')) continue
      // Inside a row that scrolls sideways (e.g. the popular interests) it is clipped, not sticking out.
      if (el.parentElement?.closest('.suggest')) continue
      if (r.right > width + 1 || r.left < -1) out.push(`${el.tagName.toLowerCase()}.${el.className} spans ${Math.round(r.left)}..${Math.round(r.right)}`)
    }
    return out
  })
}

/** A loopback port nobody listens on right now (for specs that start servers of their own). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => ok(port))
    })
  })
}
