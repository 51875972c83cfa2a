import { describe, expect, test } from 'bun:test'
import { Mailbox } from '../../api/chat/mailbox'
import { encodeDelivered, encodeText } from '../../api/chat/protocol'

/** A mailbox after `n` texts each way: receipt (id `m<i>`) and partner text alternate. */
function busy(n: number, max = 500) {
  const mb = new Mailbox(max)
  for (let i = 1; i <= n; i++) {
    mb.keep(encodeDelivered(`m${i}`, 1000 + i, ++mb.seq))
    mb.keep(encodeText(`hi ${i}`, 1000 + i, ++mb.seq))
  }
  return mb
}

describe('mailbox', () => {
  test('a live chat recognises no resends: nothing is looked up until a resume', () => {
    const mb = busy(3)
    expect(mb.receipt('m1')).toBeUndefined()
  })

  test('on a resume, every unacknowledged receipt answers a resend of its id, byte for byte', () => {
    const mb = busy(5)
    mb.ack(4) // the client saw m1, m2 and their texts
    mb.openResends()
    expect(mb.receipt('m1')).toBeUndefined() // acknowledged: the client never resends it
    expect(mb.receipt('m3')).toBe(encodeDelivered('m3', 1003, 5))
    expect(mb.receipt('m5')).toBe(encodeDelivered('m5', 1005, 9))
    expect(mb.receipt('m6')).toBeUndefined()
  })

  test('an ack that covers the last of them ends the lookups; an earlier ack does not', () => {
    const mb = busy(4)
    mb.openResends()
    mb.ack(5)
    expect(mb.receipt('m4')).toBe(encodeDelivered('m4', 1004, 7))
    mb.ack(7)
    expect(mb.receipt('m4')).toBeUndefined()
  })

  test("a new chat forgets them (ids are the client's and may restart per chat)", () => {
    const mb = busy(2)
    mb.openResends()
    mb.forgetIds()
    expect(mb.receipt('m1')).toBeUndefined()
  })

  test('a receipt pushed out of a full buffer is not recognised (its replay is gone too)', () => {
    const mb = busy(10, 6) // keeps the last 6 frames: m8..m10 and their texts
    mb.openResends()
    expect(mb.receipt('m7')).toBeUndefined()
    expect(mb.receipt('m8')).toBe(encodeDelivered('m8', 1008, 15))
  })

  test('a resume with nothing unacknowledged keeps no map, and ack past seq is refused', () => {
    const mb = busy(2)
    mb.ack(4)
    mb.openResends()
    expect(mb.receipt('m2')).toBeUndefined()
    expect(mb.ack(5)).toContain('has not been sent yet')
  })
})

describe("mailbox: the partner's texts (seen, replyTo, undelivered)", () => {
  /** A mailbox that got `n` partner texts, `t<i>` as seq i, keeping at most `max`. */
  function inbound(n: number, max: number) {
    const mb = new Mailbox(max)
    for (let i = 1; i <= n; i++) {
      mb.keep(encodeText(`hi ${i}`, 1000 + i, ++mb.seq))
      mb.received(mb.seq, `t${i}`)
    }
    return mb
  }

  test('past the bound the oldest make room, in order, however often it wraps', () => {
    const mb = inbound(11, 4)
    expect(mb.inbound).toEqual([
      [8, 't8'],
      [9, 't9'],
      [10, 't10'],
      [11, 't11'],
    ])
    expect(mb.inboundId(7)).toBeUndefined()
    expect(mb.inboundId(8)).toBe('t8')
    expect(mb.inboundId(11)).toBe('t11')
  })

  test('seen names the newest text it newly covers, across the wrap; a repeat covers nothing', () => {
    const mb = inbound(6, 4)
    expect(mb.seen(4)).toEqual({ id: 't4' })
    expect(mb.seen(4)).toEqual({ id: null })
    expect(mb.seen(6)).toEqual({ id: 't6' })
    expect(mb.seen(7)).toEqual({ error: expect.stringContaining('has not been sent yet') })
  })

  test('unconfirmed lists the kept texts past what was acked or seen; a snapshot round-trips; a new chat empties it', () => {
    const mb = inbound(6, 4)
    mb.ack(4)
    expect(mb.unconfirmed()).toEqual(['t5', 't6'])
    const copy = new Mailbox(4)
    copy.inbound = mb.inbound
    expect(copy.inbound).toEqual(mb.inbound)
    mb.newChat()
    expect(mb.inbound).toEqual([])
    expect(mb.inboundId(6)).toBeUndefined()
  })
})
