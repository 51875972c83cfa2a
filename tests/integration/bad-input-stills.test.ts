// The bad-input suite for video stills sent with reports (a sibling of bad-input.test.ts, on a
// server with video on). A bad still never costs the report: the report is stored, the still is
// dropped with a code saying why, no file is left under DATA_DIR/media, and the chat ends as any
// report ends it. Only a request that is not a report at all (a still that is no string, a body
// over the limit) is refused as a whole.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { tables } from '../../db'
import { REPORT_STILL_MAX_BYTES, type ReportStillCode } from '../../api/safety/still-limits'
import { startTestApp, type TestApp } from '../support/app'
import { landscapeJpeg, landscapePng } from '../support/images'
import { healthyPair, meet, person, uniqueInterest } from '../support/people'
import { trpcClient } from '../support/trpc-calls'
import type { TestClient } from '../support/ws-client'

let app: TestApp
let jpeg: Uint8Array<ArrayBuffer>

beforeAll(async () => {
  app = await startTestApp({ QUARANTINE_REPORTS: '0', MATCH_FALLBACK_MS: '60000', TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'a-test-turn-secret-of-enough-length' })
  jpeg = await landscapeJpeg(320, 240)
})
afterAll(() => app.close())

type Person = TestClient & { ip: string }

async function chat(video: boolean): Promise<{ a: Person; b: Person }> {
  const a = await person(app)
  const b = await person(app)
  if (!video) {
    await meet(a, b)
    return { a, b }
  }
  const interest = uniqueInterest()
  a.send({ type: 'find', interests: [interest], random: false, video: true })
  await a.next('queued')
  b.send({ type: 'find', interests: [interest], random: false, video: true })
  await Promise.all([a.next('matched'), b.next('matched')])
  return { a, b }
}

const mediaFiles = () => readdirSync(join(app.dataDir, 'media')).filter(f => f !== 'tmp')

async function storedReport(reporter: TestClient) {
  const ref = app.services.moderation.sessionRef(reporter.session)
  const [row] = await app.services.db.db.select().from(tables.reports).where(eq(tables.reports.reporterSession, ref))
  return row ?? null
}

/** Reports with `still`: the report is stored without it, the answer names `code`, nothing is left on disk. */
async function dropped(still: string, code: ReportStillCode, video = true) {
  const { a, b } = await chat(video)
  const before = mediaFiles()
  try {
    const answer = await trpcClient(app.url, { session: a.session, headers: { 'x-forwarded-for': a.ip } }).reports.create.mutate({ reason: 'abuse', still })
    expect(answer).toMatchObject({ ok: true, still: { stored: false, code } })
    expect((answer.still as { message: string }).message.length).toBeGreaterThan(0)
    expect(await storedReport(a)).toMatchObject({ reason: 'abuse', stillKey: null })
    expect(mediaFiles()).toEqual(before)
    // The report ended the chat, as any report does.
    expect(await b.next('ended')).toMatchObject({ by: 'stranger' })
  } finally {
    a.close()
    b.close()
  }
}

async function raw(session: string, ip: string, body: string) {
  const res = await fetch(`${app.url}/trpc/reports.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session}`, 'x-forwarded-for': ip },
    body,
  })
  const text = await res.text()
  let json: { error?: { code?: string; data?: { appCode?: string } } } | null = null
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, text, json }
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

/** A copy of `src` with its first SOFn frame header claiming `w`×`h`. */
function withSides(src: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(src)
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) throw new Error('not at a marker')
    const m = out[i + 1]!
    const len = (out[i + 2]! << 8) | out[i + 3]!
    if (m >= 0xc0 && m <= 0xc3) {
      out[i + 5] = h >> 8
      out[i + 6] = h & 0xff
      out[i + 7] = w >> 8
      out[i + 8] = w & 0xff
      return out
    }
    i += 2 + len
  }
  throw new Error('no frame header')
}

const cases: Array<[string, () => Promise<void>]> = [
  ['a still that is not a JPEG (a PNG)', async () => dropped(b64(await landscapePng(64, 48)), 'still_not_jpeg')],
  ['a still that is text, not an image', () => dropped(b64(new TextEncoder().encode('<svg onload=alert(1)></svg>'.padEnd(400, ' '))), 'still_not_jpeg')],
  ['a JPEG cut in half (no end of image)', () => dropped(b64(jpeg.subarray(0, Math.floor(jpeg.length / 2))), 'still_not_jpeg')],
  [
    'a JPEG signature with no frame header',
    () => dropped(b64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9])), 'still_not_jpeg'),
  ],
  [
    'a still over the byte cap (a JPEG padded past REPORT_STILL_MAX_BYTES)',
    () => {
      const big = new Uint8Array(REPORT_STILL_MAX_BYTES + 1024)
      big.set(jpeg)
      return dropped(b64(big), 'still_too_large')
    },
  ],
  ['a still whose header claims 20000×20000 pixels', () => dropped(b64(withSides(jpeg, 20_000, 20_000)), 'still_too_big')],
  ['a real JPEG wider than the cap (1400×100)', async () => dropped(b64(await landscapeJpeg(1400, 100)), 'still_too_big')],
  ['a still with a zero-sized frame header', () => dropped(b64(withSides(jpeg, 0, 0)), 'still_not_jpeg')],
  ['a still in a text-only chat', () => dropped(b64(jpeg), 'still_not_video', false)],
  ['garbage base64', () => dropped('this is *not* base64!!', 'still_bad_base64')],
  ['base64 with a data: URL prefix', () => dropped(`data:image/jpeg;base64,${b64(jpeg)}`, 'still_bad_base64')],
  ['base64 of the wrong length', () => dropped(b64(jpeg).slice(0, -1), 'still_bad_base64')],
  ['an empty still', () => dropped('', 'still_bad_base64')],
  [
    'a still that is no string: the request is malformed, refused as a whole (400 bad_input)',
    async () => {
      const { a, b } = await chat(true)
      for (const still of [12, { jpeg: 'x' }, ['a'], null]) {
        const r = await raw(a.session, a.ip, JSON.stringify({ reason: 'abuse', still }))
        expect({ still, status: r.status, appCode: r.json?.error?.data?.appCode }).toEqual({ still, status: 400, appCode: 'bad_input' })
        expect(r.text).not.toContain('    at ')
      }
      // Nothing was reported and the chat goes on.
      expect(await storedReport(a)).toBeNull()
      a.send({ type: 'text', id: 't1', body: 'still here?' })
      expect((await b.next('text')).body).toBe('still here?')
      a.close()
      b.close()
    },
  ],
  [
    'a report body over the report limit (256 KB) → 413 too_large, and the chat goes on',
    async () => {
      const { a, b } = await chat(true)
      const r = await raw(a.session, a.ip, JSON.stringify({ reason: 'abuse', still: 'A'.repeat(300 * 1024) }))
      expect(r.status).toBe(413)
      expect(r.json?.error?.code).toBe('too_large')
      a.send({ type: 'text', id: 't1', body: 'still here?' })
      expect((await b.next('text')).body).toBe('still here?')
      a.close()
      b.close()
    },
  ],
]

for (const [name, run] of cases) {
  test(name, async () => {
    await run()
    // The server still serves: a fresh pair meets and chats.
    await healthyPair(app)
  })
}
