// Memory figures and their upkeep on the real server: the heap gauges on /metrics, the bench-only
// /debug/heap endpoint (loopback, unproxied, hostile parameters refused) and the full collection
// the app runs after a wave of sessions has expired.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ ...LIFTED_LIMITS, DEBUG_HEAP_ENDPOINT: 'true', RESUME_WINDOW_MS: '100', MEMORY_RECLAIM_DROP: '20', MEMORY_RECLAIM_INTERVAL_MS: '1000' })
})
afterAll(() => app.close())

const metric = async (name: string) => Number((await (await fetch(app.url + '/metrics')).text()).match(new RegExp(`^leetchat_${name} (\\S+)$`, 'm'))?.[1])

describe('heap figures', () => {
  test('/metrics carries the JS heap beside RSS', async () => {
    const text = await (await fetch(app.url + '/metrics')).text()
    const read = (name: string) => Number(text.match(new RegExp(`^leetchat_${name} (\\S+)$`, 'm'))?.[1])
    const heap = read('process_heap_used_bytes')
    expect(heap).toBeGreaterThan(0)
    expect(read('process_heap_total_bytes')).toBeGreaterThan(0)
    expect(read('process_resident_memory_bytes')).toBeGreaterThan(heap)
    expect(read('process_external_memory_bytes')).toBeGreaterThanOrEqual(0)
  })

  test('/debug/heap answers a direct loopback request, after a full collection when asked', async () => {
    const res = await fetch(app.url + '/debug/heap?gc=1&top=3')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const r = await res.json()
    expect(r.collected).toBe(true)
    expect(r.heapBytes).toBeGreaterThan(0)
    expect(Object.keys(r.objectTypeCounts)).toHaveLength(3)
  })

  test('/debug/heap through a proxy is not there', async () => {
    const proxied: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }]
    for (const headers of proxied) {
      const res = await fetch(app.url + '/debug/heap', { headers })
      expect({ headers, status: res.status }).toEqual({ headers, status: 404 })
      expect(await res.text()).not.toContain('heapBytes')
    }
  })

  test('/debug/heap refuses parameters it does not know how to read', async () => {
    for (const q of ['gc=2', 'gc=true', 'gc=', 'top=-1', 'top=99999', 'top=abc', 'top=1e3', 'gc=1%00']) {
      const res = await fetch(`${app.url}/debug/heap?${q}`)
      expect({ q, status: res.status }).toEqual({ q, status: 400 })
      expect((await res.json()).error.code).toBe('bad_request')
    }
  })
})

describe('memory reclaim', () => {
  test('a wave of expired sessions is followed by one full collection', async () => {
    const before = await metric('memory_reclaims_total')
    const clients = await Promise.all(Array.from({ length: 30 }, () => app.client()))
    // Held until the reclaimer has looked at least once (it checks every second here).
    await Bun.sleep(1300)
    for (const c of clients) c.close()
    const until = Date.now() + 5000
    while ((await metric('memory_reclaims_total')) === before && Date.now() < until) await Bun.sleep(100)
    expect(app.services.hub.stats().sessions).toBe(0)
    expect(await metric('memory_reclaims_total')).toBe(before + 1)
  })
})
