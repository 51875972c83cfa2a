// Property-based fuzz of the client frame parser: whatever a client sends, the parser returns a
// value (never throws) that is either a frame or one of the stable error codes, and every frame it
// accepts survives a round trip unchanged.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { CLIENT_FRAME_TYPES, createFrameParser, ERROR_CODES, type ParseResult } from '../../api/chat/protocol'
import { MAX_INTEREST_LENGTH, MAX_INTERESTS } from '../../api/chat/interests'

const limits = { maxTextLength: 200, maxFrameBytes: 2048 }
const parse = createFrameParser(limits)
const RUNS = { numRuns: 2000 }

function wellFormed(r: ParseResult) {
  if (r.ok) {
    expect(CLIENT_FRAME_TYPES).toContain(r.frame.type)
  } else {
    expect(ERROR_CODES).toContain(r.code)
    expect(typeof r.message).toBe('string')
    expect(r.message.length).toBeGreaterThan(0)
  }
}

// Invisible fillers, tag characters and emoji selectors mixed with text (hole 4).
const fillerText = fc
  .array(
    fc.constantFrom(
      '\u3164',
      '\u2800',
      '\u1160',
      '\uffa0',
      '\u17b4',
      '\u180b',
      '\u034f',
      '\ufe0e',
      '\ufe0f',
      '\u{e0020}',
      '\u{e007f}',
      '\u{e01ef}',
      '❤',
      '🏴',
      '#',
      '\u20e3',
      'x',
      ' ',
    ),
    { maxLength: 20 },
  )
  .map(a => a.join(''))
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fillerText)
const field = fc.oneof(fc.constantFrom(...CLIENT_FRAME_TYPES), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), anyText)
/** Objects that look like frames: a known (or tricky) type plus arbitrary fields of any JSON type. */
const frameish = fc.record({
  type: field,
  interests: fc.option(fc.oneof(fc.array(fc.oneof(anyText, fc.jsonValue()), { maxLength: 14 }), fc.jsonValue()), { nil: undefined }),
  random: fc.option(fc.jsonValue(), { nil: undefined }),
  id: fc.option(fc.oneof(anyText, fc.jsonValue()), { nil: undefined }),
  body: fc.option(fc.oneof(anyText, fc.jsonValue()), { nil: undefined }),
  active: fc.option(fc.jsonValue(), { nil: undefined }),
  seq: fc.option(fc.oneof(fc.integer(), fc.double(), fc.jsonValue()), { nil: undefined }),
  token: fc.option(fc.oneof(anyText, fc.jsonValue()), { nil: undefined }),
  nonce: fc.option(fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/), fc.jsonValue()), { nil: undefined }),
})

const interest = fc
  .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_INTEREST_LENGTH }), fillerText)
  .filter(s => /[a-z0-9]/i.test(s) && s.length <= MAX_INTEREST_LENGTH)
const validFrame = fc.oneof(
  fc.record({ type: fc.constant('find'), interests: fc.array(interest, { maxLength: MAX_INTERESTS }), random: fc.boolean() }),
  fc.record({
    type: fc.constant('text'),
    id: fc.string({ minLength: 1, maxLength: 64 }),
    body: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 150 }), fillerText).filter(s => /[a-z0-9]/i.test(s)),
  }),
  fc.record({ type: fc.constant('typing'), active: fc.boolean() }),
  fc.record({ type: fc.constant('next') }),
  fc.record({ type: fc.constant('leave') }),
  fc.record({ type: fc.constant('ack'), seq: fc.nat() }),
  fc.record({ type: fc.constant('block') }),
  fc.record({ type: fc.constant('proof'), token: fc.string({ minLength: 1, maxLength: 256 }), nonce: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/) }),
)

describe('frame parser fuzz', () => {
  test('arbitrary strings (any UTF-16, lone surrogates included) never throw and give a frame or a known code', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), s => wellFormed(parse(s))),
      RUNS,
    )
  })

  test('arbitrary JSON values never throw and give a frame or a known code', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), v => wellFormed(parse(JSON.stringify(v) ?? 'null'))),
      RUNS,
    )
  })

  test('frame-shaped objects with hostile field values never throw', () => {
    fc.assert(
      fc.property(frameish, f => {
        const r = parse(JSON.stringify(f))
        wellFormed(r)
        // The parser never hands the hub a frame whose type it does not handle.
        if (r.ok) expect(r.frame.type).toBe(f.type as (typeof CLIENT_FRAME_TYPES)[number])
      }),
      RUNS,
    )
  })

  test('binary frames are refused as binary_not_supported', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), b => {
        const r = parse(b)
        expect(r).toMatchObject({ ok: false, code: 'binary_not_supported' })
      }),
      { numRuns: 300 },
    )
  })

  test('anything over the byte limit is too_large, whatever it contains', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }), s => {
        const big = s.repeat(Math.ceil((limits.maxFrameBytes + 1) / Buffer.byteLength(s)))
        expect(parse(big)).toMatchObject({ ok: false, code: 'too_large' })
      }),
      { numRuns: 300 },
    )
  })

  test('valid frames are accepted and round-trip: parse(stringify(parse(x))) equals parse(x)', () => {
    fc.assert(
      fc.property(validFrame, f => {
        const r = parse(JSON.stringify(f))
        if (!r.ok) throw new Error(`valid frame refused: ${JSON.stringify(f)} → ${r.code} ${r.message}`)
        expect(r.frame.type).toBe(f.type)
        const again = parse(JSON.stringify(r.frame))
        expect(again).toEqual(r)
      }),
      RUNS,
    )
  })

  test('deep nesting is refused, not a stack overflow', () => {
    for (const depth of [100, 1000, 2000]) {
      const nested = '['.repeat(depth) + ']'.repeat(depth)
      wellFormed(parse(nested))
      wellFormed(parse(`{"type":"find","interests":${'['.repeat(depth / 2)}${']'.repeat(depth / 2)}}`))
    }
  })
})
