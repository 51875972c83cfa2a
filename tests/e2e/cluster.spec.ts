// Two browsers on two nodes of one cluster chat as if on one, and a node killed mid-chat loses
// nothing: its browser reconnects to the other node and resumes the same chat. Both nodes share
// Redis, a fresh MariaDB database and one DATA_DIR; the browsers reach them through one origin, a
// small TCP balancer in this test that sends each new connection to the node we choose (what
// nginx's upstream does, without sticky sessions).
import { expect, test } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'
import { banner, bubbles, composer, freePort, openApp, say, start, uniqueInterest } from './helpers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://leetchat:leetchat@127.0.0.1:3306'
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

interface Node {
  port: number
  proc: ChildProcess
}

let balancer: Server
let target = 0
const sockets = new Set<Socket>()
let nodes: Node[] = []
let origin = ''
let dataDir = ''
let dbName = ''

async function startNode(env: Record<string, string>, id: string): Promise<Node> {
  const port = await freePort()
  const proc = spawn(join(ROOT, 'node_modules/.bin/bun'), ['api/main.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, PORT: String(port), NODE_ID: id } })
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
  const front = await freePort()
  origin = `http://127.0.0.1:${front}`
  dataDir = mkdtempSync(join(tmpdir(), 'leetchat-e2e-cluster-'))
  dbName = `leetchat_t_e2e_${process.pid}_${Date.now().toString(36)}`
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`CREATE DATABASE \`${dbName}\``)
  await admin.end()
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
    ALLOWED_ORIGINS: origin,
    DATA_DIR: dataDir,
    DATABASE_URL: `${MYSQL_URL}/${dbName}`,
    REDIS_URL,
    REDIS_PREFIX: `e2e-${process.pid}-${Date.now().toString(36)}:`,
    NODE_HEARTBEAT_MS: '250',
    NODE_TTL_MS: '1500',
    LOG_LEVEL: 'warn',
    SCREEN_IMAGES: 'off',
    POW_MODE: 'off',
  }
  nodes = await Promise.all([startNode(env, 'e2e-a'), startNode(env, 'e2e-b')])
  balancer = createServer(client => {
    const upstream = connect(nodes[target]!.port, '127.0.0.1')
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.pipe(upstream).pipe(client)
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>(r => balancer.listen(front, '127.0.0.1', () => r()))
})

test.afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise(r => balancer?.close(r))
  for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM')
  await Promise.all(nodes.map(n => (n.proc.exitCode === null && n.proc.signalCode === null ? new Promise(r => n.proc.once('exit', r)) : null)))
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
  await admin.end()
  rmSync(dataDir, { recursive: true, force: true })
})

test('two browsers on different nodes chat as one; the first node is killed and its browser resumes on the other with nothing lost', async ({ browser }) => {
  const shared = uniqueInterest('cluster')
  // A's page and socket reach node a, B's reach node b.
  target = 0
  const a = await openApp(browser, { baseURL: origin, rulesAccepted: true })
  target = 1
  const b = await openApp(browser, { baseURL: origin, rulesAccepted: true })
  await start(a.page, [shared])
  await expect(a.page.getByRole('heading', { name: 'Looking for a stranger…' })).toBeVisible()
  await start(b.page, [shared])
  for (const d of [a, b]) await expect(banner(d.page)).toContainText(`you both like ${shared}`)

  await composer(a.page).pressSequentially('hel')
  await expect(b.page.getByText('Stranger is typing…')).toBeVisible()
  await say(a.page, 'hello from node a')
  await expect(bubbles(b.page, false)).toHaveText(['hello from node a'])
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(1)
  await say(b.page, 'hi from node b')
  await expect(bubbles(a.page, false)).toHaveText(['hi from node b'])

  // Node a dies without a goodbye; new connections now reach node b.
  target = 1
  nodes[0]!.proc.kill('SIGKILL')
  await new Promise(r => nodes[0]!.proc.once('exit', r))
  // B writes at once, while A's page is still finding its way to node b (A usually resumes
  // there before the dead node is even noticed, so B may never see "reconnecting").
  await say(b.page, 'sent while node a was down')
  await expect(bubbles(a.page, false)).toHaveText(['hi from node b', 'sent while node a was down'], { timeout: 30_000 })
  await expect(b.page.getByText(/Stranger is reconnecting/)).toBeHidden()
  await expect(b.page.getByText('Stranger has left.')).toBeHidden()
  await say(a.page, 'back, via node b')
  await expect(bubbles(b.page, false)).toHaveText(['hello from node a', 'back, via node b'])
  await expect(a.page.locator('.msg.mine .tick.delivered')).toHaveCount(2)

  await a.context.close()
  await b.context.close()
})
