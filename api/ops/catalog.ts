// Every metric the app exports, with its help text: the one list ops/README.md's metric table is
// checked against. Names are given without the `leetchat_` prefix the registry adds.
import type { Drain } from './drain'
import type { Metrics } from './metrics'

/** Counters. Code elsewhere calls metrics.inc(name, labels) with these names. */
export const COUNTERS = {
  http_requests_total: 'HTTP requests answered, by route (trpc, upload, media, chat, static, healthz, readyz, metrics) and status',
  connections_total: 'WebSocket connections opened',
  resumes_total: 'WebSocket connections that resumed an existing session',
  frames_in_total: 'WebSocket frames received from clients',
  frames_out_total: 'WebSocket frames sent to clients',
  messages_relayed_total: 'Text messages relayed to a partner',
  errors_total: 'Error frames sent to clients, by code',
  rate_limited_total: 'Frames or actions refused by a rate limit, by frame or action',
  matches_total: 'Chats started, by kind (interest or random)',
  chats_ended_total: 'Chats ended, by reason',
  cache_errors_total: 'Cache calls that failed or timed out, by operation',
  uploads_total: 'Upload attempts (PUT /upload), by result (ok or the error code)',
  upload_bytes_total: 'Bytes of media stored by successful uploads',
  media_requests_total: 'Signed media link requests (GET /media), by result',
  media_sweeps_total: 'Runs of the expired-media sweeper',
  media_swept_total: 'Media files (with their rows) deleted by the sweeper',
  media_screened_total: 'Images screened, by result (passed, flagged, or unscreened:<why> = flagged without a verdict)',
  media_screen_worker_restarts_total: 'Image-screening workers retired after a hang, a crash or a failed model load',
  media_screened_frames_total: 'Frames given to the image classifier: one per still image, up to SCREEN_FRAMES per animation',
  shutdowns_total: 'Graceful shutdowns started (seen only if scraped during the drain)',
  memory_reclaims_total: 'Full garbage collections run after a wave of sessions had gone (api/ops/reclaim.ts)',
  // Counted by the safety code (api/safety), listed here so ops/README.md's table is complete.
  connections_refused_total: 'WebSocket upgrades refused by the guard, by code',
  reports_total: 'Reports stored, by reason',
  reports_failed_total: 'Reports that could not be stored (the chat was ended anyway)',
  bans_total: 'Bans made, by source (reports or operator)',
  ban_lookup_errors_total: 'Ban lookups that failed (the find was let through)',
  sessions_refused_total: 'New sessions refused at the upgrade, by code (too_many_sessions, server_full)',
  proofs_total: 'Proof-of-work challenges issued and answers checked, by outcome',
  spam_refused_total: 'Texts refused as spam',
  risk_notes_total: 'Risk signals noted against addresses, by kind',
  strikes_total: 'Strikes counted against addresses, by why',
  quarantines_total: 'Addresses put in quarantine, by cause',
  blocks_total: 'Blocks of a stranger',
  video_matches_total: 'Video chats started',
  rtc_frames_relayed_total: 'rtc signalling frames relayed to a video partner, by kind',
  rtc_candidates_dropped_total: 'ICE candidates that were not typ relay (or not well formed) and were dropped, by where (frame or sdp)',
  turn_credentials_total: 'TURN credentials handed out by rtc.iceServers',
  pushes_total: 'Web Push messages for a match to a session without a socket, by result (sent, gone, failed, timeout, rate_limited)',
  push_subscriptions_total: 'Push subscriptions kept by push.subscribe',
  push_store_errors_total: 'Push subscription store calls that failed (the chat went on without the push)',
  cluster_recoveries_total: 'Times this node put its cluster state back, by cause (data_lost: Redis restarted empty; taken_for_dead: peers cleaned up after it)',
  cluster_resyncs_total:
    'Sockets this node closed for a resume because a frame was missed: their partition moved to another master (a reshard, a failover), or a gap in their frames did not fill within a moment',
  unhandled_errors_total: 'Promise rejections or exceptions no code handled, by kind (rejection, exception); logged, the process goes on',
} as const

export type CounterName = keyof typeof COUNTERS

/** Counters without labels start at 0, so a dashboard sees the series before the first event. */
const UNLABELLED: CounterName[] = [
  'connections_total',
  'resumes_total',
  'frames_in_total',
  'frames_out_total',
  'messages_relayed_total',
  'upload_bytes_total',
  'media_sweeps_total',
  'media_swept_total',
  'media_screen_worker_restarts_total',
  'media_screened_frames_total',
  'memory_reclaims_total',
]

/** Gauges read from live state at scrape time. */
export const GAUGES = {
  connections: 'Open WebSocket connections',
  sessions: 'Sessions held, connected or waiting for a resume',
  chats: 'Chats in progress',
  waiting: 'Sessions waiting in the match queue',
  waiting_by_interest_count: 'Sessions waiting in the match queue, by how many interests they gave',
  uploads_in_flight: 'Uploads being received right now',
  process_resident_memory_bytes: 'Resident memory of the process',
  process_heap_used_bytes: 'JavaScript heap in use: live objects plus garbage not yet collected',
  process_heap_total_bytes: 'JavaScript heap capacity: the blocks the collector holds, free cells included',
  process_external_memory_bytes: 'Memory JavaScript objects own outside the heap (buffers, large strings)',
  process_uptime_seconds: 'Seconds since the process started',
  turn_configured: 'Whether video chat is on: 1 when TURN_URLS (and TURN_SECRET) are set, else 0',
} as const

/** What the chat gauges read (the hub gives it); structural, so the catalog does not import the chat core. */
export interface ChatStatsSource {
  stats(): { connected: number; sessions: number; chats: number; waiting: number; waitingByInterestCount: Map<number, number> }
}

export function registerMetrics(metrics: Metrics, hub: ChatStatsSource, drain: Drain, video: { turnConfigured: boolean } = { turnConfigured: false }) {
  for (const [name, help] of Object.entries(COUNTERS)) metrics.describe(name, help)
  for (const name of UNLABELLED) metrics.inc(name, undefined, 0)
  metrics.gauge('connections', GAUGES.connections, () => hub.stats().connected)
  metrics.gauge('sessions', GAUGES.sessions, () => hub.stats().sessions)
  metrics.gauge('chats', GAUGES.chats, () => hub.stats().chats)
  metrics.gauge('waiting', GAUGES.waiting, () => hub.stats().waiting)
  metrics.gauge('waiting_by_interest_count', GAUGES.waiting_by_interest_count, () =>
    [...hub.stats().waitingByInterestCount].sort(([a], [b]) => a - b).map(([n, value]) => ({ labels: { interests: String(n) }, value })),
  )
  metrics.gauge('uploads_in_flight', GAUGES.uploads_in_flight, () => drain.inFlight)
  metrics.gauge('process_resident_memory_bytes', GAUGES.process_resident_memory_bytes, () => process.memoryUsage.rss())
  // RSS beside the heap tells a JS leak (both grow) from memory the allocator keeps (only RSS does).
  // memoryUsage() reads counters (about 20 µs); it does not walk the heap.
  metrics.gauge('process_heap_used_bytes', GAUGES.process_heap_used_bytes, () => process.memoryUsage().heapUsed)
  metrics.gauge('process_heap_total_bytes', GAUGES.process_heap_total_bytes, () => process.memoryUsage().heapTotal)
  metrics.gauge('process_external_memory_bytes', GAUGES.process_external_memory_bytes, () => process.memoryUsage().external)
  metrics.gauge('turn_configured', GAUGES.turn_configured, () => (video.turnConfigured ? 1 : 0))
  const started = performance.now()
  metrics.gauge('process_uptime_seconds', GAUGES.process_uptime_seconds, () => Math.round((performance.now() - started) / 100) / 10)
}
