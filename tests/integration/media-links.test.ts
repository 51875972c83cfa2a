// Signed media links: only the exact link the server made works, only until it expires, never
// for a path outside the media folder, and across a restart.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MediaInfo } from '../../api/chat/protocol'
import { createMediaLinks } from '../../api/media/signing'
import { startTestApp, type TestApp } from '../support/app'
import { pair } from '../support/ws-client'
import * as files from '../support/media-files'
import { send } from '../support/media'

let app: TestApp
let skew = 0
let image: Uint8Array<ArrayBuffer>
let media: MediaInfo
let other: MediaInfo
beforeAll(async () => {
  app = await startTestApp({}, { now: () => Date.now() + skew })
  const { a, b } = await pair(() => app.client())
  image = files.png(3, 3)
  media = (await send(app, a.session, 'image', 'image/png', image, 'x.png')).json!.media!
  other = (await send(app, a.session, 'file', 'application/pdf', files.pdf(), 'y.pdf')).json!.media!
  a.close()
  b.close()
})
afterAll(() => app.close())

const parts = (m: MediaInfo) => {
  const u = new URL(m.url, app.url)
  return { path: u.pathname, exp: u.searchParams.get('exp')!, sig: u.searchParams.get('sig')! }
}

/** A refusal: the status, a JSON error with that code, and not one byte of the file. */
async function refused(path: string, status: number, code: string) {
  const res = await fetch(app.url + path)
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toStartWith('application/json')
  const body = new Uint8Array(await res.arrayBuffer())
  expect(JSON.parse(new TextDecoder().decode(body)).error.code).toBe(code)
  expect(Buffer.from(body).includes(Buffer.from(image.subarray(0, 8)))).toBe(false)
}

describe('signed media links', () => {
  test('the link as made works', async () => {
    const res = await fetch(app.url + media.url)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(image)
  })

  test('a forged, truncated, missing or borrowed signature is a 403', async () => {
    const { path, exp, sig } = parts(media)
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    await refused(`${path}?exp=${exp}&sig=${flip(sig, 20)}`, 403, 'bad_signature')
    await refused(`${path}?exp=${exp}&sig=${flip(sig, 0)}`, 403, 'bad_signature')
    await refused(`${path}?exp=${exp}&sig=${sig.slice(0, 42)}`, 403, 'bad_signature')
    await refused(`${path}?exp=${exp}&sig=${sig.slice(0, 16)}`, 403, 'bad_signature')
    await refused(`${path}?exp=${exp}&sig=`, 403, 'bad_signature')
    await refused(`${path}?exp=${exp}`, 403, 'bad_signature')
    await refused(`${path}?sig=${sig}`, 403, 'bad_signature')
    await refused(path, 403, 'bad_signature')
    // Stretching the expiry invalidates the signature.
    await refused(`${path}?exp=${Number(exp) + 3600}&sig=${sig}`, 403, 'bad_signature')
    // Another file's valid signature does not open this one.
    await refused(`${path}?exp=${parts(other).exp}&sig=${parts(other).sig}`, 403, 'bad_signature')
  })

  test('a signature spelled differently but decoding to the same bytes is still refused', async () => {
    const { path, exp, sig } = parts(media)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // The last of 43 base64url characters carries 4 bits of the MAC and 2 spare bits.
    const twin = sig.slice(0, 42) + alphabet[alphabet.indexOf(sig[42]!) ^ 1]
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(sig, 'base64url'))
    await refused(`${path}?exp=${exp}&sig=${twin}`, 403, 'bad_signature')
  })

  test('an expired link is a 410 (MEDIA_LINK_TTL_SECONDS, on the app clock)', async () => {
    skew += 1_801_000
    try {
      const { path, exp, sig } = parts(media)
      await refused(`${path}?exp=${exp}&sig=${sig}`, 410, 'link_expired')
    } finally {
      skew -= 1_801_000
    }
  })

  test('a correctly signed link to media that does not exist is a 404', async () => {
    const links = createMediaLinks(app.services.secrets, 1800, Date.now)
    await refused(links.create('AAAAAAAAAAAAAAAAAAAAAA').url, 404, 'not_found')
  })

  test('path traversal in the id finds nothing, not even with a valid signature for it', async () => {
    const { exp, sig } = parts(media)
    const secret = readFileSync(join(app.dataDir, 'secret'), 'utf8').trim()
    const links = createMediaLinks(app.services.secrets, 1800, Date.now)
    for (const id of ['..%2F..%2Fsecret', '%2e%2e%2fsecret', '..%5C..%5Csecret', '..%2Fleetchat.sqlite', 'tmp%2F..%2F..%2Fsecret']) {
      await refused(`/media/${id}?exp=${exp}&sig=${sig}`, 404, 'not_found')
      await refused(links.create(decodeURIComponent(id)).url, 404, 'not_found')
    }
    // Dot segments are resolved before routing: this is a request for /secret, which is not served.
    const res = await fetch(`${app.url}/media/../secret`)
    expect(res.status).toBe(404)
    expect(await res.text()).not.toContain(secret)
  })
})

describe('restarts', () => {
  test('a link made before a restart still works after it (same DATA_DIR and database)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-restart-'))
    try {
      const first = await startTestApp({}, { dataDir })
      const { a, b } = await pair(() => first.client())
      const voice = files.webm({ seconds: 2 })
      const m = (await send(first, a.session, 'audio', 'audio/webm;codecs=opus', voice)).json!.media!
      a.close()
      b.close()
      await first.close()

      const second = await startTestApp({}, { dataDir })
      try {
        const res = await fetch(second.url + m.url)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('audio/webm')
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(voice)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
