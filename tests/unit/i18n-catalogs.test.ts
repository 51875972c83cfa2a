// The PWA's message catalogs (pwa/src/i18n/messages): every locale the app offers has a catalog
// with exactly English's ids, the same placeholders and markup tags in each message, plurals with
// an `other` case, and every catalog compiles the way the build compiles it (pwa/vite-catalogs.ts).
import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { compileCatalog } from '../../pwa/vite-catalogs'
import { bestLocale, LOCALES } from '../../pwa/src/i18n/locales'

const DIR = join(import.meta.dir, '../../pwa/src/i18n/messages')
const load = (code: string) => compileCatalog(join(DIR, `${code}.json`))

type Token = string | [string, string?, Record<string, unknown>?]
/** Placeholder names, plural/select arguments and `<n>` tags of a compiled message, as a sorted list. */
function shape(compiled: unknown): string[] {
  const out = new Set<string>()
  const walk = (m: unknown) => {
    if (typeof m === 'string') {
      for (const tag of m.matchAll(/<\/?\d>/g)) out.add(tag[0])
      return
    }
    if (!Array.isArray(m)) return
    for (const token of m as Token[]) {
      if (typeof token === 'string') walk(token)
      else {
        const [name, type, cases] = token
        out.add(type ? `${name}:${type}` : name)
        if (cases) {
          if (type === 'plural') expect(Object.keys(cases)).toContain('other')
          for (const c of Object.values(cases)) walk(c)
        }
      }
    }
  }
  walk(compiled)
  return [...out].sort()
}

const english = load('en')

test('the catalog files are exactly the offered locales', () => {
  const files = readdirSync(DIR)
    .filter(f => f.endsWith('.json'))
    .map(f => f.replace(/\.json$/, ''))
  expect(files.sort()).toEqual(LOCALES.map(l => l.code).sort())
})

describe.each(LOCALES.filter(l => l.code !== 'en').map(l => l.code))('%s', code => {
  const catalog = load(code)
  test('has every English id and no other', () => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(english).sort())
  })
  test('each message has the same placeholders and tags as English', () => {
    const wrong = Object.keys(english).filter(id => JSON.stringify(shape(catalog[id])) !== JSON.stringify(shape(english[id])))
    expect(wrong).toEqual([])
  })
  test('is translated (not a copy of English)', () => {
    const same = Object.keys(english).filter(id => JSON.stringify(catalog[id]) === JSON.stringify(english[id]))
    // A few are the same on purpose (the brand, "{length} / {max}", words such as "Online" in pt-BR).
    expect(same.length).toBeLessThan(Object.keys(english).length / 10)
  })
})

test('the first locale is the best match for the browser’s list', () => {
  expect(bestLocale(['pt-BR', 'en'])).toBe('pt-BR')
  expect(bestLocale(['pt-PT'])).toBe('pt-BR')
  expect(bestLocale(['xx', 'es-MX'])).toBe('es')
  expect(bestLocale(['AR'])).toBe('ar')
  expect(bestLocale(['xx'])).toBe('en')
  expect(bestLocale([])).toBe('en')
})
