// Image screening end to end with the real classifier (nsfwjs MobileNetV2 from the npm package,
// TensorFlow.js wasm, sharp) in its worker thread: ordinary photos pass at the default threshold;
// with SCREEN_THRESHOLD=0 every image is flagged, and the flag reaches both `media` frames, the
// record, the uploader's strike count and a report of that chat.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { tables } from '../../db'
import { startTestApp, type TestApp } from '../support/app'
import * as files from '../support/media-files'
import * as images from '../support/images'
import { send } from '../support/media'
import { meet, person } from '../support/people'
import { trpcClient } from '../support/trpc-calls'

const row = (app: TestApp, id: string) => app.services.db.db.select().from(tables.media).where(eq(tables.media.id, id)).then(r => r[0]!)

describe('default threshold', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ SCREEN_IMAGES: 'on', RATE_TICKETS_PER_MINUTE: '1000' })
  })
  afterAll(() => app.close())

  test('ordinary photos in every allowed format pass: both frames and the record say flagged: false, with the score', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const photos: Array<[string, string, Uint8Array]> = [
      ['landscape.jpg', 'image/jpeg', await images.landscapeJpeg()],
      ['sunset.png', 'image/png', await images.landscapePng(640, 480, 7)],
      ['hills.webp', 'image/webp', await images.landscapeWebp()],
      ['page.gif', 'image/gif', await images.documentGif()],
      ['gradient.png', 'image/png', files.png(300, 200)],
    ]
    for (const [name, mime, bytes] of photos) {
      // The first image also loads the model (well within SCREEN_TIMEOUT_MS).
      const res = await send(app, a.session, 'image', mime, bytes, name)
      expect(res.status).toBe(201)
      expect(res.json!.media).toMatchObject({ name, flagged: false })
      const [mine, theirs] = await Promise.all([a.next('media', 10_000), b.next('media', 10_000)])
      expect(mine.media.flagged).toBe(false)
      expect(theirs.media).toEqual(res.json!.media!)
      const r = await row(app, res.json!.media!.id)
      expect(r.flagged).toBe(false)
      expect(r.screenScore).toBeGreaterThanOrEqual(0)
      expect(r.screenScore).toBeLessThan(0.7)
    }
    expect(await app.services.screening.strikes.flagCount(app.services.secrets.hashIp(a.ip))).toBe(0)
    expect(app.services.metrics.value('media_screened_total', { result: 'passed' })).toBe(photos.length)
    a.close()
    b.close()
  }, 60_000)

  test('voice notes and files are not screened: no flag field, nothing recorded', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    for (const [kind, mime, bytes] of [
      ['audio', 'audio/webm', files.webm()],
      ['file', 'application/pdf', files.pdf()],
    ] as const) {
      const res = await send(app, a.session, kind, mime, bytes)
      expect(res.status).toBe(201)
      expect(res.json!.media).not.toHaveProperty('flagged')
      expect((await b.next('media')).media).not.toHaveProperty('flagged')
      const r = await row(app, res.json!.media!.id)
      expect(r).toMatchObject({ flagged: false, screenScore: null })
    }
    a.close()
    b.close()
  })
})

describe('SCREEN_THRESHOLD=0 (every image flagged)', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ SCREEN_IMAGES: 'on', SCREEN_THRESHOLD: '0', RATE_TICKETS_PER_MINUTE: '1000' })
  })
  afterAll(() => app.close())

  test('a flagged photo: both media frames and the record carry the flag, and it is a strike against the uploader only', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const res = await send(app, a.session, 'image', 'image/jpeg', await images.landscapeJpeg(), 'beach.jpg')
    expect(res.status).toBe(201)
    expect(res.json!.media!.flagged).toBe(true)
    const [mine, theirs] = await Promise.all([a.next('media', 10_000), b.next('media', 10_000)])
    expect(mine).toMatchObject({ from: 'you', media: { flagged: true } })
    expect(theirs).toMatchObject({ from: 'stranger', media: { flagged: true } })
    const r = await row(app, theirs.media.id)
    expect(r.flagged).toBe(true)
    expect(r.screenScore).toBeGreaterThanOrEqual(0)

    const strikes = app.services.screening.strikes
    expect(await strikes.flagCount(app.services.secrets.hashIp(a.ip))).toBe(1)
    expect(await strikes.flagCount(app.services.secrets.hashIp(b.ip))).toBe(0)
    await send(app, a.session, 'image', 'image/png', files.png(64, 64))
    await b.next('media', 10_000)
    expect(await strikes.flagCount(app.services.secrets.hashIp(a.ip))).toBe(2)
    a.close()
    b.close()
  }, 60_000)

  test('a report of a chat with flagged images stores how many the reported side sent', async () => {
    const reporter = await person(app)
    const sender = await person(app)
    const chat = await meet(reporter, sender)
    for (let i = 0; i < 2; i++) {
      expect((await send(app, sender.session, 'image', 'image/png', await images.landscapePng(320, 240, i + 11))).status).toBe(201)
      await reporter.next('media', 10_000)
    }
    // The reporter's own flagged image does not count against the reported side.
    expect((await send(app, reporter.session, 'image', 'image/png', files.png(32, 32))).status).toBe(201)
    await sender.next('media', 10_000)

    const trpc = trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } })
    expect(await trpc.reports.create.mutate({ reason: 'sexual' })).toEqual({ ok: true })
    const [report] = await app.services.db.db.select().from(tables.reports).where(eq(tables.reports.chatId, chat))
    expect(report!.flaggedImages).toBe(2)
    reporter.close()
    sender.close()
  }, 60_000)

  test('a report of a chat without images stores flaggedImages 0', async () => {
    const reporter = await person(app)
    const other = await person(app)
    const chat = await meet(reporter, other)
    const trpc = trpcClient(app.url, { session: reporter.session, headers: { 'x-forwarded-for': reporter.ip } })
    await trpc.reports.create.mutate({ reason: 'spam' })
    const [report] = await app.services.db.db.select().from(tables.reports).where(eq(tables.reports.chatId, chat))
    expect(report!.flaggedImages).toBe(0)
    reporter.close()
    other.close()
  })
})

describe('SCREEN_IMAGES=off', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ SCREEN_IMAGES: 'off', SCREEN_THRESHOLD: '0' })
  })
  afterAll(() => app.close())

  test('images go out unscreened: no flag field, no score, no strike', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const res = await send(app, a.session, 'image', 'image/png', files.png(64, 64))
    expect(res.status).toBe(201)
    expect((await b.next('media')).media).not.toHaveProperty('flagged')
    expect(await row(app, res.json!.media!.id)).toMatchObject({ flagged: false, screenScore: null })
    expect(await app.services.screening.strikes.flagCount(app.services.secrets.hashIp(a.ip))).toBe(0)
    a.close()
    b.close()
  })
})
