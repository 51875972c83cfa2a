// The hono environment of the HTTP app: Bun's server as `c.env` (requestIP, upgrade). Its own
// module so routes (media, server.ts) type their handlers without importing the app that mounts them.
import type { Server } from 'bun'
import type { WsData } from './chat/socket-adapter'

export type HttpEnv = { Bindings: Server<WsData> }
