// Content negotiation for the built PWA's text files: the build writes a brotli (.br) and a gzip
// (.gz) copy next to each (pwa/vite-precompress.ts), and the server picks one the client accepts,
// so JS and CSS leave compressed without spending CPU per request. Pages, which the server rewrites
// (WS_PATH), are compressed once per content and kept in memory.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

export type Encoding = 'br' | 'gzip'

/** Extensions the build precompresses and the server may send encoded. */
export const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt', '.wasm'])

const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' }

/**
 * The encodings a client accepts, best first (brotli is smaller than gzip for the same file).
 * `q=0` refuses one; `*` stands for any not named.
 */
export function acceptedEncodings(header: string | undefined): Encoding[] {
  if (!header) return []
  const q = new Map<string, number>()
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    if (!name) continue
    const qp = params.map(p => p.trim()).find(p => p.startsWith('q='))
    const value = qp ? Number(qp.slice(2)) : 1
    q.set(name.trim(), Number.isFinite(value) ? value : 0)
  }
  const star = q.get('*') ?? 0
  return (['br', 'gzip'] as const).filter(e => (q.get(e) ?? (e === 'gzip' ? (q.get('x-gzip') ?? star) : star)) > 0)
}

/**
 * The precompressed copy of `file` to send, if the client accepts one and it is at least as new
 * as the file (a copy left behind by an older build or an edited file is never served).
 */
export async function precompressed(file: string, accepted: Encoding[]): Promise<{ encoding: Encoding; path: string } | null> {
  if (!accepted.length) return null
  try {
    const original = Bun.file(file).lastModified
    for (const encoding of accepted) {
      const path = file + SUFFIX[encoding]
      const f = Bun.file(path)
      if ((await f.exists()) && f.lastModified >= original) return { encoding, path }
    }
  } catch {
    // A name the file system refuses with the suffix added: send the file as it is.
  }
  return null
}

/** Compressed bodies of rewritten pages, by content (a handful of pages, each a few KB). */
const pageCache = new Map<string, Partial<Record<Encoding, Uint8Array<ArrayBuffer>>>>()
const PAGE_CACHE_MAX = 32

export function compressPage(body: string, encoding: Encoding): Uint8Array<ArrayBuffer> {
  let entry = pageCache.get(body)
  if (!entry) {
    if (pageCache.size >= PAGE_CACHE_MAX) pageCache.clear()
    entry = {}
    pageCache.set(body, entry)
  }
  return (entry[encoding] ??= Uint8Array.from(encoding === 'br' ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : gzipSync(body, { level: 9 })))
}
