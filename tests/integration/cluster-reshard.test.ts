// Two real app processes on a private 3-master Redis Cluster while `redis-cli --cluster reshard`
// moves every slot of one master to another during chats. The client follows ASK, TRYAGAIN and
// MOVED; sharded PUB/SUB drops what the new master publishes before a node has subscribed there
// again, so a node checks the sessions of each partition that moved (partition-moves.ts) and sends
// those that missed a frame to resume, as a real client does after a restart. Every text and every
// receipt arrives once, in order, and no chat ends. Runs in the MariaDB suite.
import { describe, expect, test } from 'bun:test'
import { chatter, until, useRedisClusterChats } from '../support/rcluster-chats'

const enabled = process.env.TEST_BACKEND === 'mysql'

describe.if(enabled)('two nodes on a Redis Cluster while a master’s slots are resharded', () => {
  const chats = useRedisClusterChats()
  const { strangers: pair } = chats

  test('every slot of one master moves to another during chats: nothing lost, doubled or reordered, no chat ends', async () => {
    const { rc, c } = chats
    const pairs = await Promise.all(Array.from({ length: 8 }, () => pair()))
    const onMoving = (id: string) => chats.onMaster(0, id)
    const moving: typeof pairs = []
    for (const p of pairs) if ((await onMoving(p.a.session)) || (await onMoving(p.b.session))) moving.push(p)

    let done = false
    const talks = pairs.map(({ a, b }, i) => chatter(a, b, `t${i}`, () => done))
    await rc.reshard(0, 1)
    for (const p of moving) expect((await onMoving(p.a.session)) || (await onMoving(p.b.session))).toBe(false)
    // A little more traffic on the new layout, then the loops finish their current text.
    await Bun.sleep(1500)
    done = true
    const sent = await Promise.all(talks)
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()

    for (const [i, { a, b }] of pairs.entries()) {
      // Once each, in order: what the recipient's app shows, and the receipts its sender got.
      expect(b.all('text').map(t => t.body)).toEqual(sent[i]!)
      expect(a.all('delivered').map(d => d.id)).toEqual(sent[i]!)
      expect(a.all('ended')).toEqual([])
      expect(b.all('ended')).toEqual([])
      // And the other way, after the move.
      b.send({ type: 'text', id: `back${i}`, body: `back ${i}` })
      await until(`back${i}`, () => a.all('text').some(t => t.body === `back ${i}`) && b.all('delivered').some(d => d.id === `back${i}`), 10_000)
    }
    // Strangers pair and chat on the moved slots too.
    const again = await Promise.all(Array.from({ length: 4 }, () => pair()))
    for (const [i, { a, b }] of again.entries()) {
      a.send({ type: 'text', id: `r${i}`, body: `after ${i}` })
      await until(`r${i}`, () => b.all('text').some(t => t.body === `after ${i}`), 10_000)
    }
    // With 8 pairs over 3 masters some chat has a session on the moved master (probability above 0.99).
    expect(moving.length).toBeGreaterThan(0)
    console.log(`reshard: ${moving.length} of ${pairs.length} chats had a session on the moved master; ${pairs.reduce((n, p) => n + p.a.resumes + p.b.resumes, 0)} resumes`)
  }, 120_000)
})
