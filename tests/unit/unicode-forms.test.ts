// Hole 4: Unicode forms. Interests meet across normalisation forms, widths and case; invisible
// fillers neither make a blank message nor split one interest into two; emoji keep their
// presentation selectors in messages.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { normaliseInterest, normaliseInterests } from '../../api/chat/interests'
import { cleanText, isVisible, NEEDS_CLEANING } from '../../api/chat/text'
import { createFrameParser } from '../../api/chat/protocol'

/** Every filler the server strips, one per entry (astral ones as surrogate pairs). */
const FILLERS = [
  '\u034f',
  '\u115f',
  '\u1160',
  '\u17b4',
  '\u17b5',
  '\u180b',
  '\u180c',
  '\u180d',
  '\u180e',
  '\u180f',
  '\u2800',
  '\u3164',
  '\ufe00',
  '\ufe0e',
  '\ufe0f',
  '\uffa0',
  '\u{e0000}',
  '\u{e0001}',
  '\u{e0041}',
  '\u{e007f}',
  '\u{e0100}',
  '\u{e01ef}',
]
const TRICKY = [
  ...FILLERS,
  ' ',
  '\u200b',
  '\u200d',
  '\u00a0',
  '\u3000',
  'a',
  'E',
  '1',
  '#',
  '\u20e3',
  '❤',
  '🏴',
  '\u{e0067}',
  '\u{e0062}',
  '\u{e0065}',
  '\u{e006e}',
  'é',
  'e\u0301',
  'ｃ',
  'ß',
  'İ',
  '\ud800',
]
const tricky = fc.array(fc.constantFrom(...TRICKY), { maxLength: 12 }).map(a => a.join(''))
const anything = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }))

describe('interests', () => {
  test('"café" in NFC meets NFD, fullwidth meets ASCII, ligatures and case fold', () => {
    expect(normaliseInterest('caf\u00e9')).toBe(normaliseInterest('cafe\u0301'))
    expect(normaliseInterest('ｃａｔｓ')).toBe('cats')
    expect(normaliseInterest('ＣＡＴＳ')).toBe('cats')
    expect(normaliseInterest('ﬁsh')).toBe('fish')
    expect(normaliseInterest('Ｊａｚｚ　Ｍｕｓｉｃ')).toBe('jazz music')
    expect(normaliseInterests(['Café', 'CAFE\u0301', 'ｃａｆé'])).toEqual(['café'])
  })

  test('fillers, tags and variation selectors vanish: a filler-only interest is empty, a padded one is the plain one', () => {
    for (const f of FILLERS) {
      expect([f, normaliseInterest(f.repeat(3))]).toEqual([f, ''])
      expect([f, normaliseInterest(`ca${f}ts`)]).toEqual([f, 'cats'])
    }
    expect(normaliseInterest('\u3164 \u2800 \uffa0')).toBe('')
    expect(normaliseInterest('❤\ufe0f')).toBe(normaliseInterest('❤'))
    expect(normaliseInterest('cats\u{e0069}\u{e0067}\u{e006e}')).toBe('cats')
    // A joiner between a letter and its accent does not keep them apart.
    expect(normaliseInterest('cafe\u034f\u0301')).toBe('café')
  })

  test('normalising twice changes nothing (property)', () => {
    fc.assert(
      fc.property(anything, s => {
        const once = normaliseInterest(s)
        expect(normaliseInterest(once)).toBe(once)
        expect(once).toBe(once.normalize('NFKC'))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('message text', () => {
  test('fillers are stripped; a message of nothing else is blank', () => {
    for (const f of FILLERS) {
      expect([f, cleanText(`a${f}b`)]).toEqual([f, 'ab'])
      expect([f, isVisible(cleanText(f.repeat(5)))]).toEqual([f, false])
      expect([f, isVisible(cleanText(` ${f}\u200b${f} `))]).toEqual([f, false])
    }
    expect(isVisible(cleanText('\u3164'))).toBe(false)
    expect(isVisible(cleanText('\u200b\u200d\u2060'))).toBe(false)
    expect(isVisible(cleanText('.'))).toBe(true)
  })

  test('emoji keep VS15/VS16, keycaps and subdivision flags; other selectors and smuggled tags go', () => {
    for (const e of [
      '❤\ufe0f',
      '☺\ufe0e',
      '1\ufe0f\u20e3',
      '#\ufe0f\u20e3',
      '🏳\ufe0f\u200d🌈',
      '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}',
      '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
    ]) {
      expect(cleanText(e)).toBe(e)
      expect(isVisible(cleanText(e))).toBe(true)
    }
    expect(cleanText('❤\ufe0f\ufe0f')).toBe('❤\ufe0f')
    expect(cleanText('a\ufe0f')).toBe('a')
    expect(cleanText('1\ufe0f')).toBe('1')
    expect(cleanText('\u8fbb\u{e0100}')).toBe('\u8fbb')
    // ASCII smuggled as tag characters after a flag or plain text.
    expect(cleanText('hi\u{e0069}\u{e0067}\u{e006e}\u{e006f}\u{e0072}\u{e0065}')).toBe('hi')
    expect(cleanText('\u{1f3f4}\u{e0041}\u{e0042}\u{e007f}')).toBe('\u{1f3f4}')
  })

  test('cleaning is idempotent, and text the pre-test passes is left as it is (property)', () => {
    fc.assert(
      fc.property(anything, s => {
        const once = cleanText(s)
        expect(cleanText(once)).toBe(once)
        if (!NEEDS_CLEANING.test(s)) expect(once).toBe(s)
      }),
      { numRuns: 3000 },
    )
  })

  test('the frame parser refuses a filler-only message as bad_frame and keeps an emoji one', () => {
    const parse = createFrameParser({ maxTextLength: 100, maxFrameBytes: 4096 })
    for (const body of ['\u3164', '\u2800\u2800', '\u115f\u1160', ' \ufe0f ', '\u{e0041}\u{e0042}', '\u034f\u200b']) {
      expect(parse(JSON.stringify({ type: 'text', id: 'x', body }))).toMatchObject({ ok: false, code: 'bad_frame', message: 'text: body: message is blank' })
    }
    expect(parse(JSON.stringify({ type: 'text', id: 'x', body: '❤\ufe0f' }))).toEqual({ ok: true, frame: { type: 'text', id: 'x', body: '❤\ufe0f' } })
  })
})
