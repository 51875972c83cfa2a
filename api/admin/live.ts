// Live figures for the console. Every minute each node adds one sample (its gauges, and how much
// its counters grew) to a ring of the last day kept in the cache under its node id, so any node
// can draw the whole cluster's last hour and day without a time-series database. Counters are
// read from the node's metrics registry: nothing is added to the chat's hot path.
import type { Cache } from '../cache'
import type { Metrics } from '../ops/metrics'
import type { LiveNode, LiveSample, LiveView } from './types'

const MINUTE = 60_000
const DAY_SAMPLES = 1440
const ringKey = (nodeId: string) => `admin:live:${nodeId}`

type Counters = Omit<LiveSample, 't' | 'online' | 'chats' | 'waiting'>
type NodeSample = LiveSample & { draining?: boolean }

/** Sum of a counter over its series whose labels include `match` (from the Prometheus text). */
export function counterSum(text: string, name: string, match = ''): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue
    if (match && !line.includes(match)) continue
    const v = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (Number.isFinite(v)) sum += v
  }
  return sum
}

export function createLive(deps: {
  cache: Cache
  metrics: Metrics
  nodeId: string
  stats: () => { connected: number; chats: number; waiting: number }
  draining: () => boolean
  /** Other nodes alive (cluster), or null on one node. */
  liveNodes: (() => Promise<Array<{ id: string; connected: number }>>) | null
  now: () => number
}) {
  const { cache, metrics, nodeId, now } = deps
  let last: Counters | null = null

  function counters(): Counters {
    const text = metrics.render()
    const p = 'leetchat_'
    return {
      chatsStarted: counterSum(text, p + 'matches_total'),
      reports: counterSum(text, p + 'reports_total'),
      powIssued: counterSum(text, p + 'proofs_total', 'outcome="issued"'),
      powSolved: counterSum(text, p + 'proofs_total', 'outcome="accepted"'),
      flaggedImages: counterSum(text, p + 'media_screened_total', 'result="flagged"'),
      refusedSessions: counterSum(text, p + 'sessions_refused_total') + counterSum(text, p + 'connections_refused_total'),
    }
  }

  function current(): NodeSample {
    const c = counters()
    const base = last ?? c
    const s = deps.stats()
    const t = Math.floor(now() / MINUTE) * MINUTE
    const delta = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Math.max(0, v - base[k as keyof Counters])])) as Counters
    return { t, online: s.connected, chats: s.chats, waiting: s.waiting, ...delta, draining: deps.draining() }
  }

  async function ring(id: string): Promise<NodeSample[]> {
    const raw = await cache.get(ringKey(id))
    if (!raw) return []
    try {
      return JSON.parse(raw) as NodeSample[]
    } catch {
      return []
    }
  }

  /** Adds this minute's sample to this node's ring (the sampler calls it every minute). */
  async function sample(): Promise<void> {
    const s = current()
    last = counters()
    const r = (await ring(nodeId)).filter(x => x.t !== s.t && x.t > s.t - DAY_SAMPLES * MINUTE)
    r.push(s)
    await cache.set(ringKey(nodeId), JSON.stringify(r), 25 * 3600)
  }

  const empty = (t: number): LiveSample => ({ t, online: 0, chats: 0, waiting: 0, chatsStarted: 0, reports: 0, powIssued: 0, powSolved: 0, flaggedImages: 0, refusedSessions: 0 })
  const add = (a: LiveSample, b: LiveSample) => {
    for (const k of Object.keys(a) as Array<keyof LiveSample>) if (k !== 't') a[k] += b[k] ?? 0
  }

  let timer: ReturnType<typeof setInterval> | null = null
  return {
    sample,
    start() {
      // The first sample only sets the counters' baseline.
      last = counters()
      timer = setInterval(() => void sample().catch(() => {}), MINUTE)
      timer.unref?.()
    },
    stop() {
      if (timer) clearInterval(timer)
    },
    async view(): Promise<LiveView> {
      const others = deps.liveNodes ? await deps.liveNodes().catch(() => []) : []
      const ids = [...new Set([nodeId, ...others.map(n => n.id)])]
      const rings = await Promise.all(ids.map(id => (id === nodeId ? ring(id) : ring(id))))
      const me = current()
      const nodes: LiveNode[] = ids.map((id, i) => {
        if (id === nodeId) return { id, online: me.online, chats: me.chats, waiting: me.waiting, draining: !!me.draining }
        const lastS = rings[i]!.at(-1)
        const hb = others.find(n => n.id === id)
        return { id, online: hb?.connected ?? lastS?.online ?? 0, chats: lastS?.chats ?? 0, waiting: lastS?.waiting ?? 0, draining: !!lastS?.draining }
      })
      const tNow = Math.floor(now() / MINUTE) * MINUTE
      const byT = new Map<number, LiveSample>()
      for (const r of rings)
        for (const s of r) {
          if (s.t <= tNow - DAY_SAMPLES * MINUTE) continue
          const acc = byT.get(s.t) ?? empty(s.t)
          add(acc, s)
          byT.set(s.t, acc)
        }
      const day = [...byT.values()].sort((a, b) => a.t - b.t)
      const total = empty(tNow)
      for (const n of nodes) {
        total.online += n.online
        total.chats += n.chats
        total.waiting += n.waiting
      }
      // This minute's counters so far on this node, plus the last hour's reports (per hour).
      for (const k of ['chatsStarted', 'powIssued', 'powSolved', 'flaggedImages', 'refusedSessions'] as const) total[k] = me[k]
      total.reports = day.filter(s => s.t > tNow - 60 * MINUTE).reduce((a, s) => a + s.reports, 0) + me.reports
      return { now: total, nodes, hour: day.filter(s => s.t > tNow - 60 * MINUTE), day }
    },
  }
}

export type Live = ReturnType<typeof createLive>
