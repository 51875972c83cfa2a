// Sign-in to the console: one generic refusal for every wrong name, password, code or locked
// name, so an attempt learns nothing. Counts live in the cache (memcached or Redis with several
// nodes), so the per-address limit and the per-name lock hold on every node.
import { createHash } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import type { Cache } from '../cache'
import type { Config } from '../config'
import type { Accounts, Account } from './accounts'

const ADDRESS_WINDOW_S = 15 * 60

export type SignInResult =
  | { ok: true; account: Account }
  | { ok: false; code: 'sign_in_failed'; message: string; why: 'unknown_or_wrong' | 'locked' | 'code_needed' | 'wrong_code' }
  | { ok: false; code: 'rate_limited'; message: string; retryAfterMs: number }

export const GENERIC_FAILURE = 'that name, password or code is not right, or the name is locked for a while'

export function totpFor(name: string, secret: string) {
  return new OTPAuth.TOTP({ issuer: 'leetChat console', label: name, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) })
}
export const newTotpSecret = () => new OTPAuth.Secret({ size: 20 }).base32

/** True when `code` is the current (or the previous/next, for clock drift) code, used once only. */
export async function checkTotp(cache: Cache, accountId: number, name: string, secret: string, code: string): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false
  const delta = totpFor(name, secret).validate({ token: code, window: 1 })
  if (delta === null) return false
  // A code seen once is spent: someone watching the screen cannot reuse it.
  const step = Math.floor(Date.now() / 30_000) + delta
  return cache.add(`admin:totp-used:${accountId}:${step}`, '1', 120)
}

const nameKey = (name: string) => `admin:fail:${createHash('sha256').update(name.toLowerCase()).digest('hex').slice(0, 32)}`

export function createSignIn(deps: { accounts: Accounts; cache: Cache; config: Pick<Config, 'adminLockFailures' | 'adminLockMinutes' | 'adminSignInsPerAddress'> }) {
  const { accounts, cache, config } = deps
  const lockS = config.adminLockMinutes * 60
  const fail = (why: 'unknown_or_wrong' | 'locked' | 'code_needed' | 'wrong_code'): SignInResult => ({ ok: false, code: 'sign_in_failed', message: GENERIC_FAILURE, why })

  return {
    async attempt(input: { name: string; password: string; code?: string }, addressHash: string): Promise<SignInResult> {
      // Best effort like every cache use: during a cache outage the counts read as zero.
      const tries = await cache.incr(`admin:signin-addr:${addressHash}`, 1, ADDRESS_WINDOW_S)
      if (tries !== null && tries > config.adminSignInsPerAddress) {
        return { ok: false, code: 'rate_limited', message: 'too many sign-in attempts from this address; try again later', retryAfterMs: ADDRESS_WINDOW_S * 1000 }
      }
      const key = nameKey(input.name)
      const failures = Number((await cache.get(key)) ?? 0)
      // Locked: the password is not even checked, so guessing on goes nowhere.
      if (failures >= config.adminLockFailures) return fail('locked')
      const account = await accounts.verify(input.name, input.password)
      const failed = async (why: 'unknown_or_wrong' | 'code_needed' | 'wrong_code') => {
        await cache.incr(key, 1, lockS)
        return fail(why)
      }
      if (!account) return failed('unknown_or_wrong')
      if (account.totpSecret) {
        if (!input.code) return fail('code_needed')
        if (!(await checkTotp(cache, account.id, account.name, account.totpSecret, input.code))) return failed('wrong_code')
      }
      await cache.delete(key)
      const { totpSecret: _, ...plain } = account
      return { ok: true, account: plain }
    },
  }
}
