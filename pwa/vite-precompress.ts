// A build step: writes a brotli (.br) and a gzip (.gz) copy of every text file in the build, so
// the server (api/static.ts) and nginx (gzip_static / brotli_static) send them compressed without
// compressing per request. node:zlib only; runs after every other plugin (the service worker and
// the manifest are written by vite-plugin-pwa when the bundle closes). A copy that would not save
// anything is not written.
import type { Plugin } from 'vite'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

// .wasm is no text but shrinks to about half (the video screen's TensorFlow.js backend).
// Not .html: the server rewrites pages as it serves them (WS_PATH) and compresses the result itself.
const TEXT = new Set(['.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt', '.wasm'])

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) yield* files(p)
    else if (TEXT.has(extname(p))) yield p
  }
}

export function precompressFiles(outDir: string): { files: number; raw: number; br: number; gz: number } {
  const sum = { files: 0, raw: 0, br: 0, gz: 0 }
  for (const file of files(outDir)) {
    const raw = readFileSync(file)
    if (raw.length < 512) continue // one packet either way
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
    const gz = gzipSync(raw, { level: 9 })
    if (br.length < raw.length) writeFileSync(file + '.br', br)
    if (gz.length < raw.length) writeFileSync(file + '.gz', gz)
    sum.files++
    sum.raw += raw.length
    sum.br += br.length
    sum.gz += gz.length
  }
  return sum
}

export function precompress(): Plugin {
  let outDir = ''
  return {
    name: 'leetchat-precompress',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir)
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        if (!statSync(outDir, { throwIfNoEntry: false })?.isDirectory()) return
        const s = precompressFiles(outDir)
        const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
        this.info?.(`precompressed ${s.files} files: ${kb(s.raw)} → br ${kb(s.br)}, gzip ${kb(s.gz)}`)
      },
    },
  }
}
