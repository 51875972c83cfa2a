// Two real app processes on a private 3-master Redis Cluster, one master SIGKILLed mid-chat and
// restarted (empty: no persistence). No node process exits; chats whose sessions live on the other
// shards go on; once the master is back, the chats it held end as interrupted and strangers pair
// and chat again. Runs in the MariaDB suite.
import { describe, expect, test } from 'bun:test'
import { uniqueInterest } from '../support/people'
import { until, useRedisClusterChats } from '../support/rcluster-chats'

// Node-addressed delivery is sharded PUB/SUB here (one subscriber connection per master, one
// channel per session partition), so a killed master takes only its own partitions' frames with it;
// the classic subscription left (actions for every node, e.g. bans) moves to a live master by itself.
const enabled = process.env.TEST_BACKEND === 'mysql'

describe.if(enabled)('two nodes on a Redis Cluster while one master is killed and restarted', () => {
  const chats = useRedisClusterChats()
  // Clients that resume like the app's: a node that lost frames to a gap in its subscription to
  // the restarted master closes the socket of a session that missed one, and the resume replays it.
  const { onMaster, sessionsOnlyMaster, strangers: pair } = chats
  const got = (x: { all(t: 'text'): Array<{ body: string }> }, body: string) => x.all('text').some(t => t.body === body)

  test('chats on the other shards go on, no node exits; once the master is back its chats end as interrupted and pairing works again', async () => {
    // The victim holds neither the node registry nor the queue (whose loss is the data-loss fault
    // of cluster-nodes.test.ts): this is about one shard of sessions.
    const { rc, c } = chats
    const victim = await sessionsOnlyMaster()
    const pairs = await Promise.all(Array.from({ length: 8 }, () => pair()))
    const onVictim = (id: string) => onMaster(victim, id)
    const spared: typeof pairs = []
    for (const p of pairs) if (!(await onVictim(p.a.session)) && !(await onVictim(p.b.session))) spared.push(p)

    await rc.kill(victim)
    // Texts on the surviving shards keep flowing while the master is down.
    for (const [i, { a, b }] of spared.entries()) {
      a.send({ type: 'text', id: `k${i}`, body: `during ${i}` })
      await until(`during ${i} and its receipt`, () => got(b, `during ${i}`) && a.all('delivered').some(d => d.id === `k${i}`), 10_000)
    }
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()

    await rc.restart(victim)
    await rc.waitOk(20_000)
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
    // The shard came back empty: its partitions' markers are gone, so each node recovers, and the
    // chats with a session on it end as interrupted for both strangers, who can start again.
    const hit = pairs.filter(p => !spared.includes(p))
    for (const { a, b } of hit) {
      for (const x of [a, b]) {
        await until('ended', () => x.all('ended').length > 0, 15_000)
        expect(x.all('ended').map(e => e.reason)).toEqual(['interrupted'])
      }
      const queued = a.all('queued').length
      a.send({ type: 'find', interests: [uniqueInterest()], random: false })
      await until('queued again', () => a.all('queued').length > queued, 10_000)
    }
    // The chats that lived off the dead shard were not touched by the recovery.
    for (const [i, { a, b }] of spared.entries()) {
      expect(a.all('ended')).toEqual([])
      expect(b.all('ended')).toEqual([])
      b.send({ type: 'text', id: `s${i}`, body: `still ${i}` })
      await until(`still ${i}`, () => got(a, `still ${i}`), 10_000)
    }
    // Anyone can pair and chat again, wherever their sessions land.
    const again = await Promise.all(Array.from({ length: 4 }, () => pair()))
    for (const [i, { a, b }] of again.entries()) {
      a.send({ type: 'text', id: `r${i}`, body: `after ${i}` })
      await until(`after ${i}`, () => got(b, `after ${i}`), 10_000)
    }
    // With 8 pairs over 3 shards some chat lives entirely off the victim and some has a session on
    // it (else the test says nothing; each happens by chance, with probability above 0.96).
    expect(spared.length).toBeGreaterThan(0)
    expect(pairs.length - spared.length).toBeGreaterThan(0)
    console.log(`master killed: ${pairs.length - spared.length} of ${pairs.length} chats had a session on it; ${pairs.reduce((n, p) => n + p.a.resumes + p.b.resumes, 0)} resumes`)
  }, 90_000)
})
