// One secret for every node of a cluster (api/secrets.ts loadSharedSecret) against the real Redis,
// each test under its own key prefix.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeKeys } from '../../api/cluster/nodes'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { createSecrets, loadSharedSecret } from '../../api/secrets'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'

const conns: RedisConnections[] = []
const dirs: string[] = []
const prefixes: string[] = []
afterAll(async () => {
  await Promise.all(conns.map(c => c.close()))
  for (const p of prefixes) await deletePrefix(TEST_REDIS_URL, p)
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function nodes(n: number) {
  const prefix = testPrefix('secret')
  prefixes.push(prefix)
  const out: RedisConnections[] = []
  for (let k = 0; k < n; k++) out.push(await openRedis({ url: TEST_REDIS_URL, prefix }))
  conns.push(...out)
  return out
}
function dir() {
  const d = mkdtempSync(join(tmpdir(), 'leetchat-secret-'))
  dirs.push(d)
  return d
}
const fileSecret = (d: string) => readFileSync(join(d, 'secret'), 'utf8').trim()

describe('shared secret', () => {
  test('nodes starting at once with no secret anywhere agree on one, and keep it in DATA_DIR', async () => {
    const rs = await nodes(8)
    const ds = rs.map(() => dir())
    const secrets = await Promise.all(rs.map((r, k) => loadSharedSecret(null, ds[k]!, r)))
    expect(new Set(secrets).size).toBe(1)
    expect(secrets[0]!.length).toBeGreaterThanOrEqual(32)
    for (const d of ds) expect(fileSecret(d)).toBe(secrets[0]!)
    // A media link signed on one node verifies on another; an address hashes alike.
    const [a, b] = [createSecrets(secrets[0]!), createSecrets(secrets[7]!)]
    expect(b.verify('media', 'x', a.sign('media', 'x'))).toBe(true)
    expect(b.hashIp('203.0.113.9')).toBe(a.hashIp('203.0.113.9'))
  })

  test("Redis has none but DATA_DIR/secret exists: the file's secret is published", async () => {
    const [r1, r2] = await nodes(2)
    const d = dir()
    const existing = 'f'.repeat(40)
    writeFileSync(join(d, 'secret'), existing + '\n')
    expect(await loadSharedSecret(null, d, r1!)).toBe(existing)
    expect(await r1!.cmd.get(nodeKeys(r1!.prefix).secret)).toBe(existing)
    // A node with an empty data folder (or after Redis restarted and was re-published) gets it too.
    expect(await loadSharedSecret(null, dir(), r2!)).toBe(existing)
  })

  test('Redis already has one: a different DATA_DIR/secret is replaced (never two secrets)', async () => {
    const [r1] = await nodes(1)
    await r1!.cmd.set(nodeKeys(r1!.prefix).secret, 'r'.repeat(40))
    const d = dir()
    writeFileSync(join(d, 'secret'), 'x'.repeat(40) + '\n')
    let replaced = 0
    expect(await loadSharedSecret(null, d, r1!, () => replaced++)).toBe('r'.repeat(40))
    expect(fileSecret(d)).toBe('r'.repeat(40))
    expect(replaced).toBe(1)
  })

  test('SECRET set wins and is not written to Redis', async () => {
    const [r1] = await nodes(1)
    const configured = 'c'.repeat(32)
    expect(await loadSharedSecret(configured, dir(), r1!)).toBe(configured)
    expect(await r1!.cmd.get(nodeKeys(r1!.prefix).secret)).toBeNull()
  })

  test('a broken secret in Redis stops start-up rather than being used', async () => {
    const [r1] = await nodes(1)
    await r1!.cmd.set(nodeKeys(r1!.prefix).secret, 'short')
    await expect(loadSharedSecret(null, dir(), r1!)).rejects.toThrow('shorter than 32')
  })
})
