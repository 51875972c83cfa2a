// Prints the gzipped size of the JavaScript the first page load needs: the scripts and module
// preloads that pwa/dist/index.html references (lazy chunks such as workbox-window are not
// counted). Budget: 25 KB gzipped. Exits 1 when over it.
//   node_modules/.bin/vite build --config pwa/vite.config.ts && node_modules/.bin/bun pwa/scripts/size.ts
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const DIST = join(import.meta.dir, '..', 'dist')
const BUDGET = 25 * 1024

const html = readFileSync(join(DIST, 'index.html'), 'utf8')
const refs = new Set<string>()
for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)) refs.add(m[1]!)
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) refs.add(m[1]!)
const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+\.css)"/g)].map(m => m[1]!)

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
const size = (ref: string) => {
  const buf = readFileSync(join(DIST, ref.replace(/^\//, '')))
  return { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length }
}
let total = 0
for (const ref of refs) {
  const s = size(ref)
  total += s.gz
  console.log(`${ref}  ${kb(s.raw)} raw, ${kb(s.gz)} gzipped`)
}
for (const ref of css) {
  const s = size(ref)
  console.log(`${ref}  ${kb(s.raw)} raw, ${kb(s.gz)} gzipped (CSS, not counted)`)
}
console.log(`initial JS: ${kb(total)} gzipped (budget ${kb(BUDGET)})`)
if (total > BUDGET) process.exit(1)
