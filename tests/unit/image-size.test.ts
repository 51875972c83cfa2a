// The pixel size read from image headers (api/media/image-size.ts): every allow-listed type, the
// EXIF rotation browsers apply, and garbage that must give null rather than a made-up box.
import { expect, test } from 'bun:test'
import { imageSize } from '../../api/media/image-size'
import { png } from '../support/media-files'

const reader = (b: Uint8Array) => async (offset: number, length: number) => b.subarray(offset, offset + length)
const size = (mime: string, b: Uint8Array) => imageSize(mime, reader(b), b.length)
const bytes = (...parts: Array<number[] | string>) => Uint8Array.from(parts.flatMap(p => (typeof p === 'string' ? [...p].map(c => c.charCodeAt(0)) : p)))
const u16be = (n: number) => [n >> 8, n & 0xff]
const u16le = (n: number) => [n & 0xff, n >> 8]
const u24le = (n: number) => [n & 0xff, (n >> 8) & 0xff, n >> 16]
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]

function jpeg(w: number, h: number, orientation?: number): Uint8Array {
  const app0 = [0xff, 0xe0, ...u16be(16), ...'JFIF\0'.split('').map(c => c.charCodeAt(0)), 1, 1, 0, 0, 1, 0, 1, 0, 0]
  const exif = orientation
    ? (() => {
        // "Exif\0\0", big-endian TIFF header, one IFD entry: Orientation (SHORT, 1 value).
        const tiff = bytes('MM', [0, 42], [0, 0, 0, 8], [0, 1], [0x01, 0x12, 0, 3, 0, 0, 0, 1], u16be(orientation), [0, 0], [0, 0, 0, 0])
        const payload = bytes('Exif\0\0', [...tiff])
        return [0xff, 0xe1, ...u16be(payload.length + 2), ...payload]
      })()
    : []
  const dqt = [0xff, 0xdb, ...u16be(4), 0, 0]
  const sof = [0xff, 0xc2, ...u16be(11), 8, ...u16be(h), ...u16be(w), 1, 1, 0x11, 0]
  return Uint8Array.from([0xff, 0xd8, ...app0, ...exif, ...dqt, ...sof, 0xff, 0xda, 0, 2])
}

test('PNG, GIF and the three WebP flavours give their width and height', async () => {
  expect(await size('image/png', png(640, 480))).toEqual({ width: 640, height: 480 })
  expect(await size('image/gif', bytes('GIF89a', u16le(300), u16le(200), [0, 0, 0]))).toEqual({ width: 300, height: 200 })
  const riff = (chunk: string, body: number[]) => bytes('RIFF', u32le(body.length + 12), 'WEBP', chunk, u32le(body.length), body)
  expect(await size('image/webp', riff('VP8X', [0, 0, 0, 0, ...u24le(1919), ...u24le(1079)]))).toEqual({ width: 1920, height: 1080 })
  const lossless = (799 & 0x3fff) | ((599 & 0x3fff) << 14)
  expect(await size('image/webp', riff('VP8L', [0x2f, ...u32le(lossless), 0, 0, 0, 0, 0]))).toEqual({ width: 800, height: 600 })
  expect(await size('image/webp', riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(320), ...u16le(240), 0, 0]))).toEqual({ width: 320, height: 240 })
})

test('a JPEG gives its frame size, with the sides swapped when EXIF says the photo is turned', async () => {
  expect(await size('image/jpeg', jpeg(4032, 3024))).toEqual({ width: 4032, height: 3024 })
  expect(await size('image/jpeg', jpeg(4032, 3024, 1))).toEqual({ width: 4032, height: 3024 })
  // A phone held upright: stored landscape, shown portrait.
  expect(await size('image/jpeg', jpeg(4032, 3024, 6))).toEqual({ width: 3024, height: 4032 })
})

test('truncated, mislabelled or absurd headers give null, never a box', async () => {
  expect(await size('image/png', png(4, 4).subarray(0, 20))).toBeNull()
  expect(await size('image/jpeg', png(4, 4))).toBeNull()
  expect(await size('image/jpeg', Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeNull()
  expect(await size('image/jpeg', jpeg(4032, 3024).subarray(0, 30))).toBeNull()
  expect(await size('image/gif', bytes('GIF89a', u16le(0), u16le(10), [0]))).toBeNull()
  expect(await size('image/webp', bytes('RIFF', u32le(4), 'WEBP', 'ABCD', u32le(0), new Array(14).fill(0)))).toBeNull()
  expect(await size('application/pdf', png(4, 4))).toBeNull()
  expect(await size('image/png', new Uint8Array())).toBeNull()
})
