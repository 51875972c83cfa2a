// The app's words: one Lingui instance with compiled catalogs (pwa/vite-catalogs.ts compiles the
// ICU messages in messages/*.json at build time, so no message parser ships). English is bundled
// (its first part in the main chunk, the rest with the chunks that use it: ./parts.ts); every
// other locale is its own lazy chunk, fetched only when it becomes active.
// Screens call t() while rendering, and the app re-renders on a locale change, so every visible
// string follows without a reload. State keeps descriptors (Msg), never sentences, for the same reason.
import { setupI18n, type Messages } from '@lingui/core'
import type { ComponentChild } from 'preact'
import en from './messages/en.json?lingui=first'
import type enSource from './messages/en.json'
import { bestLocale, DEFAULT_LOCALE, isLocale, isRtl, manifestHref, type LocaleCode } from './locales'
import { load, save } from '../lib/storage'

export type MessageId = keyof typeof enSource
export type Values = Record<string, string | number>
/** A sentence to say later, in whatever language is active then. */
export interface Msg {
  id: MessageId
  values?: Values
}

const i18n = setupI18n({ locale: DEFAULT_LOCALE, messages: { [DEFAULT_LOCALE]: en } })

const loaders: Record<Exclude<LocaleCode, 'en'>, () => Promise<{ default: Messages; url: string }>> = {
  es: () => import('./messages/es.json?lingui'),
  'pt-BR': () => import('./messages/pt-BR.json?lingui'),
  fr: () => import('./messages/fr.json?lingui'),
  de: () => import('./messages/de.json?lingui'),
  it: () => import('./messages/it.json?lingui'),
  tr: () => import('./messages/tr.json?lingui'),
  ru: () => import('./messages/ru.json?lingui'),
  ar: () => import('./messages/ar.json?lingui'),
  hi: () => import('./messages/hi.json?lingui'),
  id: () => import('./messages/id.json?lingui'),
  ja: () => import('./messages/ja.json?lingui'),
}

export const msg = (id: MessageId, values?: Values): Msg => ({ id, values })

/** The sentence for an id (or a kept Msg) in the active locale. */
export function t(id: MessageId | Msg, values?: Values): string {
  return typeof id === 'string' ? i18n._(id, values) : i18n._(id.id, id.values)
}

/**
 * Whether the catalog has this id (codes from the server that may have no sentence of their own).
 * English is the reference: every catalog has its ids (tests/unit/i18n-catalogs.test.ts).
 */
export const has = (id: string): id is MessageId => Object.hasOwn(english, id)
const english: Messages = { ...en }
const loaded = new Set<LocaleCode>(['en'])

/** The English messages outside the first part (./rest.ts). */
export function loadEnglishRest(rest: Messages) {
  Object.assign(english, rest)
  i18n.load('en', rest)
}

/**
 * A sentence with marked parts, `<0>Share</0>`, rendered with parts[0]: the words around the
 * markup stay in the translation's order.
 */
export function rich(text: string, parts: Array<(inner: string) => ComponentChild>): ComponentChild[] {
  const out: ComponentChild[] = []
  let last = 0
  for (const m of text.matchAll(/<(\d)>(.*?)<\/\1>/g)) {
    out.push(text.slice(last, m.index), parts[Number(m[1])]?.(m[2]!) ?? m[2])
    last = m.index + m[0].length
  }
  out.push(text.slice(last))
  return out
}

export const locale = (): LocaleCode => i18n.locale as LocaleCode

/** Runs on every locale change (the app re-renders). */
export const onLocaleChange = (fn: () => void) => i18n.on('change', fn)

// English's description is the page's own (the build writes it from the catalog: pwa/vite-shell.ts),
// so its message need not ship in the first part.
const description = document.head.querySelector<HTMLMetaElement>('meta[name=description]')
const englishDescription = description?.content ?? ''

/**
 * Makes `code` the active locale: its catalog first (lazy), then <html lang dir>, the change (the
 * app re-renders, document.title included), then the page's manifest link and description.
 */
export async function setLocale(code: LocaleCode, remember = true): Promise<void> {
  if (code !== 'en' && !loaded.has(code)) {
    try {
      const catalog = await loaders[code]()
      i18n.load(code, catalog.default)
      loaded.add(code)
      keepOffline(catalog.url)
    } catch {
      return // offline before its first use: stay in the language we have
    }
  }
  if (remember) save('locale', code)
  document.documentElement.lang = code
  document.documentElement.dir = isRtl(code) ? 'rtl' : 'ltr'
  i18n.activate(code)
  document.head.querySelector<HTMLLinkElement>('link[rel=manifest]')?.setAttribute('href', manifestHref(code))
  if (description) description.content = code === 'en' ? englishDescription : t('shell.description')
}

/**
 * A catalog fetched before the service worker controlled the page (the very first visit) did not
 * pass through its runtime cache: fetch it once more when it takes over, so it works offline too.
 */
function keepOffline(url: string) {
  const sw = navigator.serviceWorker
  if (!sw || sw.controller) return
  sw.addEventListener('controllerchange', () => void fetch(url).catch(() => {}), { once: true })
}

/** The language chosen on this device before, else the browser's best match. */
export function initialLocale(): LocaleCode {
  const kept = load<unknown>('locale', null)
  return isLocale(kept) ? kept : bestLocale(navigator.languages ?? [navigator.language])
}
