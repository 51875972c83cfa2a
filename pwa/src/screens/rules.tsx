// /rules: the short rules the gate before the first chat links to. Plain text, its own chunk
// (only this path loads it).
import { Brand, TopBar } from '../components/topbar'
import { t } from '../i18n'
import '../i18n/rest'

export function Rules() {
  return (
    <div class="screen">
      <TopBar>
        <a class="brand-link" href="/">
          <Brand />
        </a>
      </TopBar>
      <main class="scroll">
        <article class="home rules">
          <h1 tabIndex={-1}>{t('rules.title')}</h1>
          <RulesText />
          <p>
            <a class="btn primary" href="/">
              {t('rules.back')}
            </a>
          </p>
        </article>
      </main>
    </div>
  )
}

/** The rules themselves: on the /rules page and in the dialog the menu opens over the app. */
export function RulesText() {
  return (
    <>
      <p>{t('rules.intro')}</p>
      <h2>{t('rules.whoTitle')}</h2>
      <p>{t('rules.who')}</p>
      <h2>{t('rules.notAllowedTitle')}</h2>
      <ul>
        <li>{t('rules.harassment')}</li>
        <li>{t('rules.sexual')}</li>
        <li>{t('rules.spam')}</li>
        <li>{t('rules.personal')}</li>
        <li>{t('rules.illegal')}</li>
      </ul>
      <h2>{t('rules.selfTitle')}</h2>
      <ul>
        <li>{t('rules.details')}</li>
        <li>{t('rules.leave')}</li>
        <li>{t('rules.media')}</li>
      </ul>
      <p>{t('rules.bans')}</p>
    </>
  )
}
