// Fills a gap in Bun's node:diagnostics_channel: its TracingChannel has no `hasSubscribers`
// getter (Node's says whether any of the channel's five parts has a subscriber). ioredis 6 reads
// it before every command to skip tracing when nobody listens, and takes `undefined` as "maybe
// someone does": on Bun every command was wrapped in `tracePromise` (a context object and two
// promises more per command), about 4% of a node's CPU under cross-node chat load
// (docs/benchmarks.md). This adds Node's getter where it is missing, with Node's meaning, so a
// real subscriber (an APM) still gets its traces.
//
// Imported for its effect by api/cluster/redis.ts (ioredis reads the getter at each command, so
// the order of imports does not matter). Where the runtime has the getter, nothing changes.
import dc from 'node:diagnostics_channel'

const PARTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const

type Parts = Record<(typeof PARTS)[number], { hasSubscribers: boolean } | undefined>

const proto = Object.getPrototypeOf(dc.tracingChannel('leetchat:probe')) as object

if (!('hasSubscribers' in proto)) {
  Object.defineProperty(proto, 'hasSubscribers', {
    configurable: true,
    get(this: Parts) {
      return PARTS.some(p => this[p]?.hasSubscribers === true)
    },
  })
}
