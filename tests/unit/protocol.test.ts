import { describe, expect, test } from 'bun:test'
import { createFrameParser, ERROR_CODES, type ParseResult } from '../../api/chat/protocol'
import { MAX_INTEREST_LENGTH, MAX_INTERESTS, normaliseInterest, normaliseInterests } from '../../api/chat/interests'

const parse = createFrameParser({ maxTextLength: 50, maxFrameBytes: 1024 })
const p = (frame: unknown) => parse(typeof frame === 'string' ? frame : JSON.stringify(frame))
const code = (r: ParseResult) => (r.ok ? 'ok' : r.code)
const ok = (r: ParseResult) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`)
  return r.frame
}

describe('frame parser: refusals', () => {
  test('binary frames are refused', () => {
    expect(code(parse(new Uint8Array([123, 125])))).toBe('binary_not_supported')
  })

  test('a frame above the byte limit is refused before parsing, counting UTF-8 bytes', () => {
    expect(code(parse('x'.repeat(1025)))).toBe('too_large') // not even JSON: never parsed
    // 400 × 3-byte characters: 400 UTF-16 units but 1200 bytes
    const wide = JSON.stringify({ type: 'text', id: 'a', body: '€'.repeat(400) })
    expect(wide.length).toBeLessThan(1024)
    expect(code(parse(wide))).toBe('too_large')
    expect(code(p({ type: 'text', id: 'a', body: '€'.repeat(40) }))).toBe('ok')
  })

  test('bad JSON and JSON that is not an object', () => {
    for (const raw of ['{', 'hello', '', '{"type":"text",}']) expect(code(parse(raw))).toBe('bad_json')
    for (const raw of ['[]', '[{"type":"leave"}]', '"leave"', '42', 'null', 'true']) expect(code(parse(raw))).toBe('bad_json')
  })

  test('a missing, non-string or unknown type', () => {
    for (const f of [{}, { type: 1 }, { type: null }, { type: 'hello' }, { type: 'TEXT' }, { type: '__proto__' }, { type: 'constructor' }, { type: 'toString' }]) {
      const r = p(f)
      expect(code(r)).toBe('unknown_type')
      if (!r.ok) expect(r.message).toContain('find, text, typing, next, leave, ack')
    }
  })

  test('bad fields name the frame and the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'find' }, 'find: interests'],
      [{ type: 'find', interests: 'jazz' }, 'find: interests'],
      [{ type: 'find', interests: [1] }, 'find: interests.0'],
      [{ type: 'find', interests: ['ok', ''] }, 'find: interests.1'],
      [{ type: 'find', interests: ['\u200b \t'] }, 'empty'],
      [{ type: 'find', interests: ['x'.repeat(MAX_INTEREST_LENGTH + 1)] }, `longer than ${MAX_INTEREST_LENGTH}`],
      [{ type: 'find', interests: Array.from({ length: MAX_INTERESTS + 1 }, (_, i) => `i${i}`) }, `at most ${MAX_INTERESTS}`],
      [{ type: 'find', interests: [], random: 'yes' }, 'find: random'],
      [{ type: 'text', body: 'hi' }, 'text: id'],
      [{ type: 'text', id: '', body: 'hi' }, 'text: id'],
      [{ type: 'text', id: 'x'.repeat(65), body: 'hi' }, 'text: id'],
      [{ type: 'text', id: 7, body: 'hi' }, 'text: id'],
      [{ type: 'text', id: 'a' }, 'text: body'],
      [{ type: 'text', id: 'a', body: '' }, 'message is empty'],
      [{ type: 'text', id: 'a', body: ' \n\t ' }, 'message is blank'],
      [{ type: 'text', id: 'a', body: 'x'.repeat(51) }, 'longer than 50'],
      [{ type: 'text', id: 'a', body: ['hi'] }, 'text: body'],
      [{ type: 'typing' }, 'typing: active'],
      [{ type: 'typing', active: 'true' }, 'typing: active'],
      [{ type: 'ack' }, 'ack: seq'],
      [{ type: 'ack', seq: -1 }, 'ack: seq'],
      [{ type: 'ack', seq: 1.5 }, 'ack: seq'],
      [{ type: 'ack', seq: '3' }, 'ack: seq'],
    ]
    for (const [frame, msg] of cases) {
      const r = p(frame)
      expect({ frame, code: code(r) }).toEqual({ frame, code: 'bad_frame' })
      if (!r.ok) expect(r.message).toContain(msg)
    }
  })

  test('every code the parser returns is a documented stable code', () => {
    const seen = [parse(new Uint8Array()), parse('x'.repeat(2000)), parse('{'), p({ type: 'x' }), p({ type: 'ack' })].map(code)
    for (const c of seen) expect(ERROR_CODES).toContain(c as (typeof ERROR_CODES)[number])
  })
})

describe('frame parser: accepted frames', () => {
  test('find normalises interests: trim, lower-case, collapse spaces, strip control and bidi characters', () => {
    const f = ok(p({ type: 'find', interests: ['  Jazz ', 'CHESS\tClub', 'ev\u202eil', 'ze\u200bro\u200dwidth', '\u2067rtl\u2069', 'bell\u0007'] }))
    expect(f).toEqual({ type: 'find', interests: ['jazz', 'chess club', 'evil', 'zerowidth', 'rtl', 'bell'], random: true })
  })

  test('find drops duplicates after normalisation, keeping the first spelling\'s position', () => {
    const f = ok(p({ type: 'find', interests: ['Go', 'chess', ' go', 'GO\u200b', 'Chess'] }))
    expect(f).toMatchObject({ interests: ['go', 'chess'] })
  })

  test('find: random defaults to true, can be false, and no interests is fine', () => {
    expect(ok(p({ type: 'find', interests: [] }))).toEqual({ type: 'find', interests: [], random: true })
    expect(ok(p({ type: 'find', interests: ['x'], random: false }))).toEqual({ type: 'find', interests: ['x'], random: false })
  })

  test('limits are inclusive', () => {
    const ten = Array.from({ length: MAX_INTERESTS }, (_, i) => `i${i}`)
    expect(code(p({ type: 'find', interests: ten }))).toBe('ok')
    expect(code(p({ type: 'find', interests: ['x'.repeat(MAX_INTEREST_LENGTH)] }))).toBe('ok')
    expect(code(p({ type: 'text', id: 'x'.repeat(64), body: 'y'.repeat(50) }))).toBe('ok')
    expect(code(p({ type: 'ack', seq: 0 }))).toBe('ok')
  })

  test('text keeps the body as sent; unknown fields are dropped', () => {
    expect(ok(p({ type: 'text', id: 'c1', body: '  Hi <b>there</b>\n', extra: 1 }))).toEqual({ type: 'text', id: 'c1', body: '  Hi <b>there</b>\n' })
  })

  test('typing, next, leave and ack', () => {
    expect(ok(p({ type: 'typing', active: false }))).toEqual({ type: 'typing', active: false })
    expect(ok(p({ type: 'next' }))).toEqual({ type: 'next' })
    expect(ok(p({ type: 'leave', why: 'bored' }))).toEqual({ type: 'leave' })
    expect(ok(p({ type: 'ack', seq: 12 }))).toEqual({ type: 'ack', seq: 12 })
  })
})

describe('interest normalisation (shared with the PWA)', () => {
  test('normaliseInterest', () => {
    expect(normaliseInterest('  Indie   ROCK ')).toBe('indie rock')
    expect(normaliseInterest('a\r\nb')).toBe('a b')
    expect(normaliseInterest('\u200b\u200e\u200f\ufeff\u00ad')).toBe('')
    expect(normaliseInterest('\u202dx\u202c\u2066y\u2069\u061cz')).toBe('xyz')
    expect(normaliseInterest('a \u200b b')).toBe('a b')
  })

  test('normaliseInterests drops empties and duplicates in order', () => {
    expect(normaliseInterests(['B', ' ', 'a', 'b ', '\u200b', 'A'])).toEqual(['b', 'a'])
  })
})
