// Operator CLI for reports and bans: `bun run mod <command>`. Reads the same environment as the
// server (DATABASE_URL, DATA_DIR, MEMCACHED_SERVERS, SECRET…) and works on both databases.
// A ban or unban made here applies to the next `find` of that address; with memcached or a
// cluster's Redis (REDIS_URL, the same cache the nodes use) the running servers see it at once,
// with the in-process cache within BAN_CACHE_SECONDS. With REDIS_URL a ban also stops the
// address's live chats on every node at once (the message the nodes send each other); on one
// node without Redis live chats are not interrupted from here (the CLI is another process).
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config'
import { openDatabase } from '../../db'
import { dbErrorCode } from '../../db/errors'
import { openCache } from '../cache'
import { openRedis } from '../cluster/redis'
import { publishAddressAction } from '../cluster/address-actions'
import { banNotice } from './moderation'
import { createSecrets, loadSecret } from '../secrets'
import { addressKey, canonicalIp } from '../ip-address'
import { createBanStore, type Ban } from './bans'
import { createReportStore, type Report } from './report-store'
import { ADMIN_USAGE, AdminUsageError, readPassword, runAdminCommand } from '../admin/cli'

const USAGE = `usage: bun run mod <command> [options]

  reports [--limit N]                          recent reports, newest first (default 20)
  report <id>                                  one report, with its transcript if one was attached
  ban <ipHash> [--seconds N] [--reason TEXT]   ban an IP hash (default BAN_SECONDS)
  unban <ipHash>                               lift every active ban on an IP hash
  bans [--all] [--limit N]                     active bans (--all: expired and lifted ones too)
  hash-ip <address>                            the IP hash of an address, with this server's secret
${ADMIN_USAGE}

  --json                                       print JSON instead of text`

class UsageError extends Error {}

const IP_HASH = /^[0-9a-f]{32}$/

/** Stored text came from strangers: show control and bidi characters as escapes, never raw. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')

function positiveInt(name: string, v: string | undefined, def: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${name} must be a whole number between 1 and ${max}, got "${v}"`)
  return Number(v)
}

function ipHashArg(v: string | undefined): string {
  if (!v) throw new UsageError('give an IP hash (32 hex characters, as shown by `reports` or in the logs)')
  const h = v.trim().toLowerCase()
  if (!IP_HASH.test(h)) throw new UsageError(`"${printable(v)}" is not an IP hash (32 hex characters); for an address, run hash-ip first`)
  return h
}

function reportLine(r: Report): string {
  const note = r.note ? `  note: ${printable(r.note.length > 60 ? r.note.slice(0, 59) + '…' : r.note)}` : ''
  const tr = r.transcript ? `  transcript: ${r.transcript.length} lines` : ''
  const fl = r.flaggedImages ? `  flagged images: ${r.flaggedImages}` : ''
  return `#${r.id}  ${iso(r.createdAt)}  ${r.reason.padEnd(6)}  reported ${r.reportedIpHash || '(unknown)'}  by ${r.reporterIpHash}${fl}${tr}${note}`
}

function reportDetail(r: Report): string {
  const out = [
    `report #${r.id}`,
    `  time:             ${iso(r.createdAt)}`,
    `  reason:           ${r.reason}`,
    `  note:             ${r.note ? printable(r.note) : '(none)'}`,
    `  chat:             ${r.chatId}`,
    `  reported ip hash: ${r.reportedIpHash || '(unknown)'}`,
    `  reported session: ${r.reportedSession}`,
    `  reporter ip hash: ${r.reporterIpHash}`,
    `  reporter session: ${r.reporterSession}`,
    `  flagged images:   ${r.flaggedImages} (sent by the reported side, flagged by the image screen)`,
  ]
  if (!r.transcript) out.push('  transcript:       (not attached)')
  else {
    out.push(`  transcript (${r.transcript.length} lines, oldest first):`)
    for (const l of r.transcript) out.push(`    ${iso(l.at)}  ${l.from.padEnd(8)}  ${printable(l.body)}`)
  }
  return out.join('\n')
}

function banLine(b: Ban, now: number): string {
  const state = b.expiresAt > now ? `until ${iso(b.expiresAt)}` : `ended ${iso(b.expiresAt)}`
  return `${b.ipHash}  ${b.source.padEnd(8)}  since ${iso(b.createdAt)}  ${state}  ${printable(b.reason)}`
}

export async function runModCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  /** Where `admin add` and `admin password` read the password (process.stdin from the shell). */
  stdin: AsyncIterable<Uint8Array> | string = process.stdin,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      limit: { type: 'string' },
      seconds: { type: 'string' },
      reason: { type: 'string' },
      role: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, arg, ...extra] = positionals
  if (values.help || !command) {
    out(USAGE)
    return values.help ? 0 : 2
  }
  if (command === 'admin') {
    if (extra.length > 1) throw new UsageError(`unexpected arguments: ${extra.slice(1).map(printable).join(' ')}`)
    const db = await openDatabase(loadConfig(env))
    try {
      return await runAdminCommand(db.db, { sub: arg, name: extra[0], role: values.role, json: values.json }, () => readPassword(stdin), out)
    } catch (err) {
      if (err instanceof AdminUsageError) throw new UsageError(err.message)
      throw err
    } finally {
      await db.close()
    }
  }
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.map(printable).join(' ')}`)
  const config: Config = loadConfig(env)
  const print = (json: unknown, text: () => string) => out(values.json ? JSON.stringify(json, null, 2) : text())

  if (command === 'hash-ip') {
    if (!arg) throw new UsageError('give an address, e.g. hash-ip 203.0.113.7')
    // Anything else would hash too (the server keys a peer-less request on "unknown"), to a hash
    // that matches no one: a ban of it would look done and stop nobody.
    const ip = canonicalIp(arg)
    if (!ip) throw new UsageError(`"${printable(arg)}" is not an IPv4 or IPv6 address`)
    const hash = createSecrets(loadSecret(config.secret, config.dataDir), { ipv6Prefix: config.ipv6Prefix }).hashIp(ip)
    print({ ip, key: addressKey(ip, config.ipv6Prefix), ipHash: hash }, () => hash)
    return 0
  }
  if (!['reports', 'report', 'ban', 'unban', 'bans'].includes(command)) throw new UsageError(`unknown command "${printable(command)}"`)

  // The same backends as the nodes: with REDIS_URL the cache is the cluster's Redis (unless
  // memcached is configured), so a ban written here is the one every node reads next.
  const onRedis = config.redisUrl || config.redisClusterNodes
  const redis = onRedis ? await openRedis({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, prefix: config.redisPrefix }) : null
  const db = await openDatabase(config).catch(async err => {
    await redis?.close()
    throw err
  })
  const cache = openCache(config, undefined, redis)
  try {
    const now = Date.now()
    const reports = createReportStore(db.db)
    const bans = createBanStore({ db: db.db, cache, now: Date.now, cacheSeconds: config.banCacheSeconds })
    switch (command) {
      case 'reports': {
        const list = await reports.list({ limit: positiveInt('limit', values.limit, 20, 1000) })
        print(list, () => (list.length ? list.map(reportLine).join('\n') : 'no reports'))
        return 0
      }
      case 'report': {
        if (!arg || !/^\d+$/.test(arg)) throw new UsageError('give a report id, e.g. report 12')
        const r = await reports.get(Number(arg))
        if (!r) {
          out(`no report #${printable(arg)}`)
          return 3
        }
        print(r, () => reportDetail(r))
        return 0
      }
      case 'ban': {
        const ipHash = ipHashArg(arg)
        const seconds = positiveInt('seconds', values.seconds, config.banSeconds, 10 * 365 * 86_400)
        const reason = (values.reason ?? 'operator').trim() || 'operator'
        const b = await bans.add(ipHash, { seconds, reason, source: 'operator' })
        if (redis) {
          const left = Math.max(1, b.expiresAt - Date.now())
          await publishAddressAction(redis, ipHash, { t: 'ban', leftMs: left, message: banNotice(left) })
        }
        print(b, () => `banned ${ipHash} until ${iso(b.expiresAt)}`)
        return 0
      }
      case 'unban': {
        const ipHash = ipHashArg(arg)
        const n = await bans.lift(ipHash)
        print({ ipHash, lifted: n }, () => (n ? `lifted ${n} ban${n > 1 ? 's' : ''} on ${ipHash}` : `${ipHash} was not banned`))
        return 0
      }
      default: {
        const list = await bans.list({ includeExpired: values.all, limit: positiveInt('limit', values.limit, 100, 10_000) })
        print(list, () => (list.length ? list.map(b => banLine(b, now)).join('\n') : values.all ? 'no bans' : 'no active bans'))
        return 0
      }
    }
  } finally {
    await Promise.allSettled([db.close(), cache.close()])
    await redis?.close()
  }
}

if (import.meta.main) {
  let code: number
  try {
    code = await runModCli(process.argv.slice(2), process.env, s => console.log(s))
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`mod: ${(err as Error).message}\n\n${USAGE}`)
      code = 2
    } else if (err instanceof ConfigError) {
      console.error(err.message)
      code = 2
    } else {
      console.error(`mod: failed (${dbErrorCode(err)}): ${(err as Error).message?.split('\n')[0]}`)
      code = 1
    }
  }
  process.exit(code)
}
