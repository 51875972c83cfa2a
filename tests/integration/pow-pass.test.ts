// One solved proof of work must not open the door for a farm of sessions from the same address:
// in adaptive mode an address's pass admits at most POW_PASS_SESSIONS sessions (the solver's
// own included), and opening sessions fast (churn) raises the difficulty of the next proofs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { solveChallenge } from '../../api/safety/proof-of-work'
import type { ServerFrame } from '../../api/chat/protocol'
import { startTestApp, type TestApp } from '../support/app'
import { freshIp, person, uniqueInterest } from '../support/people'
import type { TestClient } from '../support/ws-client'

/** Sends a find and waits for what answers it: `queued`, or the error frame (a proof_required challenge). */
async function findAnswer(c: TestClient): Promise<Extract<ServerFrame, { type: 'queued' } | { type: 'error' }>> {
  const m = c.mark()
  c.send({ type: 'find', interests: [uniqueInterest()], random: false })
  const end = Date.now() + 3000
  for (;;) {
    const f = c.since(m).find(x => x.type === 'queued' || x.type === 'error')
    if (f) return f as Extract<ServerFrame, { type: 'queued' } | { type: 'error' }>
    if (Date.now() > end) throw new Error(`no answer to find: ${JSON.stringify(c.since(m))}`)
    await Bun.sleep(5)
  }
}

describe('a proof-of-work pass covers a bounded number of sessions', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({
      POW_MODE: 'adaptive',
      POW_BITS: '6',
      POW_MAX_BITS: '12',
      POW_PASS_SESSIONS: '5',
      RATE_SESSIONS_PER_MINUTE: '200',
      MAX_SESSIONS_PER_IP: '200',
      MATCH_FALLBACK_MS: '60000',
    })
  })
  afterAll(() => app.close())

  test('one proof admits POW_PASS_SESSIONS sessions of its address, not 100 within a minute', async () => {
    const ip = freshIp()
    const first = await person(app, ip)
    const e = await findAnswer(first)
    expect(e.type === 'error' && e.code).toBe('proof_required')
    const ch = (e as Extract<ServerFrame, { type: 'error' }>).challenge!
    first.send({ type: 'proof', token: ch.token, nonce: solveChallenge(ch) })
    await first.next('queued')
    let free = 0
    let asked = 0
    for (let i = 0; i < 99; i++) {
      const c = await person(app, ip)
      const a = await findAnswer(c)
      if (a.type === 'queued') free++
      else {
        expect(a.code).toBe('proof_required')
        asked++
      }
      // A session admitted by the pass keeps it: its next find is not asked again.
      if (a.type === 'queued' && i === 0) {
        c.send({ type: 'leave' })
        expect((await findAnswer(c)).type).toBe('queued')
      }
      c.close()
    }
    expect(free).toBe(4)
    expect(asked).toBe(95)
    first.close()
  })

  test('a new proof renews the pass for another POW_PASS_SESSIONS sessions', async () => {
    const ip = freshIp()
    let solved = 0
    let free = 0
    for (let i = 0; i < 12; i++) {
      const c = await person(app, ip)
      const a = await findAnswer(c)
      if (a.type === 'error') {
        expect(a.code).toBe('proof_required')
        c.send({ type: 'proof', token: a.challenge!.token, nonce: solveChallenge(a.challenge!) })
        await c.next('queued')
        solved++
      } else free++
      c.close()
    }
    // Sessions 1, 6 and 11 solve; the four after each ride on its pass.
    expect({ solved, free }).toEqual({ solved: 3, free: 9 })
  })

  test('churn raises the difficulty: an address opening sessions fast is asked for more bits', async () => {
    // Sessions are counted in fixed one-minute windows (session-limits.ts): a burst split by a
    // minute's end counts as two smaller ones, so it starts with at least 15 s of its minute left.
    const left = 60_000 - (Date.now() % 60_000)
    if (left < 15_000) await Bun.sleep(left + 50)
    const ip = freshIp()
    const bits: number[] = []
    for (let i = 0; i < 120; i++) {
      const c = await person(app, ip)
      const a = await findAnswer(c)
      if (a.type === 'error' && a.code === 'proof_required') {
        bits.push(a.challenge!.bits)
        c.send({ type: 'proof', token: a.challenge!.token, nonce: solveChallenge(a.challenge!) })
        await c.next('queued')
      }
      c.close()
    }
    expect(bits[0]).toBe(6)
    expect(Math.max(...bits)).toBeGreaterThan(6)
    expect(Math.max(...bits)).toBeLessThanOrEqual(12)
  }, 45_000)
})
