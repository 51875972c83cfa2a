import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { acceptHotFrame, createFrameParser, encodeSequenced, ERROR_CODES, RECEIPT_PREFIX, type ParseResult } from '../../api/chat/protocol'
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
      [{ type: 'find', interests: [], languages: 'en' }, 'find: languages'],
      [{ type: 'find', interests: [], languages: ['pt-BR'] }, 'primary language subtag'],
      [{ type: 'find', interests: [], languages: ['english'] }, 'primary language subtag'],
      [{ type: 'find', interests: [], languages: [7] }, 'find: languages.0'],
      [{ type: 'find', interests: [], languages: ['en', 'es', 'pt', 'fr'] }, 'at most 3 languages'],
      [{ type: 'find', interests: [], anyLanguage: 'yes' }, 'find: anyLanguage'],
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

  test("find drops duplicates after normalisation, keeping the first spelling's position", () => {
    const f = ok(p({ type: 'find', interests: ['Go', 'chess', ' go', 'GO\u200b', 'Chess'] }))
    expect(f).toMatchObject({ interests: ['go', 'chess'] })
  })

  test('find: random defaults to true, can be false, and no interests is fine', () => {
    expect(ok(p({ type: 'find', interests: [] }))).toEqual({ type: 'find', interests: [], random: true })
    expect(ok(p({ type: 'find', interests: ['x'], random: false }))).toEqual({ type: 'find', interests: ['x'], random: false })
  })

  test('find: languages (0–3 primary subtags) and anyLanguage are optional and kept as sent', () => {
    expect(ok(p({ type: 'find', interests: [], languages: ['pt', 'en', 'fil'], anyLanguage: false }))).toEqual({
      type: 'find',
      interests: [],
      random: true,
      languages: ['pt', 'en', 'fil'],
      anyLanguage: false,
    })
    expect(ok(p({ type: 'find', interests: [], languages: [] }))).toEqual({ type: 'find', interests: [], random: true, languages: [] })
    // Case does not matter on the wire: a primary subtag is lower-cased (and duplicates dropped).
    expect(ok(p({ type: 'find', interests: [], languages: ['EN', 'en', 'Pt'] }))).toMatchObject({ languages: ['en', 'pt'] })
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

  test('block takes no fields; proof takes a token and a nonce of letters, digits, _ and -', () => {
    expect(ok(p({ type: 'block', who: 'x' }))).toEqual({ type: 'block' })
    expect(ok(p({ type: 'proof', token: 'v1.16.1.a.b', nonce: 'a_Z-9', extra: 1 }))).toEqual({ type: 'proof', token: 'v1.16.1.a.b', nonce: 'a_Z-9' })
    expect(code(p({ type: 'proof', token: 'v1', nonce: 'a b' }))).toBe('bad_frame')
    expect(code(p({ type: 'proof', token: 'x'.repeat(257), nonce: 'a' }))).toBe('bad_frame')
    expect(code(p({ type: 'proof', nonce: 'a' }))).toBe('bad_frame')
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

describe('hot path for text, typing, ack, next and leave', () => {
  // Every frame must parse exactly as the zod schema alone parses it: same frame, same refusal.
  const limits = { maxTextLength: 20, maxFrameBytes: 4096 }
  const fast = createFrameParser(limits)
  const reference = createFrameParser(limits, { hotPath: false })

  const text = fc.oneof(
    fc.string({ maxLength: 25 }),
    fc.string({ unit: 'grapheme', maxLength: 25 }),
    fc.string({ unit: 'binary', maxLength: 25 }),
    // Invisible fillers and emoji selectors (hole 4): blank or not, the two parsers must agree.
    fc
      .array(fc.constantFrom('\u3164', '\u2800', '\u115f', '\u034f', '\ufe0f', '\u{e0041}', '\u{e0100}', '\u200b', ' ', 'a', '❤', '1', '\u20e3'), { maxLength: 8 })
      .map(a => a.join('')),
    fc.constantFrom(
      '',
      ' ',
      '\t\n',
      '\u00a0',
      '\ufeff',
      '\u2028',
      ' x ',
      '😀'.repeat(11),
      '😀'.repeat(20),
      '😀'.repeat(21),
      'é'.repeat(20),
      '\ud800',
      'a'.repeat(64),
      'a'.repeat(65),
      '😀'.repeat(33),
    ),
  )
  const anyValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }))
  const seq = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53, 2 ** 53 - 1, 1e300, 0.5), anyValue)
  const frame = fc.record(
    {
      type: fc.constantFrom('text', 'typing', 'ack', 'seen', 'next', 'leave', 'find', 'block', 'proof'),
      id: fc.oneof(text, anyValue),
      replyTo: seq,
      body: fc.oneof(text, anyValue),
      active: fc.oneof(fc.boolean(), anyValue),
      seq,
      token: fc.oneof(text, anyValue),
      nonce: fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9_-]{0,34}$/), anyValue),
      extra: anyValue,
    },
    { requiredKeys: ['type'] },
  )

  test('agrees with the zod schema on every generated frame', () => {
    fc.assert(
      fc.property(frame, f => {
        const raw = JSON.stringify(f)
        expect(fast(raw)).toEqual(reference(raw))
      }),
      { numRuns: 3000 },
    )
  })

  test('actually takes the common frames (and nothing the schema refuses)', () => {
    expect(acceptHotFrame('text', { type: 'text', id: 'a', body: 'hi', x: 1 }, 20)).toEqual({ type: 'text', id: 'a', body: 'hi' })
    expect(acceptHotFrame('typing', { type: 'typing', active: true }, 20)).toEqual({ type: 'typing', active: true })
    expect(acceptHotFrame('ack', { type: 'ack', seq: 7 }, 20)).toEqual({ type: 'ack', seq: 7 })
    expect(acceptHotFrame('seen', { type: 'seen', seq: 7 }, 20)).toEqual({ type: 'seen', seq: 7 })
    expect(acceptHotFrame('next', { type: 'next' }, 20)).toEqual({ type: 'next' })
    expect(acceptHotFrame('block', { type: 'block', x: 1 }, 20)).toEqual({ type: 'block' })
    expect(acceptHotFrame('proof', { type: 'proof', token: 'a', nonce: 'b' }, 20)).toBeNull()
    expect(acceptHotFrame('text', { type: 'text', id: 'a', body: '   ' }, 20)).toBeNull()
    expect(acceptHotFrame('ack', { type: 'ack', seq: 1.5 }, 20)).toBeNull()
    expect(acceptHotFrame('find', { type: 'find', interests: [] }, 20)).toBeNull()
  })
})

describe('encodeSequenced', () => {
  test('text and delivered frames parse back to the frame with its seq; a receipt starts with RECEIPT_PREFIX', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 64 }), fc.nat(), fc.nat(), (body, id, at, seq) => {
        const text = encodeSequenced({ type: 'text', body, at, from: 'stranger' }, seq)
        expect(JSON.parse(text)).toEqual({ type: 'text', body, at, from: 'stranger', seq })
        const delivered = encodeSequenced({ type: 'delivered', id, at }, seq)
        expect(JSON.parse(delivered)).toEqual({ type: 'delivered', id, at, seq })
        expect(delivered.startsWith(RECEIPT_PREFIX)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  test('other frames go through JSON.stringify with their seq', () => {
    expect(JSON.parse(encodeSequenced({ type: 'ended', by: 'you', reason: 'next' }, 9))).toEqual({ type: 'ended', by: 'you', reason: 'next', seq: 9 })
    expect(JSON.parse(encodeSequenced({ type: 'matched', chat: 'c', common: ['a'], languages: ['pt'] }, 1))).toEqual({
      type: 'matched',
      chat: 'c',
      common: ['a'],
      languages: ['pt'],
      seq: 1,
    })
  })
})
