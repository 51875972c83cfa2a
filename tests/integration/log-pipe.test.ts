// A server whose log reader went away (a closed stdout pipe) keeps serving: losing log lines must
// never take the process down.
import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

test('closing the stdout pipe does not crash the server; requests that log still succeed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-pipe-'))
  const proc = Bun.spawn([resolve(import.meta.dir, '../../node_modules/.bin/bun'), resolve(import.meta.dir, '../../api/main.ts')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdout: 'pipe',
    stderr: 'ignore',
  })
  try {
    const reader = proc.stdout.getReader()
    let text = ''
    let url = ''
    while (!url) {
      const { value, done } = await reader.read()
      if (done) throw new Error('server exited before listening')
      text += new TextDecoder().decode(value)
      url = text.match(/"msg":"listening","url":"([^"]+)"/)?.[1] ?? ''
    }
    await reader.cancel() // the reader is gone: later log writes meet a closed pipe (EPIPE)
    // Requests that write an access-log line at info; the pipe's buffer takes the first few.
    for (let i = 0; i < 300; i++) expect((await fetch(url + '/trpc/interests.popular')).status).toBe(200)
    const ws = new WebSocket(url.replace('http', 'ws') + '/chat')
    const hello = await new Promise<{ type: string }>((ok, fail) => {
      ws.onmessage = e => ok(JSON.parse(String(e.data)))
      ws.onerror = () => fail(new Error('no websocket'))
    })
    expect(hello.type).toBe('hello')
    ws.close()
    expect(proc.exitCode).toBeNull()
  } finally {
    proc.kill('SIGKILL')
    await proc.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
})
