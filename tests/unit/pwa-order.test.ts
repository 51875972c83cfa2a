// The PWA's placement of a delivered text (pwa/src/lib/order.ts): the server's time, and the
// stranger's texts the server accepted before it moved up before it; nothing else moves.
import { expect, test } from 'bun:test'
import type { Item } from '../../pwa/src/lib/chat'
import { placeDelivered } from '../../pwa/src/lib/order'

const mine = (key: string, at: number, status: 'sending' | 'delivered' | 'seen' = 'sending'): Item => ({ kind: 'text', key, mine: true, body: key, at, status })
const theirs = (seq: number, at: number): Item => ({ kind: 'text', key: `s${seq}`, mine: false, body: `s${seq}`, at, seq })
const keys = (items: Item[]) => items.map(i => i.key)

test('a text typed offline goes after the stranger texts the server had before it accepted it', () => {
  // Typed offline (local clock 100), then the stranger's two texts replayed on resume, then our resend accepted at 500.
  const items = [theirs(1, 50), mine('a', 100), theirs(2, 300), theirs(3, 400)]
  const out = placeDelivered(items, 'a', 500)
  expect(keys(out)).toEqual(['s1', 's2', 's3', 'a'])
  expect(out[3]).toMatchObject({ at: 500, status: 'delivered' })
})

test('stranger texts accepted after ours stay after it; our texts keep the order they were sent in', () => {
  const items = [mine('a', 100), mine('c', 110), theirs(1, 150), theirs(2, 900)]
  const first = placeDelivered(items, 'a', 200)
  expect(keys(first)).toEqual(['s1', 'a', 'c', 's2'])
  const second = placeDelivered(first, 'c', 950)
  expect(keys(second)).toEqual(['s1', 'a', 's2', 'c'])
})

test('media and uploads do not move, a seen text stays seen, an unknown id changes nothing', () => {
  const photo: Item = {
    kind: 'media',
    key: 'm1',
    mine: false,
    at: 120,
    media: { id: '1', kind: 'image', mime: 'image/png', size: 1, name: 'p.png', url: '/m/1', expiresAt: 0 },
  } as Item
  const items = [mine('a', 100, 'seen'), photo, theirs(1, 150)]
  const out = placeDelivered(items, 'a', 200)
  expect(keys(out)).toEqual(['s1', 'a', 'm1'])
  expect(out[1]).toMatchObject({ status: 'seen', at: 200 })
  expect(placeDelivered(items, 'nope', 5)).toBe(items)
})
