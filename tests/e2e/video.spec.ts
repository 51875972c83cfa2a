// Video chat in real Chromium with a fake camera, media relayed by the suite's own coturn (started
// by playwright.config.ts): two strangers with Video on see each other's moving picture over a
// relay pair on both ends, the server never forwards a host or server-reflexive candidate, mute and
// camera-off reach the other side, New stranger closes the connection, a reload brings the picture
// back, a refused camera offers text, a video finder never meets a text-only one, and a report may
// carry a still of the stranger's video that the moderation console then shows.
import { expect, test, type Page } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { addInterests, openApp, PHONE, DESKTOP, pressStart, recordFrames, uniqueInterest, type Device, type OpenOptions } from './helpers'

test.describe.configure({ mode: 'serial' })

const SHOTS = fileURLToPath(new URL('./.screenshots/', import.meta.url))

/** Keeps every RTCPeerConnection the page makes in window.__pcs, to read its stats from the test. */
const trackPeerConnections = () =>
  ((w: Window & { __pcs?: RTCPeerConnection[] }) => {
    const Native = w.RTCPeerConnection
    w.__pcs = []
    w.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config)
        w.__pcs!.push(this as unknown as RTCPeerConnection)
      }
    } as typeof RTCPeerConnection
  })(window)

async function videoDevice(browser: Parameters<typeof openApp>[0], opts: OpenOptions = {}): Promise<Device & { frames: ReturnType<typeof recordFrames> }> {
  let frames: ReturnType<typeof recordFrames> = []
  const d = await openApp(browser, {
    rulesAccepted: true,
    ...opts,
    onPage: page => {
      frames = recordFrames(page)
      void page.addInitScript(trackPeerConnections)
    },
  })
  // The init script applies from the next document on: load the app again with it in place.
  await d.page.reload()
  await expect(d.page.getByText(/\d+ online/)).toBeVisible()
  return { ...d, frames }
}

async function startVideo(page: Page, interests: string[], video = true) {
  await addInterests(page, interests)
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await page.getByRole('switch', { name: /^Video/ }).setChecked(video)
  await pressStart(page)
}

/** The stranger's <video> has a picture and its time moves on. */
async function expectMovingPicture(page: Page) {
  const remote = page.getByLabel("The stranger's video")
  await expect.poll(() => remote.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 45_000 }).toBeGreaterThan(0)
  const t0 = await remote.evaluate((v: HTMLVideoElement) => v.currentTime)
  await expect.poll(() => remote.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t0 + 0.3)
}

/** Candidate types of the selected pair of the page's latest peer connection. */
const selectedPair = (page: Page) =>
  page.evaluate(async () => {
    const pcs = (window as Window & { __pcs?: RTCPeerConnection[] }).__pcs ?? []
    const pc = pcs[pcs.length - 1]
    if (!pc) return null
    const stats = await pc.getStats()
    let pairId: string | undefined
    stats.forEach(r => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId
    })
    const pair = pairId ? stats.get(pairId) : undefined
    if (!pair) return null
    return { local: stats.get(pair.localCandidateId)?.candidateType as string, remote: stats.get(pair.remoteCandidateId)?.candidateType as string }
  })

const connectionStates = (page: Page) => page.evaluate(() => ((window as Window & { __pcs?: RTCPeerConnection[] }).__pcs ?? []).map(pc => pc.connectionState))

/** Every address-bearing line the server sent in rtc frames that is not a relay candidate. */
function leakedCandidates(frames: Array<{ type: string; [k: string]: unknown }>): string[] {
  const out: string[] = []
  for (const f of frames) {
    if (f.type !== 'rtc') continue
    if (f.kind === 'candidate' && typeof f.candidate === 'string' && f.candidate !== '' && !/ typ relay( |$)/.test(f.candidate)) out.push(f.candidate)
    if ((f.kind === 'offer' || f.kind === 'answer') && typeof f.sdp === 'string') {
      for (const line of f.sdp.split(/\r?\n/)) if (/^a=candidate:/i.test(line) && !/ typ relay( |$)/.test(line)) out.push(line)
    }
  }
  return out
}

test('two strangers with Video on see and hear each other over TURN relays only; mute and camera off reach the other side', async ({ browser }) => {
  const shared = uniqueInterest('video')
  const a = await videoDevice(browser, { viewport: PHONE })
  const b = await videoDevice(browser, { viewport: DESKTOP })
  await startVideo(a.page, [shared])
  await startVideo(b.page, [shared])
  for (const d of [a, b]) await expect(d.page.getByLabel('Your camera')).toBeVisible()
  await expectMovingPicture(a.page)
  await expectMovingPicture(b.page)
  expect(await selectedPair(a.page)).toEqual({ local: 'relay', remote: 'relay' })
  expect(await selectedPair(b.page)).toEqual({ local: 'relay', remote: 'relay' })
  // The matched frames: video, and exactly one offerer.
  const matched = [a, b].map(d => d.frames.find(f => f.type === 'matched'))
  expect(matched.map(m => m?.video)).toEqual([true, true])
  expect(matched.map(m => m?.offerer).sort()).toEqual([false, true])
  expect(a.frames.some(f => f.type === 'rtc' && f.kind === 'candidate')).toBe(true)
  expect(leakedCandidates(a.frames)).toEqual([])
  expect(leakedCandidates(b.frames)).toEqual([])

  // Text chat goes on beside the video.
  await a.page.getByRole('textbox', { name: 'Message' }).fill('hello with video')
  await a.page.getByRole('textbox', { name: 'Message' }).press('Enter')
  await expect(b.page.locator('.msg:not(.mine) .bubble', { hasText: 'hello with video' })).toBeVisible()
  // The README's pictures of a video chat (the fake camera's test pattern as the stranger), once
  // the on-device screen has passed the picture where it can (the picture only: not a check).
  await Promise.all(
    [a, b].map(d =>
      d.page
        .locator('.video-remote[data-screen-blurred="false"]')
        .waitFor({ timeout: 45_000 })
        .catch(() => {}),
    ),
  )
  await a.page.getByRole('heading', { level: 1 }).or(a.page.locator('.who strong')).first().click()
  await a.page.screenshot({ path: `${SHOTS}video-phone.png` })
  await b.page.screenshot({ path: `${SHOTS}video-desktop.png` })

  await a.page.getByRole('button', { name: 'Mute' }).click()
  await expect(b.page.getByRole('status').filter({ hasText: 'Muted' })).toBeVisible()
  await a.page.getByRole('button', { name: 'Mute' }).click()
  await expect(b.page.getByRole('status').filter({ hasText: 'Muted' })).toBeHidden()
  await a.page.getByRole('button', { name: 'Camera' }).click()
  await expect(b.page.getByRole('status').filter({ hasText: 'Camera off' })).toBeVisible()
  await a.page.getByRole('button', { name: 'Camera' }).click()
  await expect(b.page.getByRole('status').filter({ hasText: 'Camera off' })).toBeHidden()
  await a.context.close()
  await b.context.close()
})

test('New stranger closes the peer connection at once and the next stranger’s video starts', async ({ browser }) => {
  const shared = uniqueInterest('video-next')
  const a = await videoDevice(browser)
  const b = await videoDevice(browser)
  await startVideo(a.page, [shared])
  await startVideo(b.page, [shared])
  await expectMovingPicture(a.page)
  const c = await videoDevice(browser)
  await startVideo(c.page, [shared])
  await expect(c.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  // New stranger asks once (tap again).
  await a.page.getByRole('button', { name: 'New stranger' }).click()
  await a.page.getByRole('button', { name: 'Sure? Tap again' }).click()
  await expect.poll(() => connectionStates(a.page)).toContain('closed')
  expect((await connectionStates(a.page))[0]).toBe('closed')
  await expectMovingPicture(a.page)
  await expectMovingPicture(c.page)
  expect(await selectedPair(c.page)).toEqual({ local: 'relay', remote: 'relay' })
  for (const d of [a, b, c]) await d.context.close()
})

test('a reload mid-video resumes the same chat and the picture comes back on both sides', async ({ browser }) => {
  const shared = uniqueInterest('video-reload')
  const a = await videoDevice(browser)
  const b = await videoDevice(browser)
  await startVideo(a.page, [shared])
  await startVideo(b.page, [shared])
  await expectMovingPicture(b.page)
  await a.page.getByRole('textbox', { name: 'Message' }).fill('before the reload')
  await a.page.getByRole('textbox', { name: 'Message' }).press('Enter')
  await expect(b.page.locator('.msg:not(.mine) .bubble', { hasText: 'before the reload' })).toBeVisible()
  await b.page.reload()
  // The same chat (the text is still there), then the picture again.
  await expect(b.page.locator('.msg:not(.mine) .bubble', { hasText: 'before the reload' })).toBeVisible()
  await expectMovingPicture(b.page)
  await expectMovingPicture(a.page)
  expect(await selectedPair(b.page)).toEqual({ local: 'relay', remote: 'relay' })
  await a.context.close()
  await b.context.close()
})

test('a refused camera says so and offers text chat; a video finder and a text-only finder are never paired', async ({ browser }) => {
  const shared = uniqueInterest('video-refused')
  const refused = await openApp(browser, { rulesAccepted: true })
  await refused.page.evaluate(() => {
    // What a browser does when the user says no (or the site's permission is blocked).
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
  })
  await addInterests(refused.page, [shared])
  await refused.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await refused.page.getByRole('switch', { name: /^Video/ }).setChecked(true)
  // The rules were accepted (rulesAccepted): Start goes straight to the camera, which says no.
  await refused.page.getByRole('button', { name: 'Start chatting' }).click()
  await expect(refused.page.getByRole('alert').filter({ hasText: /permission was refused/ })).toBeVisible()
  await expect(refused.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeHidden()

  // A video finder waits beside a text-only one with the same interest: no pair.
  const v = await videoDevice(browser)
  await startVideo(v.page, [shared])
  await expect(v.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await refused.page.getByRole('button', { name: 'Chat by text instead' }).click()
  await expect(refused.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  // Well past the point where a pair would have been made (pairing is immediate): both still search.
  await refused.page.waitForTimeout(2500)
  for (const d of [refused, v]) {
    await expect(d.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
    await expect(d.page.locator('.banner')).toHaveCount(0)
  }
  // The text finder is paired with the next text finder at once.
  const t = await openApp(browser, { rulesAccepted: true })
  await addInterests(t.page, [shared])
  await t.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await pressStart(t.page)
  await expect(t.page.locator('.banner')).toBeVisible()
  await expect(refused.page.locator('.banner')).toBeVisible()
  await expect(refused.page.getByLabel("The stranger's video")).toHaveCount(0)
  for (const d of [refused, v, t]) await d.context.close()
})

/** A console account made with the real CLI, on the suite's server's data folder (as admin.spec.ts does). */
function addModerator(name: string, password: string) {
  const root = resolve(import.meta.dirname, '../..')
  const r = spawnSync(resolve(root, 'node_modules/.bin/bun'), ['api/safety/mod-cli.ts', 'admin', 'add', name, '--role', 'moderator'], {
    cwd: root,
    input: password + '\n',
    env: { ...process.env, DATA_DIR: process.env.LEETCHAT_E2E_DATA!, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`mod admin add failed: ${r.stdout}${r.stderr}`)
}

test('a report during video may include a still of the stranger’s video (unticked unless chosen); the moderator console shows it', async ({ browser }) => {
  const shared = uniqueInterest('video-still')
  const reporter = await videoDevice(browser, { viewport: DESKTOP })
  // The reported side on an address of its own, so the console lists it as one person.
  const reported = await videoDevice(browser, { viewport: PHONE, headers: { 'x-forwarded-for': `10.252.${Math.floor(Math.random() * 250)}.7` } })
  await startVideo(reporter.page, [shared])
  await startVideo(reported.page, [shared])
  await expectMovingPicture(reporter.page)

  await reporter.page.getByRole('button', { name: 'Report this stranger' }).click()
  const dialog = reporter.page.getByRole('dialog', { name: 'Report this stranger' })
  const still = dialog.getByRole('checkbox', { name: "Include a still of the stranger's video so a moderator can see it" })
  await expect(still).not.toBeChecked()
  await expect(dialog.getByRole('checkbox', { name: /Include this conversation/ })).not.toBeChecked()
  await dialog.getByRole('radio', { name: 'Sexual content' }).check()
  await dialog.getByLabel('Anything to add?').fill('showed something on camera')
  await still.check()
  const sent = reporter.page.waitForResponse(r => r.url().includes('/trpc/reports.create'))
  await dialog.getByRole('button', { name: 'Report and leave' }).click()
  const answer = (await (await sent).json()) as { result: { data: { ok: boolean; still?: { stored: boolean } } } }
  expect(answer.result.data).toEqual({ ok: true, still: { stored: true } })
  await expect(reported.page.getByText('Stranger has left.')).toBeVisible()
  await expect(reporter.page.getByLabel("The stranger's video")).toHaveCount(0)

  const mod = `mod-${Date.now().toString(36)}`
  const password = 'a long enough console password'
  addModerator(mod, password)
  const desk = await browser.newContext({ viewport: DESKTOP, extraHTTPHeaders: { 'x-forwarded-for': '10.253.0.9' } })
  const page = await desk.newPage()
  await page.goto('/admin')
  await page.getByLabel('Name').fill(mod)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page
    .getByRole('button', { name: /reporter/ })
    .filter({ hasText: 'sexual' })
    .first()
    .click()
  await expect(page.getByRole('heading', { name: /Report #\d+: sexual/ })).toBeVisible()
  await expect(page.getByText('showed something on camera')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Still of their video' })).toBeVisible()
  // Blurred until asked for; then the picture itself, decoded by the browser at its stored size.
  const shown = page.getByRole('button', { name: 'Video still, hidden: show it' })
  await shown.click()
  const img = page.getByRole('button', { name: 'Video still' }).getByRole('img')
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0)
  const natural = await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])
  expect(natural[0]).toBeLessThanOrEqual(640)
  expect(natural[1]).toBeGreaterThan(0)
  const src = await img.getAttribute('src')
  expect(src).toMatch(/^\/admin\/api\/reports\/\d+\/still$/)
  // Behind the console's sign-in: the same URL from a browser without its cookie is refused.
  expect((await reporter.page.request.get(src!)).status()).toBe(401)

  // Dismissing the report deletes the still.
  await page.getByRole('button', { name: 'Dismiss' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Dismissed.' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Still of their video' })).toHaveCount(0)
  expect((await page.request.get(src!)).status()).toBe(404)
  for (const c of [reporter.context, reported.context, desk]) await c.close()
})
