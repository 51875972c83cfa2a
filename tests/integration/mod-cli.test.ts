// The operator CLI, run as operators run it (`bun run mod …` in a separate process) against the
// same database as a live server: SQLite in the embedded run, MariaDB + memcached in the other.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import { startTestApp, type TestApp } from '../support/app'
import { backend } from '../support/backend'
import { trpcClient } from '../support/trpc-calls'
import { freshIp, meet, person, uniqueInterest } from '../support/people'

const ROOT = resolve(import.meta.dir, '../..')
let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ BAN_CACHE_SECONDS: '1' })
})
afterAll(() => app.close())

/** Runs the CLI file directly (what `bun run mod` runs; one test goes through the script itself). */
async function mod(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawn([process.execPath, 'api/safety/mod-cli.ts', ...args])
}
async function spawn(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { cwd: ROOT, env: { ...process.env, ...app.env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}
const modJson = async (...args: string[]) => {
  const r = await mod(...args, '--json')
  if (r.code !== 0) throw new Error(`mod ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

describe('mod CLI', () => {
  test('lists recent reports and shows one with its transcript, control characters escaped', async () => {
    const reporter = await person(app)
    const abuser = await person(app)
    const chat = await meet(reporter, abuser)
    abuser.send({ type: 'text', id: 'x1', body: 'first line\nsecond line' })
    await reporter.next('text')
    await trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } }).reports.create.mutate({
      reason: 'abuse',
      note: 'see transcript',
      includeTranscript: true,
    })

    const list = await modJson('reports', '--limit', '5')
    const mine = list.find((r: { chatId: string }) => r.chatId === chat)
    expect(mine).toMatchObject({ reason: 'abuse', note: 'see transcript', reportedIpHash: app.services.secrets.hashIp(abuser.ip) })

    const one = await modJson('report', String(mine.id))
    expect(one.transcript).toEqual([{ from: 'reported', body: 'first line\nsecond line', at: expect.any(Number) }])

    const text = await mod('report', String(mine.id))
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`report #${mine.id}`)
    expect(text.stdout).toContain('reported  first line\\u000asecond line')
    const listing = await spawn([process.execPath, 'run', 'mod', 'reports'])
    expect(listing.code).toBe(0)
    expect(listing.stdout).toContain(`#${mine.id}`)
    reporter.close()
    abuser.close()
  }, 20_000)

  test('hash-ip refuses what is not an address (a clear error, exit code 2, no hash); spellings of one address give its one hash', async () => {
    for (const bad of ['1.2.3.400', 'not an ip', '1.2.3', '256.0.0.1', '2001:db8::1::2', '1.2.3.4/24']) {
      const r = await mod('hash-ip', bad)
      expect({ bad, code: r.code, stdout: r.stdout }).toEqual({ bad, code: 2, stdout: '' })
      expect(r.stderr).toContain(`"${bad}" is not an IPv4 or IPv6 address`)
    }
    const empty = await mod('hash-ip', '')
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('give an address')
    for (const spelling of ['2001:DB8::1', '[2001:db8:0::1]:443']) {
      const r = await modJson('hash-ip', spelling)
      expect(r).toEqual({ ip: '2001:db8::1', key: '2001:db8::/64', ipHash: app.services.secrets.hashIp('2001:db8::1') })
    }
    expect((await mod('hash-ip', '::ffff:203.0.113.7')).stdout.trim()).toBe(app.services.secrets.hashIp('203.0.113.7'))
  }, 20_000)

  test('ban and unban an IP hash; the running server refuses and then admits its finds', async () => {
    const ip = freshIp()
    const ipHash = (await mod('hash-ip', ip)).stdout.trim()
    expect(ipHash).toBe(app.services.secrets.hashIp(ip))

    const ban = await mod('ban', ipHash, '--seconds', '600', '--reason', 'spam wave')
    expect(ban.code).toBe(0)
    expect(ban.stdout).toContain(`banned ${ipHash} until`)
    const bans = await modJson('bans')
    expect(bans.find((b: { ipHash: string }) => b.ipHash === ipHash)).toMatchObject({ source: 'operator', reason: 'spam wave' })

    const c = await person(app, ip)
    c.send({ type: 'find', interests: [uniqueInterest()], random: false })
    const e = await c.next('error')
    expect(e.code).toBe('banned')
    expect(e.retryAfterMs).toBeGreaterThan(590_000)

    expect(await modJson('unban', ipHash)).toEqual({ ipHash, lifted: 1 })
    expect((await modJson('bans')).some((b: { ipHash: string }) => b.ipHash === ipHash)).toBe(false)
    expect((await modJson('bans', '--all')).some((b: { ipHash: string }) => b.ipHash === ipHash)).toBe(true)
    // With memcached the CLI clears the shared cache entry: the server sees the unban at once.
    // With the in-process cache it sees it within BAN_CACHE_SECONDS (1 s here).
    if (backend().name === 'embedded') await Bun.sleep(1100)
    c.send({ type: 'find', interests: [uniqueInterest()], random: false })
    expect((await c.next('queued')).random).toBe(false)
    c.close()
  }, 20_000)

  test('bad arguments get a clear message and a non-zero exit, never a stack trace', async () => {
    const cases: Array<[string[], number, string]> = [
      [['ban', 'not-a-hash'], 2, 'is not an IP hash'],
      [['ban', 'a'.repeat(32), '--seconds=-5'], 2, '--seconds must be a whole number'],
      [['ban', 'a'.repeat(32), '--seconds', 'soon'], 2, '--seconds must be a whole number'],
      [['report', 'abc'], 2, 'give a report id'],
      [['report', '999999999'], 3, 'no report #999999999'],
      [['explode'], 2, 'unknown command'],
      [['reports', '--limit', '0'], 2, '--limit must be'],
      [['bans', '--frobnicate'], 2, 'Unknown option'],
    ]
    const results = await Promise.all(cases.map(([args]) => mod(...args)))
    cases.forEach(([args, code, message], i) => {
      const r = results[i]!
      expect({ args, code: r.code }).toEqual({ args, code })
      expect(r.stdout + r.stderr).toContain(message)
      expect(r.stdout + r.stderr).not.toContain('    at ')
    })
  }, 20_000)
})
