// What the server remembers about an address's behaviour, in the cache (so on several nodes every
// node sees the same): a risk score that raises the proof-of-work difficulty, strikes that put an
// address in quarantine, and the quarantine flag itself. Counters are fixed windows that expire
// whole, so a quiet address is forgotten without a sweep.
import type { Cache } from '../cache/cache'
import type { Config } from '../config'
import type { Metrics } from '../ops/metrics'

/** Why an address looked risky; the weight is how much it raises the score. */
export const RISK_WEIGHTS = {
  /** Many refused frames on one socket. */
  refused: 1,
  /** `next` within seconds of being matched, again and again. */
  skip: 1,
  /** Opening sessions fast (half the per-minute cap or more). */
  churn: 2,
  /** A stranger blocked it. */
  blocked: 2,
  /** A stranger reported it. */
  reported: 4,
  /** A strike (spam refusal, flagged image). */
  strike: 3,
} as const
export type RiskKind = keyof typeof RISK_WEIGHTS

const RISK_WINDOW_SECONDS = 3600

/**
 * Other sources of strikes per address, read when deciding quarantine. The image screening
 * (api/media/screen*) plugs in its `flagCount(ipHash)` here: `createAddressRisk({ …, strikeSources: [screen.flagCount] })`.
 */
export type StrikeSource = (ipHash: string) => Promise<number>

export interface AddressRisk {
  /** Raises the address's risk score (fire and forget). */
  note(ipHash: string, kind: RiskKind): void
  score(ipHash: string): Promise<number>
  /** One strike: raises the score, and quarantines the address at QUARANTINE_STRIKES. */
  strike(ipHash: string, why: string): Promise<void>
  /** Own strikes plus every strike source's count. */
  strikes(ipHash: string): Promise<number>
  /** For QUARANTINE_SECONDS, or `seconds` (a moderator's choice in the console, which replaces any shorter one). */
  quarantine(ipHash: string, why: string, seconds?: number): Promise<void>
  quarantined(ipHash: string): Promise<boolean>
}

export type RiskConfig = Pick<Config, 'quarantineStrikes' | 'quarantineSeconds'>

export function createAddressRisk(deps: { config: RiskConfig; cache: Cache; metrics: Metrics; strikeSources?: StrikeSource[] }): AddressRisk {
  const { config, cache, metrics } = deps
  const sources = deps.strikeSources ?? []
  metrics.describe('risk_notes_total', 'Risk signals noted against addresses, by kind')
  metrics.describe('quarantines_total', 'Addresses put in quarantine, by cause')
  metrics.describe('strikes_total', 'Strikes counted against addresses, by why')

  async function own(ipHash: string) {
    return Number((await cache.get(`strikes:${ipHash}`)) ?? 0) || 0
  }
  async function strikes(ipHash: string) {
    const counts = await Promise.all([own(ipHash), ...sources.map(f => f(ipHash).catch(() => 0))])
    return counts.reduce((a, b) => a + b, 0)
  }
  async function quarantine(ipHash: string, why: string, seconds?: number) {
    const stored = seconds === undefined ? await cache.add(`quarantine:${ipHash}`, why, config.quarantineSeconds) : await cache.set(`quarantine:${ipHash}`, why, seconds)
    if (stored) metrics.inc('quarantines_total', { cause: why })
  }
  const risk: AddressRisk = {
    note(ipHash, kind) {
      metrics.inc('risk_notes_total', { kind })
      void cache.incr(`risk:${ipHash}`, RISK_WEIGHTS[kind], RISK_WINDOW_SECONDS)
    },
    async score(ipHash) {
      return Number((await cache.get(`risk:${ipHash}`)) ?? 0) || 0
    },
    async strike(ipHash, why) {
      risk.note(ipHash, 'strike')
      metrics.inc('strikes_total', { why })
      await cache.incr(`strikes:${ipHash}`, 1, config.quarantineSeconds)
      if (config.quarantineStrikes > 0 && (await strikes(ipHash)) >= config.quarantineStrikes) await quarantine(ipHash, 'strikes')
    },
    strikes,
    quarantine,
    async quarantined(ipHash) {
      // A source (image flags) may have pushed it over without a strike of ours. Every find waits
      // on this: the flag and the counts are read together, one round trip, not one after the other.
      const counting = config.quarantineStrikes > 0 && sources.length > 0
      const [flag, count] = await Promise.all([cache.get(`quarantine:${ipHash}`), counting ? strikes(ipHash) : 0])
      if (flag !== null) return true
      if (counting && count >= config.quarantineStrikes) {
        await quarantine(ipHash, 'strikes')
        return true
      }
      return false
    },
  }
  return risk
}

/** Extra proof-of-work bits for a risk score: +2 bits (4× the work) each time the score doubles past 4. */
export function extraBits(score: number): number {
  return score < 4 ? 0 : 2 * Math.floor(Math.log2(score / 2))
}
