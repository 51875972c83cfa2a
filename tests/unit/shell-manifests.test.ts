// The page shell from the catalogs (pwa/vite-shell.ts): one web app manifest per locale with that
// locale's name, short name and description, `lang` and `dir`, and the same id, start_url and
// scope in all of them (the installed app is one app whatever language installed it); and
// index.html with English's title and description and the noscript sentence in every language.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { manifestFor, shellHtml } from '../../pwa/vite-shell'
import { LOCALES, manifestHref } from '../../pwa/src/i18n/locales'

const english = manifestFor('en')

test('English is the default manifest, at the path vite-plugin-pwa writes', () => {
  expect(manifestHref('en')).toBe('/manifest.webmanifest')
  expect(english).toMatchObject({ name: 'leetChat — talk to strangers who like what you like', short_name: 'leetChat', lang: 'en', dir: 'ltr' })
  expect(english.description).toContain('strangers who share your interests')
})

describe.each(LOCALES.filter(l => l.code !== 'en').map(l => l.code))('%s', code => {
  const m = manifestFor(code)
  test('has its own path and translated name and description', () => {
    expect(manifestHref(code)).toBe(`/manifest.${code}.webmanifest`)
    expect(m.name).toStartWith('leetChat')
    expect(m.name).not.toBe(english.name)
    expect(m.description.length).toBeGreaterThan(20)
    expect(m.description).not.toBe(english.description)
    // The brand; at most 12 characters, so a launcher does not cut it.
    expect(m.short_name.length).toBeGreaterThan(0)
    expect(m.short_name.length).toBeLessThanOrEqual(12)
  })
  test('says its language and direction', () => {
    expect(m.lang).toBe(code)
    expect(m.dir).toBe(code === 'ar' ? 'rtl' : 'ltr')
  })
  test('is the same installed app as English: id, start_url, scope, icons and display', () => {
    const same = ({ id, start_url, scope, icons, display, theme_color }: typeof m) => ({ id, start_url, scope, icons, display, theme_color })
    expect(same(m)).toEqual(same(english))
    expect(same(m)).toMatchObject({ id: '/', start_url: '/', scope: '/' })
  })
})

test('index.html gets English’s title and description, and the noscript sentence in all 12 languages', () => {
  const html = shellHtml(readFileSync(join(import.meta.dir, '../../pwa/index.html'), 'utf8'))
  expect(html).toContain(`<title>${english.name}</title>`)
  expect(html).toContain(`<meta name="description" content="${english.description}" />`)
  const noscript = html.match(/<noscript>(.*)<\/noscript>/)![1]!
  expect([...noscript.matchAll(/<p lang="([^"]+)" dir="(ltr|rtl)">[^<]+<\/p>/g)].map(p => p[1])).toEqual(LOCALES.map(l => l.code))
  expect(noscript).toContain('<p lang="ar" dir="rtl">')
  expect(noscript).toContain('O leetChat precisa de JavaScript para funcionar.')
})
