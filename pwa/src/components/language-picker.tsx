// The language of the app (in the ⋮ menu): each language listed in its own name, the choice kept
// on the device. The switch happens in place (lazy catalog, then a re-render), never a reload.
import { locale, setLocale, t } from '../i18n'
import { isLocale, LOCALES } from '../i18n/locales'

export function LanguagePicker() {
  return (
    <div class="menu-lang">
      <span id="menu-lang-label">{t('menu.language')}</span>
      <select
        aria-labelledby="menu-lang-label"
        value={locale()}
        onChange={e => {
          const v = (e.currentTarget as HTMLSelectElement).value
          if (isLocale(v)) void setLocale(v)
        }}
      >
        {LOCALES.map(l => (
          <option key={l.code} value={l.code} lang={l.code} dir={'rtl' in l ? 'rtl' : 'ltr'}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  )
}
