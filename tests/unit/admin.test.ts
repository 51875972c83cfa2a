// Pure parts of the moderation console: counters read from the metrics text, the
// ADMIN_ALLOWED_ADDRESSES check at start-up, the console's escaping of strangers' text.
import { describe, expect, test } from 'bun:test'
import { counterSum } from '../../api/admin/live'
import { ConfigError, loadConfig } from '../../api/config'
import { printable } from '../../pwa/admin/api'

describe('console units', () => {
  test('counterSum adds every series of a counter, optionally only those with a label, and no other counter', () => {
    const text = [
      '# TYPE leetchat_proofs_total counter',
      'leetchat_proofs_total{outcome="issued"} 7',
      'leetchat_proofs_total{outcome="accepted"} 5',
      'leetchat_proofs_total_extra 100',
      'leetchat_matches_total{kind="random"} 2',
      'leetchat_matches_total{kind="interest"} 3',
    ].join('\n')
    expect(counterSum(text, 'leetchat_proofs_total')).toBe(12)
    expect(counterSum(text, 'leetchat_proofs_total', 'outcome="accepted"')).toBe(5)
    expect(counterSum(text, 'leetchat_matches_total')).toBe(5)
    expect(counterSum(text, 'leetchat_nothing_total')).toBe(0)
  })

  test('ADMIN_ALLOWED_ADDRESSES takes addresses and CIDR blocks of both families and refuses anything else by name', () => {
    expect(loadConfig({ ADMIN_ALLOWED_ADDRESSES: '10.0.0.0/8, 192.0.2.7,2001:db8::/32,::1' }).adminAllowedAddresses).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1'])
    expect(loadConfig({}).adminAllowedAddresses).toEqual([])
    expect(loadConfig({}).adminEnabled).toBe(true)
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/8/8', '10.0.0/8', '1.2.3.4/x']) {
      expect(() => loadConfig({ ADMIN_ALLOWED_ADDRESSES: bad })).toThrow(ConfigError)
    }
    expect(() => loadConfig({ ADMIN_IDLE_MINUTES: '0' })).toThrow(/ADMIN_IDLE_MINUTES/)
  })

  test('the console shows control, bidi and zero-width characters as escapes, and keeps line breaks', () => {
    expect(printable('a\u202eb\u0000c\u200bd\nе')).toBe('a\\u202eb\\u0000c\\u200bd\nе')
  })
})
