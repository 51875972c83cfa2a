// The write probes behind /readyz: cached so a load balancer polling every second does not write
// every second, shared while one runs, and honest (a real write in a real folder).
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cachedProbe, probeDirWritable } from '../../api/ops/write-probe'

describe('cachedProbe', () => {
  test('runs at most once per interval, shares a probe in flight, and turns a rejection into false', async () => {
    let t = 0
    let calls = 0
    let answer: boolean | Error = true
    const probe = cachedProbe(
      async () => {
        calls++
        await Bun.sleep(5)
        if (answer instanceof Error) throw answer
        return answer
      },
      2000,
      () => t,
    )
    expect(await Promise.all([probe(), probe(), probe()])).toEqual([true, true, true])
    expect(calls).toBe(1)
    answer = false
    t = 1999
    expect(await probe()).toBe(true)
    expect(calls).toBe(1)
    t = 2005
    expect(await probe()).toBe(false)
    expect(calls).toBe(2)
    answer = new Error('EROFS')
    t = 5000
    expect(await probe()).toBe(false)
    expect(calls).toBe(3)
  })
})

describe('probeDirWritable', () => {
  test('true in a writable folder, leaving nothing behind; false where nothing can be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leetchat-probe-'))
    try {
      expect(await probeDirWritable(dir, 1000)).toBe(true)
      expect(readdirSync(dir)).toEqual([])
      expect(await probeDirWritable(join(dir, 'missing'), 1000)).toBe(false)
      expect(await probeDirWritable('/proc', 1000)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
