// The long-lived parts of the running app, built once in main.ts and handed to HTTP and tRPC.
import type { Cache } from './cache'
import type { NodeHeartbeat } from './cluster/nodes'
import type { RedisConnections } from './cluster/redis'
import type { Hub } from './chat/hub'
import type { ChatGuard } from './chat/guard'
import type { PopularInterests } from './chat/popular'
import type { Config } from './config'
import type { Logger } from './log'
import type { ImageScreen } from './media/screen'
import type { ScreenStrikes } from './media/strikes'
import type { Drain } from './ops/drain'
import type { Metrics } from './ops/metrics'
import type { Moderation } from './safety/moderation'
import type { Secrets } from './secrets'
import type { AddressRisk } from './safety/address-risk'
import type { SessionLimits } from './safety/session-limits'
import type { PushStore } from './push/store'
import type { OpenDatabase } from '../db'

/** The node's part in a cluster (REDIS_URL set). */
export interface Cluster {
  redis: RedisConnections
  nodes: NodeHeartbeat
}

export interface Services {
  config: Config
  /** null on a single node (REDIS_URL unset). */
  cluster: Cluster | null
  db: OpenDatabase
  cache: Cache
  hub: Hub
  guard: ChatGuard
  /** Reports and bans (api/safety). */
  moderation: Moderation
  log: Logger
  metrics: Metrics
  /** In-flight uploads and the draining flag for graceful shutdown. */
  drain: Drain
  secrets: Secrets
  popular: PopularInterests
  /** Image screening (SCREEN_IMAGES) and the strikes its flags count per address. */
  screening: { screen: ImageScreen; strikes: ScreenStrikes }
  /** Per-address risk, strikes and quarantine, shared across nodes through the cache. */
  risk: AddressRisk
  /** Caps on new and held sessions, checked at the upgrade. */
  sessionLimits: SessionLimits
  /** Web Push (api/push): the VAPID public key and where subscriptions are kept; null with PUSH_ENABLED off. */
  push: { publicKey: string; store: PushStore } | null
  now: () => number
}
