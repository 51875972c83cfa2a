import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { pair } from '../support/ws-client'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ MATCH_FALLBACK_MS: '300' })
})
afterAll(() => app.close())

describe('chat basics', () => {
  test('two strangers who share an interest are matched and see what they have in common', async () => {
    const a = await app.client()
    const b = await app.client()
    a.send({ type: 'find', interests: ['Chess', 'jazz'], random: false })
    expect((await a.next('queued')).interests).toEqual(['chess', 'jazz'])
    b.send({ type: 'find', interests: ['jazz ', 'go'] })
    const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')])
    expect(ma.chat).toBe(mb.chat)
    expect(ma.common).toEqual(['jazz'])
    expect(mb.common).toEqual(['jazz'])
    a.close()
    b.close()
  })

  test('a text is relayed to the partner and acknowledged to the sender with delivered', async () => {
    const { a, b } = await pair(() => app.client())
    a.send({ type: 'text', id: 'c1', body: 'hello there' })
    const t = await b.next('text')
    expect(t).toMatchObject({ body: 'hello there', from: 'stranger' })
    const d = await a.next('delivered')
    expect(d.id).toBe('c1')
    expect(d.seq).toBeGreaterThan(0)
    a.close()
    b.close()
  })
})
