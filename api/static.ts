// Serves the built PWA (pwa/dist). Hashed assets are cached for a year; the shell, the service
// worker and the manifest are revalidated on every load so an update is noticed. Unknown paths
// that look like page navigations get index.html (the app routes on the client).
import { existsSync } from 'node:fs'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>leetChat</title><body style="font-family:system-ui;margin:2rem"><h1>leetChat</h1>
<p>The server is running, but the web app has not been built. Run <code>npm run build</code> and reload.</p></body>`

export function createStaticHandler(root: string) {
  const base = resolve(root)
  return async (pathname: string, acceptsHtml: boolean): Promise<Response | null> => {
    let rel: string
    try {
      rel = decodeURIComponent(pathname)
    } catch {
      return null
    }
    if (rel.includes('\0')) return null
    const file = normalize(join(base, rel.endsWith('/') ? rel + 'index.html' : rel))
    if (file !== base && !file.startsWith(base + sep)) return null
    const f = Bun.file(file)
    if (await f.exists()) {
      const name = file.slice(base.length)
      const immutable = name.startsWith(`${sep}assets${sep}`)
      return new Response(f, {
        headers: {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      })
    }
    if (!acceptsHtml || extname(rel) !== '') return null
    const index = join(base, 'index.html')
    if (existsSync(index)) return new Response(Bun.file(index), { headers: { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-cache' } })
    return new Response(PLACEHOLDER, { headers: { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-cache' } })
  }
}
