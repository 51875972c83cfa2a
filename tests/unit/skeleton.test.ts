// The skeleton (api/safety/skeleton.ts): every spelling a reader takes for the same letters
// comes out as one string, and ordinary ASCII comes out as itself in lower case.
import { describe, expect, test } from 'bun:test'
import { compact, fold, skeleton } from '../../api/safety/skeleton'

describe('skeleton', () => {
  test('ASCII is only lower-cased: digits and "m" stay what they are (the table would make 0→O, m→rn)', () => {
    expect(skeleton('Call 0170 at 10:30, Mom!')).toBe('call 0170 at 10:30, mom!')
  })

  test('Cyrillic and Greek look-alikes, fullwidth, math and circled letters meet their Latin skeleton', () => {
    for (const s of ['ѕnарсhаt', 'ｓｎａｐｃｈａｔ', '𝐬𝐧𝐚𝐩𝐜𝐡𝐚𝐭', 'ⓢⓝⓐⓟⓒⓗⓐⓣ', 'SNAPCHAT', 'ЅNАРСНАТ']) expect({ s, k: skeleton(s) }).toEqual({ s, k: 'snapchat' })
    expect(skeleton('telegrαm')).toBe('telegram')
  })

  test('zero-width and other invisible characters, accents and combining marks are dropped', () => {
    expect(skeleton('sn\u200bap\u200dch\u2060at\u00ad')).toBe('snapchat')
    expect(skeleton('s̲n̲a̲p̲')).toBe('snap')
    expect(skeleton('snäpchät')).toBe('snapchat')
  })

  test('full stops of other scripts and the fullwidth @ are a dot and an @', () => {
    expect(skeleton('evil。com')).toBe('evil.com')
    expect(skeleton('evil．com')).toBe('evil.com')
    expect(skeleton('＠jane')).toBe('@jane')
  })

  test('a script without look-alikes keeps its own letters', () => {
    expect(skeleton('你好')).toBe('你好')
  })
})

describe('fold', () => {
  test('written-out and bracketed dots, hxxp and gaps in the scheme', () => {
    expect(fold('evil dot com')).toBe('evil.com')
    expect(fold('evil [.] com')).toBe('evil.com')
    expect(fold('evil(.)com')).toBe('evil.com')
    expect(fold('evil {dot} net')).toBe('evil.net')
    expect(fold('evil . com')).toBe('evil.com')
    expect(fold('hxxps://evil[.]com')).toBe('https://evil.com')
    expect(fold('jane[at]mail[dot]com')).toBe('jane@mail.com')
  })

  test('spaced-out letters are rejoined, keeping a dot that was in a gap', () => {
    expect(fold('s n a p c h a t jane')).toBe('snapchat jane')
    expect(fold('s.n.a.p.c.h.a.t')).toBe('snapchat')
    expect(fold('e v i l . c o m')).toBe('evil.com')
  })

  test('ordinary punctuation is left alone', () => {
    expect(fold('ok. so what do you do?')).toBe('ok. so what do you do?')
    expect(fold('i am a boy')).toBe('i am a boy')
  })

  test('compact reads digits back as the letters they stand for', () => {
    expect(compact('sn4pch4t 1nsta')).toBe('snapchatinsta')
  })
})
