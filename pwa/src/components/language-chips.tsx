// The languages a search asks for: the UI language's (always, first) plus up to two more picked
// here, and "Any language" (a stranger who shares none will do too). Names come from
// Intl.DisplayNames in the UI language, so no catalog carries them.
import { locale, t } from '../i18n'
import { primary } from '../i18n/locales'
import { Icon } from './icons'

export const MAX_LANGUAGES = 3
/** What the picker offers: the app's own languages and other widely spoken ones (primary subtags). */
const OFFERED = [
  'en',
  'es',
  'pt',
  'fr',
  'de',
  'it',
  'tr',
  'ru',
  'ar',
  'hi',
  'id',
  'ja',
  'zh',
  'ko',
  'vi',
  'th',
  'pl',
  'nl',
  'uk',
  'fa',
  'bn',
  'ur',
  'sw',
  'tl',
  'ms',
  'ro',
  'el',
  'cs',
  'sv',
  'he',
]

export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([locale()], { type: 'language' }).of(code) ?? code
  } catch {
    return code
  }
}

/** The find's `languages`: the UI language first, then the picked ones, at most three. */
export const searchLanguages = (picked: string[]) => [...new Set([primary(locale()), ...picked])].slice(0, MAX_LANGUAGES)

interface Props {
  picked: string[]
  onPick(next: string[]): void
  any: boolean
  onAny(any: boolean): void
}

export function LanguageChips({ picked, onPick, any, onAny }: Props) {
  const ui = primary(locale())
  const shown = searchLanguages(picked)
  const options = OFFERED.filter(c => !shown.includes(c))
    .map(c => [c, languageName(c)] as const)
    .sort((a, b) => a[1].localeCompare(b[1], locale()))
  return (
    <div class="langs">
      <p class="label" id="lang-label">
        {t('lang.label')}
      </p>
      <div class="lang-row">
        <ul class="lang-chips" aria-labelledby="lang-label">
          {shown.map(c => (
            <li class="chip" key={c}>
              <span>{languageName(c)}</span>
              {c !== ui && (
                <button type="button" aria-label={t('lang.remove', { language: languageName(c) })} onClick={() => onPick(picked.filter(x => x !== c))}>
                  <Icon name="x" />
                </button>
              )}
            </li>
          ))}
        </ul>
        {shown.length < MAX_LANGUAGES && (
          <select
            class="lang-add"
            aria-label={t('lang.add')}
            value=""
            onChange={e => {
              const v = (e.currentTarget as HTMLSelectElement).value
              if (v) onPick([...picked.filter(x => x !== ui), v].slice(0, MAX_LANGUAGES - 1))
            }}
          >
            <option value="">{t('lang.add')}</option>
            {options.map(([c, name]) => (
              <option key={c} value={c}>
                {name}
              </option>
            ))}
          </select>
        )}
      </div>
      <label class="switch">
        <input type="checkbox" role="switch" checked={any} onChange={e => onAny((e.currentTarget as HTMLInputElement).checked)} />
        <span>{t('lang.any')}</span>
      </label>
    </div>
  )
}
