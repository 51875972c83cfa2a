import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const DOCS = [
  'README.md',
  'ops/README.md',
  'api/chat/protocol.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter(f => f.endsWith('.md'))
    .map(f => `docs/${f}`),
]

describe('the documentation', () => {
  test('every relative link in the README and docs/ points at a file of the repository', () => {
    const broken: string[] = []
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8')
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        if (!existsSync(resolve(ROOT, dirname(doc), target!))) broken.push(`${doc} → ${target}`)
      }
    }
    expect(broken).toEqual([])
  })

  test('the README links each document of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const unlinked = DOCS.filter(d => d.startsWith('docs/') && !readme.includes(`](${d})`))
    expect(unlinked).toEqual([])
  })

  test('no document points at a path of a machine outside the repository', () => {
    const outside = DOCS.filter(d => /\/work\/|\.\.\/shared|\/home\/|\/root\//.test(readFileSync(join(ROOT, d), 'utf8')))
    expect(outside).toEqual([])
  })
})
