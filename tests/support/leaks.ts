// What the bad-input suites check after every hostile case: nothing is left behind (no session,
// socket or counted connection) and the heap does not grow per bad input.
import type { SafetyGuard } from '../../api/safety/chat-guard'
import type { TestApp } from './app'

/** Generous on purpose: this catches leaks (a session, a socket or a buffer kept per bad input), not allocator noise. */
export const HEAP_SLACK_BYTES = 16 * 1024 * 1024

/** The live heap after two full collections. */
export async function heapUsed(): Promise<number> {
  Bun.gc(true)
  await Bun.sleep(1)
  Bun.gc(true)
  return process.memoryUsage().heapUsed
}

/** Waits until the hub holds no session and the guard counts no connection. */
export async function drained(app: TestApp, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs
  const guard = app.services.guard as SafetyGuard
  for (;;) {
    const { sessions, connected } = app.services.hub.stats()
    if (sessions === 0 && connected === 0 && guard.stats().connections === 0) return
    if (Date.now() > until) throw new Error(`left behind: ${sessions} sessions, ${connected} sockets, ${guard.stats().connections} counted connections`)
    await Bun.sleep(10)
  }
}
