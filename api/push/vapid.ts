// The VAPID key pair that signs every push (RFC 8292). Like the server secret (secrets.ts): when
// VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY are unset it is generated once and kept in
// DATA_DIR/vapid.json, so browsers' subscriptions (made with the public key) outlive a restart.
// On a cluster every node must sign with the same pair (a subscription made through one node's
// key is pushed by whichever node does the match): the pair lives in Redis, first writer wins.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import webpush from 'web-push'
import { nodeKeys } from '../cluster/nodes'
import type { RedisConnections } from '../cluster/redis'

export interface VapidKeys {
  publicKey: string
  privateKey: string
}

const FILE = 'vapid.json'

function parse(text: string | null | undefined): VapidKeys | null {
  if (!text) return null
  try {
    const k = JSON.parse(text) as Partial<VapidKeys>
    return typeof k.publicKey === 'string' && k.publicKey.length === 87 && typeof k.privateKey === 'string' && k.privateKey.length === 43
      ? { publicKey: k.publicKey, privateKey: k.privateKey }
      : null
  } catch {
    return null
  }
}

function readFile(dataDir: string): VapidKeys | null {
  const file = join(dataDir, FILE)
  return existsSync(file) ? parse(readFileSync(file, 'utf8')) : null
}

/** Whole or not at all (nodes sharing DATA_DIR may read it meanwhile); readable by the app's user only. */
function writeFile(dataDir: string, keys: VapidKeys) {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, FILE)
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, JSON.stringify(keys) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

const configuredPair = (publicKey: string | null, privateKey: string | null): VapidKeys | null => (publicKey && privateKey ? { publicKey, privateKey } : null)

export function loadVapidKeys(publicKey: string | null, privateKey: string | null, dataDir: string): VapidKeys {
  const configured = configuredPair(publicKey, privateKey)
  if (configured) return configured
  const existing = readFile(dataDir)
  if (existing) return existing
  const fresh = webpush.generateVAPIDKeys()
  writeFile(dataDir, fresh)
  return fresh
}

/** The pair every node of a cluster uses (as loadSharedSecret: the file's or a fresh pair offered with SET NX). */
export async function loadSharedVapidKeys(publicKey: string | null, privateKey: string | null, dataDir: string, redis: RedisConnections): Promise<VapidKeys> {
  const configured = configuredPair(publicKey, privateKey)
  if (configured) return configured
  const key = nodeKeys(redis.prefix).vapid
  const fromFile = readFile(dataDir)
  await redis.cmd.set(key, JSON.stringify(fromFile ?? webpush.generateVAPIDKeys()), 'NX')
  const shared = parse(await redis.cmd.get(key))
  if (!shared) throw new Error(`the shared VAPID keys in Redis (${key}) are missing or malformed`)
  if (shared.publicKey !== fromFile?.publicKey || shared.privateKey !== fromFile.privateKey) writeFile(dataDir, shared)
  return shared
}
