// Redis Cluster's key → slot mapping, as sharded PUB/SUB needs it (api/cluster/slots.ts). The
// integration pass checks the same against a real cluster's CLUSTER KEYSLOT (cluster-pubsub.test.ts).
import { describe, expect, test } from 'bun:test'
import { keySlot, partitionOf, partitionTags, PARTITIONS, SLOTS } from '../../api/cluster/slots'

describe('hash slots', () => {
  test('the cluster specification’s test vector: CRC16 of "123456789" is 0x31C3', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % SLOTS)
  })

  test('a hash tag decides the slot; an empty tag or an unclosed brace does not', () => {
    expect(keySlot('x{s:abc}y')).toBe(keySlot('s:abc'))
    expect(keySlot('pfx:{s:abc}:ob')).toBe(keySlot('{s:abc}'))
    expect(keySlot('a{}b')).toBe(keySlot('a{}b'))
    expect(keySlot('a{}b')).not.toBe(keySlot('a'))
    expect(keySlot('a{b')).toBe(keySlot('a{b'))
    // Only the first {…} counts.
    expect(keySlot('{a}{b}')).toBe(keySlot('a'))
  })

  test('non-ASCII keys hash their UTF-8 bytes', () => {
    expect(keySlot('é')).toBe(keySlot('{é}'))
    expect(keySlot('é')).not.toBe(keySlot('e'))
  })

  test('every partition has a tag of its own slot, the slots evenly spaced', () => {
    const tags = partitionTags()
    expect(tags.length).toBe(PARTITIONS)
    for (let p = 0; p < PARTITIONS; p++) expect(keySlot(`{${tags[p]}}`)).toBe(p * (SLOTS / PARTITIONS))
    expect(new Set(tags).size).toBe(PARTITIONS)
    // The slot ranges `redis-cli --cluster create` gives three masters hold 85 or 86 partitions each.
    const ranges = [
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]
    const per = ranges.map(([lo, hi]) => tags.filter(t => keySlot(`{${t}}`) >= lo! && keySlot(`{${t}}`) <= hi!).length)
    for (const n of per) expect(n === 85 || n === 86).toBe(true)
  })

  test('session ids spread over the partitions', () => {
    const counts = new Array<number>(PARTITIONS).fill(0)
    for (let i = 0; i < PARTITIONS * 100; i++) counts[partitionOf(crypto.randomUUID())]!++
    // 100 expected per partition; a binomial's ±5 sigma is about ±50.
    expect(Math.min(...counts)).toBeGreaterThan(50)
    expect(Math.max(...counts)).toBeLessThan(150)
    expect(partitionOf('same id')).toBe(partitionOf('same id'))
  })
})
