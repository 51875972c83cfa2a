// Load generator (own process): opens many idle connections and reports how much the server's
// resident memory grew per connection.
import { args, openMany } from './clients'
import { rssBytes } from './proc'

interface Args {
  url: string
  connections: number
  serverPid: number
  waitForHello: boolean
  origin?: string
}

const a = args<Args>()
const headers = a.origin ? { Origin: a.origin } : undefined
await Bun.sleep(500)
const before = rssBytes(a.serverPid)
const sockets = await openMany(a.connections, a.url, 200, headers, s => (a.waitForHello ? s.waitFor('{"type":"hello"') : Promise.resolve()))
// Let the server finish its per-connection work and collect the garbage of the handshakes.
await Bun.sleep(2000)
const after = rssBytes(a.serverPid)
console.log(JSON.stringify({ connections: sockets.length, rssBefore: before, rssAfter: after, bytesPerConnection: (after - before) / sockets.length }))
for (const s of sockets) s.ws.close(1000)
await Bun.sleep(200)
process.exit(0)
