// Compiles the message catalogs (pwa/src/i18n/messages/*.json, ICU MessageFormat) ahead of time:
// `import x from './messages/es.json?lingui'` yields Lingui's compiled form, so the browser gets
// no message parser and does no parsing. `?lingui=first` / `?lingui=rest` keep only the ids of
// that part (pwa/src/i18n/parts.ts; used for English, whose first part is in the main bundle).
// A catalog module also exports its own URL, so the app can have the service worker cache it.
import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { Plugin } from 'vite'
import { compileMessage } from '@lingui/message-utils/compileMessage'
import { inFirstPart } from './src/i18n/parts.ts'

const QUERY = /\?lingui(?:=(first|rest))?$/
// Not `.json…`: Vite's own JSON plugin would take the id and parse the compiled module as JSON.
const SUFFIX = /\.json\.(all|first|rest)\.lingui\.js$/

type Part = 'all' | 'first' | 'rest'

/** Lingui's compiled messages for one catalog file (or one part of it). */
export function compileCatalog(file: string, part: Part = 'all'): Record<string, unknown> {
  const source = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
  const keep = (id: string) => part === 'all' || inFirstPart(id) === (part === 'first')
  return Object.fromEntries(
    Object.entries(source)
      .filter(([id]) => keep(id))
      .map(([id, message]) => [id, compileMessage(message)]),
  )
}

/** The locale of a compiled catalog's module id, or null for any other module. */
export const catalogLocale = (moduleId: string | null | undefined) => (moduleId && SUFFIX.test(moduleId) ? basename(moduleId.replace(SUFFIX, '')) : null)

export function catalogs(): Plugin {
  return {
    name: 'leetchat-catalogs',
    enforce: 'pre',
    resolveId(source, importer) {
      const m = QUERY.exec(source)
      if (!m || !importer) return null
      return `${resolve(dirname(importer), source.replace(QUERY, ''))}.${m[1] ?? 'all'}.lingui.js`
    },
    load(id) {
      const m = SUFFIX.exec(id)
      if (!m) return null
      const file = id.replace(SUFFIX, '.json')
      this.addWatchFile(file)
      return `export default ${JSON.stringify(compileCatalog(file, m[1] as Part))}\nexport const url = import.meta.url\n`
    },
  }
}
