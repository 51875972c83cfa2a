// Serves the built PWA (pwa/dist). Hashed assets are cached for a year; the shell, the service
// worker and the manifest are revalidated on every load so an update is noticed. Unknown paths
// that look like page navigations get index.html (the app routes on the client). Text files go
// out brotli- or gzip-compressed when the client accepts it (static-encoding.ts), for when no
// nginx sits in front.
import { existsSync } from 'node:fs'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { acceptedEncodings, COMPRESSIBLE, compressPage, precompressed } from './static-encoding'

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
  '.wasm': 'application/wasm',
}

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>leetChat</title><body><h1>leetChat</h1>
<p>The server is running, but the web app has not been built. Run <code>npm run build</code> and reload.</p></body>`

const WS_PATH_META = /(<meta name="leetchat-ws-path" content=")[^"]*(")/

export function createStaticHandler(root: string, opts: { wsPath?: string } = {}) {
  const base = resolve(root)
  const wsPath = opts.wsPath ?? '/chat'
  const htmlHeaders = { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding' }
  // The PWA learns the WebSocket path from the page itself, so WS_PATH needs no rebuild.
  const page = async (file: string, acceptEncoding?: string) => {
    const body = (await Bun.file(file).text()).replace(WS_PATH_META, `$1${wsPath}$2`)
    const encoding = acceptedEncodings(acceptEncoding)[0]
    if (!encoding) return new Response(body, { headers: htmlHeaders })
    return new Response(compressPage(body, encoding), { headers: { ...htmlHeaders, 'Content-Encoding': encoding } })
  }

  return async (pathname: string, acceptsHtml: boolean, acceptEncoding?: string): Promise<Response | null> => {
    let rel: string
    try {
      rel = decodeURIComponent(pathname)
    } catch {
      return null
    }
    if (rel.includes('\0')) return null
    const file = normalize(join(base, rel.endsWith('/') ? rel + 'index.html' : rel))
    if (file !== base && !file.startsWith(base + sep)) return null
    // A path the file system refuses (ENAMETOOLONG for a 6 KB path, EACCES…) is simply not here:
    // null → 404, nothing logged (the error would carry our absolute path). Bun.file itself
    // throws on an over-long path, hence both inside the try.
    let f: ReturnType<typeof Bun.file>
    let exists: boolean
    try {
      f = Bun.file(file)
      exists = await f.exists()
    } catch {
      return null
    }
    if (exists) {
      if (extname(file) === '.html') return page(file, acceptEncoding).catch(() => null)
      const name = file.slice(base.length)
      const immutable = name.startsWith(`${sep}assets${sep}`)
      const headers: Record<string, string> = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      }
      if (!COMPRESSIBLE.has(extname(file))) return new Response(f, { headers })
      headers.Vary = 'Accept-Encoding'
      const encoded = await precompressed(file, acceptedEncodings(acceptEncoding))
      if (encoded) return new Response(Bun.file(encoded.path), { headers: { ...headers, 'Content-Encoding': encoded.encoding } })
      return new Response(f, { headers })
    }
    if (!acceptsHtml || extname(rel) !== '') return null
    const index = join(base, 'index.html')
    if (existsSync(index)) return page(index, acceptEncoding)
    return new Response(PLACEHOLDER, { headers: htmlHeaders })
  }
}
