// Runs at most `n` async jobs at once; the rest wait in order. Used where thousands of cache calls
// can start together (every session saved at shutdown, every client resuming right after a
// restart): each call's time bound then measures its own round trip, not the queue in front of it.
export function limitConcurrency(n: number) {
  let active = 0
  const waiting: Array<() => void> = []
  const next = () => {
    active--
    waiting.shift()?.()
  }
  return async function run<T>(job: () => Promise<T>): Promise<T> {
    if (active >= n) await new Promise<void>(resolve => waiting.push(resolve))
    active++
    try {
      return await job()
    } finally {
      next()
    }
  }
}
