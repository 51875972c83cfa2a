// The page shell's words come from the message catalogs too: the build writes English's title and
// description into index.html and its <noscript> in every language (the one thing shown before
// any script runs), and emits one web app manifest per other locale, manifest.<locale>.webmanifest,
// next to vite-plugin-pwa's manifest.webmanifest (English, what a page without JS links). The app
// points <link rel=manifest> at the active locale's (pwa/src/i18n/index.ts).
// id, start_url and scope are the same in every manifest: the installed app is one app whatever
// language it was installed in.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import type { ManifestOptions } from 'vite-plugin-pwa'
import { isRtl, LOCALES, manifestHref, type LocaleCode } from './src/i18n/locales.ts'

const MESSAGES = fileURLToPath(new URL('./src/i18n/messages/', import.meta.url))

/** The catalog's source messages (ICU text; the shell's messages have no placeholders). */
const catalog = (code: LocaleCode) => JSON.parse(readFileSync(`${MESSAGES}${code}.json`, 'utf8')) as Record<string, string>

/** What every locale's manifest shares. */
const SAME = {
  id: '/',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'portrait',
  background_color: '#f6f6fb',
  theme_color: '#4f46e5',
  categories: ['social'],
  icons: [
    { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: '/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
  ],
} satisfies Partial<ManifestOptions>

/** The web app manifest in one locale. */
export function manifestFor(code: LocaleCode) {
  const m = catalog(code)
  return {
    ...SAME,
    name: m['app.title']!,
    short_name: m['shell.shortName']!,
    description: m['shell.description']!,
    lang: code,
    dir: isRtl(code) ? ('rtl' as const) : ('ltr' as const),
  } satisfies Partial<ManifestOptions>
}

const escape = (s: string) => s.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`)

/** index.html with English's title and description, and the <noscript> sentence in every language. */
export function shellHtml(html: string): string {
  const en = catalog('en')
  const noscript = LOCALES.map(l => `<p lang="${l.code}" dir="${isRtl(l.code) ? 'rtl' : 'ltr'}">${escape(catalog(l.code)['shell.noscript']!)}</p>`).join('')
  return html
    .replace(/<title>[^<]*<\/title>/, `<title>${escape(en['app.title']!)}</title>`)
    .replace(/(<meta name="description" content=")[^"]*/, `$1${escape(en['shell.description']!)}`)
    .replace(/<noscript>[^<]*<\/noscript>/, `<noscript>${noscript}</noscript>`)
}

export function shell(): Plugin {
  return {
    name: 'leetchat-shell',
    transformIndexHtml: shellHtml,
    generateBundle() {
      for (const { code } of LOCALES) {
        if (code === 'en') continue // vite-plugin-pwa writes English's, as manifest.webmanifest
        this.emitFile({ type: 'asset', fileName: manifestHref(code).slice(1), source: JSON.stringify(manifestFor(code)) })
      }
    },
  }
}
