// Video across two nodes of one cluster in real Chromium: a phone (360×740, touch) whose chat
// socket is on node a and a desktop (1280×800) whose socket is on node b turn Video on, are
// paired, and each sees the other's moving picture over a TURN relay pair, the signalling having
// crossed the nodes through Redis. Both nodes share Redis, a fresh MariaDB database and one
// DATA_DIR, and have the suite's coturn (started by playwright.config.ts) as TURN_URLS with its
// secret (nodes started as in tests/e2e/cluster.spec.ts). Each browser reaches its own node
// directly (what a balancer with sticky routing does), so a socket that reconnects, which a loaded
// machine makes likely, comes back to the same node and the two sides stay on different nodes.
import { expect, test, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'
import { addInterests, DESKTOP, freePort, openApp, PHONE, pressStart, recordFrames, uniqueInterest } from './helpers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://leetchat:leetchat@127.0.0.1:3306'
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

interface Node {
  port: number
  proc: ChildProcess
}

let nodes: Node[] = []
let dataDir = ''
let dbName = ''

const originOf = (n: Node) => `http://127.0.0.1:${n.port}`

async function startNode(env: Record<string, string>, id: string, port: number): Promise<Node> {
  const proc = spawn(join(ROOT, 'node_modules/.bin/bun'), ['api/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ID: id },
  })
  for (let i = 0; ; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        r => r.ok,
        () => false,
      )
    )
      break
    if (i > 300 || proc.exitCode !== null) throw new Error(`node ${id} did not start`)
    await new Promise(r => setTimeout(r, 100))
  }
  return { port, proc }
}

test.beforeAll(async () => {
  const ports = [await freePort(), await freePort()]
  dataDir = mkdtempSync(join(tmpdir(), 'leetchat-e2e-vcluster-'))
  dbName = `leetchat_t_e2e_v${process.pid}_${Date.now().toString(36)}`
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`CREATE DATABASE \`${dbName}\``)
  await admin.end()
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    HOST: '127.0.0.1',
    ALLOWED_ORIGINS: ports.map(p => `http://127.0.0.1:${p}`).join(','),
    DATA_DIR: dataDir,
    DATABASE_URL: `${MYSQL_URL}/${dbName}`,
    REDIS_URL,
    REDIS_PREFIX: `e2e-v-${process.pid}-${Date.now().toString(36)}:`,
    NODE_HEARTBEAT_MS: '250',
    NODE_TTL_MS: '1500',
    LOG_LEVEL: 'warn',
    SCREEN_IMAGES: 'off',
    POW_MODE: 'off',
    // Every node gets the same relays and secret (docs/video.md): the suite's own coturn.
    TURN_URLS: `turn:127.0.0.1:${process.env.LEETCHAT_E2E_TURN_PORT}?transport=udp`,
    TURN_SECRET: process.env.LEETCHAT_E2E_TURN_SECRET!,
  }
  nodes = await Promise.all([startNode(env, 'e2e-va', ports[0]!), startNode(env, 'e2e-vb', ports[1]!)])
})

test.afterAll(async () => {
  for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM')
  await Promise.all(nodes.map(n => (n.proc.exitCode === null && n.proc.signalCode === null ? new Promise(r => n.proc.once('exit', r)) : null)))
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
  await admin.end()
  rmSync(dataDir, { recursive: true, force: true })
})

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

/** The stranger's <video> has a picture and its time moves on. */
async function expectMovingPicture(page: Page) {
  const remote = page.getByLabel("The stranger's video")
  // Generous: on a loaded machine two Chromiums and coturn can take well over the app's own 10 s to
  // connect (the app then says so, and still shows a picture that arrives late).
  await expect.poll(() => remote.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 60_000 }).toBeGreaterThan(0)
  const size = await remote.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight, v.clientWidth, v.clientHeight])
  expect(size.every(n => n > 0)).toBe(true)
  const t0 = await remote.evaluate((v: HTMLVideoElement) => v.currentTime)
  await expect.poll(() => remote.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(t0 + 0.3)
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

test('a phone on one node and a desktop on another get video', async ({ browser }) => {
  test.setTimeout(240_000)
  const shared = uniqueInterest('vcluster')
  const open = async (node: number, viewport: { width: number; height: number }, touch: boolean) => {
    let frames: ReturnType<typeof recordFrames> = []
    const d = await openApp(browser, {
      baseURL: originOf(nodes[node]!),
      viewport,
      touch,
      rulesAccepted: true,
      onPage: page => {
        frames = recordFrames(page)
        void page.addInitScript(trackPeerConnections)
      },
    })
    // The init script applies from the next document on: load the app again with it in place.
    await d.page.reload()
    await expect(d.page.getByText(/\d+ online/)).toBeVisible()
    return { ...d, frames: () => frames }
  }
  const phone = await open(0, PHONE, true)
  const desktop = await open(1, DESKTOP, false)
  expect(await phone.page.evaluate(() => [innerWidth, innerHeight, navigator.maxTouchPoints > 0, matchMedia('(pointer: coarse)').matches])).toEqual([360, 740, true, true])
  expect(await desktop.page.evaluate(() => [innerWidth, innerHeight])).toEqual([1280, 800])
  // Each socket is on its own node: node a holds one chat connection, node b the other.
  const connected = () =>
    Promise.all(
      nodes.map(n =>
        fetch(`http://127.0.0.1:${n.port}/metrics`)
          .then(r => r.text())
          .then(t => Number(/^leetchat_connections(?:\{[^}]*\})? (\d+)/m.exec(t)?.[1] ?? NaN)),
      ),
    )
  await expect.poll(connected).toEqual([1, 1])

  for (const d of [phone, desktop]) {
    await addInterests(d.page, [shared])
    await d.page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
    await d.page.getByRole('switch', { name: /^Video/ }).setChecked(true)
  }
  await pressStart(phone.page, 'tap')
  await expect(phone.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await pressStart(desktop.page)
  for (const d of [phone, desktop]) await expect(d.page.getByLabel('Your camera')).toBeVisible({ timeout: 30_000 })

  await expectMovingPicture(phone.page)
  await expectMovingPicture(desktop.page)
  await expect.poll(() => selectedPair(phone.page)).toEqual({ local: 'relay', remote: 'relay' })
  await expect.poll(() => selectedPair(desktop.page)).toEqual({ local: 'relay', remote: 'relay' })
  // The pair was made across the nodes: one offerer, both matched for video.
  const matched = [phone, desktop].map(d => d.frames().find(f => f.type === 'matched'))
  expect(matched.map(m => m?.video)).toEqual([true, true])
  expect(matched.map(m => m?.offerer).sort()).toEqual([false, true])
  // Still one chat socket per node: nothing moved to make the call work.
  expect(await connected()).toEqual([1, 1])

  await phone.context.close()
  await desktop.context.close()
})
