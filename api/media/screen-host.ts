// The screening process's entry: runs a worker script (screen-worker.ts, or a test's stand-in)
// as if it were a Worker thread, with `postMessage` and `self.onmessage` carried over the IPC
// channel of Bun.spawn. A process, not a thread, because a process can run below the chat's CPU
// priority (`nice`); a Worker shares the server's. Started by screen-process.ts.
//
//   bun api/media/screen-host.ts <worker script path>
export {}

const script = process.argv[2]
if (!script) throw new Error('usage: screen-host.ts <worker script>')
const g = globalThis as unknown as { postMessage(m: unknown): void; onmessage?: (e: { data: unknown }) => unknown }
g.postMessage = m => process.send!(m)
process.on('message', data => void g.onmessage?.({ data }))
// The server went away (exited, crashed, killed): nobody is waiting for verdicts.
process.on('disconnect', () => process.exit(0))
await import(script)
