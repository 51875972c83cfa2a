// Tracks requests that must finish before the process exits (uploads): while the app runs they
// are counted; once draining starts, new ones are refused with 503 and `idle()` waits, bounded,
// for the ones already running.
import type { MiddlewareHandler } from 'hono'
import { httpError } from '../http-error'

export interface Drain {
  readonly draining: boolean
  /** Requests being tracked right now. */
  readonly inFlight: number
  /** Stop admitting tracked requests. */
  begin(): void
  /** Resolves true once nothing is in flight, false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean>
  /** Hono middleware: refuses while draining, otherwise counts the request until its handler returns. */
  middleware: MiddlewareHandler
}

export function createDrain(): Drain {
  let draining = false
  let inFlight = 0
  let waiters: Array<() => void> = []

  const settle = () => {
    if (inFlight !== 0) return
    const w = waiters
    waiters = []
    for (const f of w) f()
  }

  return {
    get draining() {
      return draining
    },
    get inFlight() {
      return inFlight
    },
    begin() {
      draining = true
    },
    idle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true)
      return new Promise(resolve => {
        const timer = setTimeout(() => {
          waiters = waiters.filter(w => w !== done)
          resolve(false)
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          resolve(true)
        }
        waiters.push(done)
      })
    },
    async middleware(c, next) {
      if (draining) {
        c.header('Retry-After', '1')
        return httpError(c, 503, 'shutting_down')
      }
      inFlight++
      try {
        await next()
      } finally {
        inFlight--
        settle()
      }
    },
  }
}
