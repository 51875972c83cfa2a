import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { BEGIN, CONFIG_DOC, END, ENV_EXAMPLE, parseEnvExample, renderTable } from '../../scripts/config-table'

describe('the configuration table', () => {
  const env = readFileSync(ENV_EXAMPLE, 'utf8')
  const doc = readFileSync(CONFIG_DOC, 'utf8')

  test('docs/configuration.md holds exactly the rendering of .env.example (run `bun scripts/config-table.ts` after editing it)', () => {
    const committed = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length)
    expect(committed).toBe(renderTable(parseEnvExample(env)))
  })

  test('every variable .env.example names is a row, with its default or "unset"', () => {
    const names = [...env.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map(m => m[1]!)
    const settings = parseEnvExample(env)
    expect(settings.map(s => s.name)).toEqual(names)
    expect(settings.find(s => s.name === 'PORT')).toMatchObject({ value: '3000', section: 'server' })
    expect(settings.find(s => s.name === 'DATABASE_URL')).toMatchObject({ value: null, section: 'storage' })
    for (const s of settings) expect({ name: s.name, described: s.meaning.length > 0 }).toEqual({ name: s.name, described: true })
  })
})
