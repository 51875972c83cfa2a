// Two real app processes on a private 3-master Redis Cluster while one master is frozen (SIGSTOP)
// and thawed: its connections stay open and its commands hang until they time out. No node exits;
// chats off it go on; a text whose recipient lives on another shard still reaches it, and its
// sender is not told "not sent" for a receipt its frozen shard could not make: the receipt comes,
// once, when the shard answers again. Nothing on the frozen shard is lost. Runs in the MariaDB suite.
import { describe, expect, test } from 'bun:test'
import { useRedisClusterChats } from '../support/rcluster-chats'

const enabled = process.env.TEST_BACKEND === 'mysql'

describe.if(enabled)('two nodes on a Redis Cluster while one master is frozen and thawed', () => {
  const chats = useRedisClusterChats()
  const { onMaster, sessionsOnlyMaster, pair } = chats

  test('a text to a live shard from a frozen one is delivered, its sender is not told it failed, and its receipt comes once after the thaw', async () => {
    // The frozen master holds neither the node registry nor the queue: this is about one shard of sessions.
    const { rc, c } = chats
    const frozen = await sessionsOnlyMaster()
    const on = (id: string) => onMaster(frozen, id)
    // A chat whose sender lives on the master to freeze and whose recipient does not, and one off it.
    let target: Awaited<ReturnType<typeof pair>> | undefined
    let spared: Awaited<ReturnType<typeof pair>> | undefined
    for (let i = 0; i < 60 && (!target || !spared); i++) {
      const p = await pair()
      const [a, b] = [await on(p.a.session), await on(p.b.session)]
      if (a && !b) target ??= p
      else if (!a && !b) spared ??= p
    }
    if (!target || !spared) throw new Error('no chat with the wanted sessions in 60 tries')

    rc.freeze(frozen)
    try {
      target.a.send({ type: 'text', id: 'f1', body: 'while frozen' })
      expect((await target.b.next('text', 10_000)).body).toBe('while frozen')
      // The receipt's step hangs on the frozen shard until it times out (2 s), then waits to be retried.
      spared.a.send({ type: 'text', id: 's1', body: 'elsewhere' })
      expect((await spared.b.next('text', 10_000)).body).toBe('elsewhere')
      expect((await spared.a.next('delivered', 10_000)).id).toBe('s1')
      await Bun.sleep(3500)
      expect(target.a.all('error')).toEqual([])
      for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
    } finally {
      rc.thaw(frozen)
    }
    await rc.waitOk(20_000)
    const d = await target.a.next('delivered', 15_000)
    expect(d.id).toBe('f1')
    // A step that ran after all and its retry answer the same receipt: one seq, which a client keeps once.
    await Bun.sleep(1000)
    expect(new Set(target.a.all('delivered').map(x => x.seq)).size).toBe(1)
    expect(target.a.all('error')).toEqual([])
    // The chat goes on both ways, nothing ended.
    target.b.send({ type: 'text', id: 'f2', body: 'after the thaw' })
    expect((await target.a.next('text', 10_000)).body).toBe('after the thaw')
    for (const x of [target.a, target.b, spared.a, spared.b]) expect(x.all('ended')).toEqual([])
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
  }, 120_000)
})
