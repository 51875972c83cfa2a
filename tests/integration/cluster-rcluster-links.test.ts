// Two real app processes on a private 3-master Redis Cluster while the nodes' subscriber links to
// one master keep being dropped (CLIENT KILL TYPE pubsub there) during chats. ioredis connects and
// subscribes again by itself, but a frame that master publishes in between reaches no node: the
// node pings each partition of that master until its subscription is back, then probes its
// sessions there and sends those that missed a frame to resume, which replays it. Every text and
// every receipt arrives once, in order, and no chat ends. Runs in the MariaDB suite.
import { describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { chatter, until, useRedisClusterChats } from '../support/rcluster-chats'

const enabled = process.env.TEST_BACKEND === 'mysql'

describe.if(enabled)('two nodes on a Redis Cluster whose subscriber links to one master drop', () => {
  const chats = useRedisClusterChats()

  test('frames that master published before a node subscribed again reach their sessions once, in order; no chat ends', async () => {
    const { rc, c } = chats
    const pairs = await Promise.all(Array.from({ length: 8 }, () => chats.strangers()))
    const dropped = 0
    const onIt: typeof pairs = []
    for (const p of pairs) if ((await chats.onMaster(dropped, p.a.session)) || (await chats.onMaster(dropped, p.b.session))) onIt.push(p)

    const master = new RedisClient(`redis://127.0.0.1:${rc.ports[dropped]}`)
    let done = false
    let kills = 0
    const talks = pairs.flatMap(({ a, b }, i) => [chatter(a, b, `a${i}`, () => done), chatter(b, a, `b${i}`, () => done)])
    // A drop every 150 ms for 3 s: each reconnect leaves a gap of a few ms to a few hundred.
    const end = Date.now() + 3000
    while (Date.now() < end) {
      kills += Number(await master.send('CLIENT', ['KILL', 'TYPE', 'pubsub']))
      await Bun.sleep(150)
    }
    done = true
    const sent = await Promise.all(talks)
    master.close()
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()

    for (const [i, { a, b }] of pairs.entries()) {
      // Once each, in order, both ways: what each app shows, and the receipts each sender got.
      expect(b.all('text').map(t => t.body)).toEqual(sent[2 * i]!)
      expect(a.all('delivered').map(d => d.id)).toEqual(sent[2 * i]!)
      expect(a.all('text').map(t => t.body)).toEqual(sent[2 * i + 1]!)
      expect(b.all('delivered').map(d => d.id)).toEqual(sent[2 * i + 1]!)
      expect(a.all('ended')).toEqual([])
      expect(b.all('ended')).toEqual([])
    }
    // Chats still flow after the last drop, without anyone resuming for it.
    for (const [i, { a, b }] of pairs.entries()) {
      a.send({ type: 'text', id: `z${i}`, body: `after ${i}` })
      await until(`after ${i}`, () => b.all('text').some(t => t.body === `after ${i}`), 10_000)
    }
    // The drops hit the nodes' subscribers, and some chat has a session on that master (probability above 0.99).
    expect(kills).toBeGreaterThan(0)
    expect(onIt.length).toBeGreaterThan(0)
    console.log(
      `subscriber links dropped ${kills} times; ${onIt.length} of ${pairs.length} chats had a session on that master; ${pairs.reduce((n, p) => n + p.a.resumes + p.b.resumes, 0)} resumes`,
    )
  }, 120_000)
})
