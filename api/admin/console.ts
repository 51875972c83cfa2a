// Builds the moderation console's parts from the app's services: accounts, sessions, sign-in,
// audit log, the report desk and the live figures. api/app.ts makes one when ADMIN_ENABLED.
import type { Db } from '../../db'
import type { Cache } from '../cache'
import type { Config } from '../config'
import type { Metrics } from '../ops/metrics'
import type { Secrets } from '../secrets'
import type { BanStore } from '../safety/bans'
import type { Moderation } from '../safety/moderation'
import type { AddressRisk } from '../safety/address-risk'
import type { ReportStills } from '../safety/report-stills'
import { createMediaLinks } from '../media/signing'
import { createAccounts } from './accounts'
import { createAudit } from './audit'
import { createLive } from './live'
import { createReportDesk } from './reports'
import { createConsoleSessions } from './sessions'
import { createSignIn } from './sign-in'

export interface AdminConsoleDeps {
  config: Config
  db: Db
  cache: Cache
  secrets: Secrets
  metrics: Metrics
  bans: BanStore
  moderation: Pick<Moderation, 'ban'>
  risk: Pick<AddressRisk, 'quarantine' | 'quarantined'>
  /** Video stills kept with reports: shown through the console's route, deleted once handled. */
  stills: Pick<ReportStills, 'release' | 'fileOf'>
  stats: () => { connected: number; chats: number; waiting: number }
  draining: () => boolean
  liveNodes: (() => Promise<Array<{ id: string; connected: number }>>) | null
  now: () => number
}

export function createAdminConsole(deps: AdminConsoleDeps) {
  const { config, db, cache, secrets, now } = deps
  const accounts = createAccounts(db, now)
  return {
    now,
    cache,
    secrets,
    bans: deps.bans,
    accounts,
    audit: createAudit(db, now),
    sessions: createConsoleSessions({ db, accounts, secrets, config, now }),
    signIn: createSignIn({ accounts, cache, config }),
    stills: deps.stills,
    desk: createReportDesk({
      db,
      bans: deps.bans,
      moderation: deps.moderation,
      risk: deps.risk,
      stills: deps.stills,
      links: createMediaLinks(secrets, config.mediaLinkTtlSeconds, now),
      now,
    }),
    live: createLive({ cache, metrics: deps.metrics, nodeId: config.nodeId, stats: deps.stats, draining: deps.draining, liveNodes: deps.liveNodes, now }),
  }
}

export type AdminConsole = ReturnType<typeof createAdminConsole>
