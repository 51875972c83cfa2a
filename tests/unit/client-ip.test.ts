// Address canonicalisation and the per-address key (hole 2: IPv6 keyed per /128).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { isIP } from 'node:net'
import { addressKey, canonicalIp } from '../../api/ip-address'
import { clientIp } from '../../api/safety/client-ip'
import { createSecrets } from '../../api/secrets'

describe('canonicalIp', () => {
  test('one spelling per address: case, zero compression, leading zeros, IPv4-mapped, zones, brackets, ports', () => {
    const same: Array<[string, string]> = [
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:0::1', '2001:db8::1'],
      ['[2001:db8::1]', '2001:db8::1'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['fe80::1%eth0', 'fe80::1'],
      ['[fe80::1%25eth0]:8080', 'fe80::1'],
      ['::ffff:203.0.113.9', '203.0.113.9'],
      ['::FFFF:cb00:7109', '203.0.113.9'],
      ['0:0:0:0:0:ffff:203.0.113.9', '203.0.113.9'],
      ['203.0.113.9:5555', '203.0.113.9'],
      [' 203.0.113.9 ', '203.0.113.9'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ]
    for (const [raw, want] of same) expect([raw, canonicalIp(raw)]).toEqual([raw, want])
  })

  test('no address → null', () => {
    for (const bad of [
      '',
      'unknown',
      '1.2.3',
      '1.2.3.256',
      '1.2.3.4.5',
      '2001:db8:::1',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::8:9',
      '[::1',
      'g::1',
      '1.2.3.4::',
      '::1.2.3.4:5',
      'x'.repeat(5000),
    ]) {
      expect([bad, canonicalIp(bad)]).toEqual([bad, null])
    }
  })

  test('agrees with node:net on what an address is, and is idempotent (property)', () => {
    const v6 = fc.ipV6()
    fc.assert(
      fc.property(
        fc.oneof(
          v6,
          fc.ipV4(),
          v6.map(s => s.toUpperCase()),
        ),
        raw => {
          const c = canonicalIp(raw)
          expect(c).not.toBeNull()
          expect(isIP(c!)).toBeGreaterThan(0)
          expect(canonicalIp(c!)).toBe(c)
          // The WHATWG URL parser writes IPv6 the RFC 5952 way too (it keeps IPv4-mapped as hex).
          if (!raw.includes('.') && !c!.includes('.')) expect(new URL(`http://[${raw}]/`).hostname).toBe(`[${c}]`)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('addressKey', () => {
  test('IPv4 is the address; IPv6 is its /64 (or the configured prefix)', () => {
    expect(addressKey('203.0.113.9', 64)).toBe('203.0.113.9')
    expect(addressKey('::ffff:203.0.113.9', 64)).toBe('203.0.113.9')
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64)).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:DB8:1:2::FFFF', 64)).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8:1:2::1', 128)).toBe('2001:db8:1:2::1')
    expect(addressKey('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200::/56')
    expect(addressKey('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48')
    expect(addressKey('unknown', 64)).toBe('unknown')
  })

  test('every address of one /64 hashes alike; the neighbouring /64 does not', () => {
    const s = createSecrets('k'.repeat(40))
    const one = ['2001:db8:5:6::1', '2001:0DB8:0005:0006:ffff:ffff:ffff:ffff', '[2001:db8:5:6:1:2:3:4]:9', '2001:db8:5:6::abcd%wlan0'].map(s.hashIp)
    expect(new Set(one).size).toBe(1)
    expect(s.hashIp('2001:db8:5:7::1')).not.toBe(one[0])
    expect(s.hashIp('::ffff:198.51.100.7')).toBe(s.hashIp('198.51.100.7'))
    expect(createSecrets('k'.repeat(40), { ipv6Prefix: 128 }).hashIp('2001:db8:5:6::1')).not.toBe(createSecrets('k'.repeat(40), { ipv6Prefix: 128 }).hashIp('2001:db8:5:6::2'))
  })
})

describe('clientIp', () => {
  test('forwarded hops are canonicalised before trust is decided', () => {
    expect(clientIp('::ffff:127.0.0.1', '2001:DB8::0001', ['loopback'])).toBe('2001:db8::1')
    expect(clientIp('127.0.0.1', '[2001:db8::5]:1234', ['loopback'])).toBe('2001:db8::5')
    expect(clientIp('127.0.0.1', '::ffff:10.1.2.3', ['loopback'])).toBe('10.1.2.3')
    // A trusted proxy written in another spelling is still trusted.
    expect(clientIp('0:0:0:0:0:0:0:1', '198.51.100.1', ['loopback'])).toBe('198.51.100.1')
    expect(clientIp('10.0.0.9', '198.51.100.1, ::ffff:10.0.0.8', ['10.0.0.9', '::FFFF:10.0.0.8'])).toBe('198.51.100.1')
  })

  test('a hop that is no address ends the walk at the nearest trusted proxy, not a new identity per junk string', () => {
    expect(clientIp('127.0.0.1', 'junk-1', ['loopback'])).toBe('127.0.0.1')
    expect(clientIp('127.0.0.1', '198.51.100.1, junk-2', ['loopback'])).toBe('127.0.0.1')
    expect(clientIp('127.0.0.1', 'junk-3, 198.51.100.1', ['loopback'])).toBe('198.51.100.1')
    expect(clientIp('127.0.0.1', 'junk, ::1', ['loopback'])).toBe('::1')
    expect(clientIp(null, '198.51.100.1', ['loopback'])).toBe('unknown')
  })
})
