import { describe, expect, test } from 'bun:test'
import { createTranscripts } from '../../api/safety/transcripts'

describe('rolling transcripts', () => {
  test('keeps only the last N lines of a chat', () => {
    const t = createTranscripts({ maxLines: 3 })
    for (let i = 1; i <= 5; i++) t.observer.onText!('c1', i % 2 ? 'a' : 'b', `m${i}`, i)
    expect(t.lines('c1')!.map(l => l.body)).toEqual(['m3', 'm4', 'm5'])
    t.close()
  })

  test('keeps within a character budget', () => {
    const t = createTranscripts({ maxLines: 100, maxChars: 25 })
    for (let i = 0; i < 10; i++) t.observer.onText!('c1', 'a', 'x'.repeat(10), i)
    const kept = t.lines('c1')!
    expect(kept.reduce((n, l) => n + l.body.length, 0)).toBeLessThanOrEqual(25)
    expect(kept.length).toBe(2)
    t.close()
  })

  test('drops a chat a while after it ends, and not before', async () => {
    const t = createTranscripts({ keepAfterEndMs: 60 })
    t.observer.onText!('c1', 'a', 'hi', 1)
    t.observer.onText!('c2', 'a', 'hi', 1)
    t.observer.onChatEnded!('c1', 'left')
    expect(t.lines('c1')).not.toBeNull()
    await Bun.sleep(120)
    expect(t.lines('c1')).toBeNull()
    expect(t.lines('c2')).not.toBeNull()
    t.close()
    expect(t.size).toBe(0)
  })

  test('caps how many chats are kept', () => {
    const t = createTranscripts({ maxChats: 10 })
    for (let i = 0; i < 100; i++) t.observer.onText!(`c${i}`, 'a', 'hi', i)
    expect(t.size).toBe(10)
    expect(t.lines('c99')).not.toBeNull()
    t.close()
  })
})

describe('rolling transcripts against a plain model', () => {
  test('the ring keeps exactly what a list trimmed by lines and characters keeps', () => {
    let seed = 7
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    for (const [maxLines, maxChars] of [
      [1, 50],
      [3, 20],
      [5, 1000],
      [30, 12_000],
      [4, 9],
    ] as const) {
      const t = createTranscripts({ maxLines, maxChars })
      const model: Array<{ from: string; body: string; at: number }> = []
      for (let i = 0; i < 400; i++) {
        const line = { from: i % 3 ? 'a' : 'b', body: 'x'.repeat(1 + rand(12)) + i, at: i }
        t.observer.onText!('c', line.from, line.body, line.at)
        model.push(line)
        let chars = model.reduce((n, l) => n + l.body.length, 0)
        while (model.length > maxLines || (chars > maxChars && model.length > 1)) chars -= model.shift()!.body.length
        expect(t.lines('c')).toEqual(model)
      }
      t.close()
    }
  })
})

describe('an ended chat, packed for its keep', () => {
  const line = (from: string, i: number) => ({ from, body: `line ${i}`, at: 1_700_000_000_000 + i })
  function ended(maxLines: number, senders: (i: number) => string, n: number) {
    const t = createTranscripts({ maxLines })
    const model = []
    for (let i = 0; i < n; i++) {
      const l = line(senders(i), i)
      t.observer.onText!('c', l.from, l.body, l.at)
      model.push(l)
    }
    t.observer.onChatEnded!('c', 'left')
    return { t, model: model.slice(-maxLines) }
  }

  test('reads back the same lines, senders and times as before it ended, for every length of ring', () => {
    for (const n of [1, 2, 7, 30, 31, 45]) {
      const { t, model } = ended(30, i => (i % 3 ? 'sess-a' : 'sess-b'), n)
      expect(t.lines('c')).toEqual(model)
      t.close()
    }
  })

  test('one sender only, a ring longer than a packed chat holds, and three senders are kept as they were', () => {
    for (const [maxLines, senders] of [
      [30, () => 'solo'],
      [40, (i: number) => (i % 2 ? 'x' : 'y')],
      [30, (i: number) => ['x', 'y', 'z'][i % 3]!],
    ] as const) {
      const { t, model } = ended(maxLines, senders, 50)
      expect(t.lines('c')).toEqual(model)
      t.close()
    }
  })

  test('a line relayed after the end is still kept, and the chat is still dropped on time', async () => {
    const t = createTranscripts({ maxLines: 3, keepAfterEndMs: 60 })
    t.observer.onText!('c', 'a', 'one', 1)
    t.observer.onText!('c', 'b', 'two', 2)
    t.observer.onChatEnded!('c', 'left')
    t.observer.onText!('c', 'a', 'late', 3)
    t.observer.onText!('c', 'b', 'later', 4)
    expect(t.lines('c')!.map(l => `${l.from}:${l.body}`)).toEqual(['b:two', 'a:late', 'b:later'])
    t.observer.onChatEnded!('c', 'left')
    await Bun.sleep(120)
    expect(t.lines('c')).toBeNull()
    t.close()
  })

  describe('an ended chat no one can report any more', () => {
    /** Chat `c` between sessions a and b, ended, both sides told (as the local backend does). */
    function endedChat(t: ReturnType<typeof createTranscripts>, chat = 'c', a = 'a', b = 'b') {
      t.observer.onText!(chat, a, 'hello', 1)
      t.observer.onText!(chat, b, 'hi', 2)
      t.observer.onChatEnded!(chat, 'left')
      t.reportableBy(chat, a)
      t.reportableBy(chat, b)
    }

    test('is dropped once both of its sessions are gone, and kept while one of them lives', () => {
      const t = createTranscripts()
      endedChat(t)
      t.sessionGone('a')
      expect(t.lines('c')!.map(l => l.body)).toEqual(['hello', 'hi'])
      t.sessionGone('b')
      expect(t.lines('c')).toBeNull()
      expect(t.size).toBe(0)
      t.close()
    })

    test('is dropped once both sides have had a newer chat end (a report is about the last chat only)', () => {
      const t = createTranscripts()
      endedChat(t, 'c1', 'a', 'b')
      endedChat(t, 'c2', 'a', 'x')
      expect(t.lines('c1')).not.toBeNull()
      // b's next chat had no text kept: it still replaces c1 as b's last chat.
      t.observer.onChatEnded!('c3', 'left')
      t.reportableBy('c3', 'b')
      expect(t.lines('c1')).toBeNull()
      expect(t.lines('c2')).not.toBeNull()
      t.close()
    })

    test('a session told twice of the same end holds it once', () => {
      const t = createTranscripts()
      endedChat(t)
      t.reportableBy('c', 'a')
      t.sessionGone('a')
      t.sessionGone('a')
      expect(t.lines('c')).not.toBeNull()
      t.sessionGone('b')
      expect(t.lines('c')).toBeNull()
      t.close()
    })

    test('a live chat is never dropped by a session going, and a chat no side was told of waits out the keep', async () => {
      const t = createTranscripts({ keepAfterEndMs: 60 })
      t.observer.onText!('live', 'a', 'still talking', 1)
      t.reportableBy('live', 'a')
      t.sessionGone('a')
      expect(t.lines('live')).not.toBeNull()
      t.observer.onText!('quiet', 'a', 'bye', 1)
      t.observer.onChatEnded!('quiet', 'left')
      t.sessionGone('a')
      expect(t.lines('quiet')).not.toBeNull()
      await Bun.sleep(120)
      expect(t.lines('quiet')).toBeNull()
      expect(t.lines('live')).not.toBeNull()
      t.close()
    })

    test('the drop queue does not keep the ids of chats dropped early, and still drops the rest on time', async () => {
      const t = createTranscripts({ keepAfterEndMs: 80 })
      for (let i = 0; i < 1000; i++) {
        endedChat(t, `c${i}`, `a${i}`, `b${i}`)
        if (i % 10 !== 0) {
          t.sessionGone(`a${i}`)
          t.sessionGone(`b${i}`)
        }
      }
      expect(t.size).toBe(100)
      expect(t.queued).toBeLessThanOrEqual(2 * 100 + 65)
      for (let i = 0; i < 1000; i += 10) expect(t.lines(`c${i}`)!.length).toBe(2)
      await Bun.sleep(160)
      expect(t.size).toBe(0)
      expect(t.queued).toBe(0)
      t.close()
    })

    test('a late line keeps the holders: the chat still goes with its last session', () => {
      const t = createTranscripts({ maxLines: 3 })
      endedChat(t)
      t.observer.onText!('c', 'a', 'late', 3)
      t.sessionGone('a')
      expect(t.lines('c')!.map(l => l.body)).toEqual(['hello', 'hi', 'late'])
      t.sessionGone('b')
      expect(t.lines('c')).toBeNull()
      t.close()
    })
  })
})
