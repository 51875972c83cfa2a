// The language of the app (in the ⋮ menu): each language listed in its own name, the choice kept
// on the device. The switch happens in place (lazy catalog, then a re-render), never a reload.
import { locale, setLocale, t } from '../i18n'
import { isLocale, LOCALES } from '../i18n/locales'

export function LanguagePicker() {
  return (
    <label class="menu-lang">
      <span>{t('menu.language')}</span>
      <select
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
    </label>
  )
}
