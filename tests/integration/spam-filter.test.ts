// The spam and contact filter against the live server: links, handles and phone numbers in the
// spellings people use to slip past a plain pattern are refused as `spam` over the WebSocket,
// whenever in the first seconds of a chat they come (not only in its first three texts), and
// ordinary talk in several languages goes through.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { meet, person } from '../support/people'

describe('the spam filter on the live server', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({
      SPAM_LINK_GRACE_SECONDS: '30',
      SPAM_REPEAT_STRANGERS: '2',
      // Every refusal here is wanted: no quarantine, no closed socket.
      QUARANTINE_STRIKES: '0',
      ABUSE_STRIKES_BEFORE_CLOSE: '1000',
      MATCH_FALLBACK_MS: '60000',
      REPAIR_COOLDOWN_MS: '0',
    })
  })
  afterAll(() => app.close())

  test('look-alike, fullwidth, spaced, written-out, bracketed, non-Latin and phone spellings are refused as spam', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const variants = [
      'snapchat jane99',
      'ѕnарсhаt jane99',
      'ｓｎａｐｃｈａｔ jane99',
      's n a p c h a t jane99',
      'evil dot com',
      'пример.рф',
      'hxxps://evil[.]com',
      '+44 20 7946 0958',
      'ig: jane.doe',
      'evil.c\u200bom',
      'abcdefghijklmnop.onion',
      'follow ＠jane_doe',
    ]
    for (const [i, body] of variants.entries()) {
      a.send({ type: 'text', id: `v${i}`, body })
      const e = await a.next('error')
      expect({ body, code: e.code }).toEqual({ body, code: 'spam' })
    }
    // Nothing of it reached the stranger; an ordinary text after it does.
    a.send({ type: 'text', id: 'fine', body: 'sorry, where are you from?' })
    expect((await b.next('text')).body).toBe('sorry, where are you from?')
    expect(b.all('text').map(t => t.body)).toEqual(['sorry, where are you from?'])
    a.close()
    b.close()
  })

  test('ordinary chat with numbers, times and prices in several languages passes', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    const talk = [
      'hi',
      'I live in DC, near the mall',
      'the ticket was $12.50 at 10:30 pm',
      'Es kostet 4,99 € im Laden.',
      'Привет! Мне 22 года.',
      '今日は3時に起きた。',
      'ok. so what do you do?',
    ]
    for (const [i, body] of talk.entries()) {
      a.send({ type: 'text', id: `t${i}`, body })
      expect((await b.next('text')).body).toBe(body)
    }
    expect(a.all('error')).toEqual([])
    a.close()
    b.close()
  })

  test('a link one second after three fillers is refused (screening is by time, not by the first three texts)', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    for (const [i, body] of ['hi', 'hey', 'ok'].entries()) {
      a.send({ type: 'text', id: `f${i}`, body })
      expect((await b.next('text')).body).toBe(body)
    }
    await Bun.sleep(1000)
    a.send({ type: 'text', id: 'link', body: 'evil dot com' })
    expect((await a.next('error')).code).toBe('spam')
    expect(await b.nothing('text', 200)).toBe(true)
    a.close()
    b.close()
  })

  test('a pitch after three fillers, one letter changed, is refused past SPAM_REPEAT_STRANGERS strangers', async () => {
    const spammer = await person(app)
    const pitches = ['Hot singles near you, visit my profile now', 'Hot singles near you, visit my profile nOw', 'Hot singles neаr you, visit my profilx now']
    for (const [i, pitch] of pitches.entries()) {
      const victim = await person(app)
      await meet(spammer, victim)
      for (const [j, body] of ['hi', 'hey', 'ok'].entries()) {
        spammer.send({ type: 'text', id: `f${i}${j}`, body })
        await victim.next('text')
      }
      spammer.send({ type: 'text', id: `p${i}`, body: pitch })
      if (i < 2) expect((await victim.next('text')).body).toBe(pitch)
      else {
        expect((await spammer.next('error')).code).toBe('spam')
        expect(await victim.nothing('text', 200)).toBe(true)
      }
      spammer.send({ type: 'leave' })
      await victim.next('ended')
      victim.close()
    }
    spammer.close()
  })

  test('a link or handle split over the last texts is refused', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    a.send({ type: 'text', id: 's1', body: 'evil.' })
    expect((await b.next('text')).body).toBe('evil.')
    a.send({ type: 'text', id: 's2', body: 'com' })
    expect((await a.next('error')).code).toBe('spam')
    a.send({ type: 'text', id: 's3', body: 'my' })
    expect((await b.next('text')).body).toBe('my')
    a.send({ type: 'text', id: 's4', body: 'ig is jane' })
    expect((await a.next('error')).code).toBe('spam')
    a.close()
    b.close()
  })
})
