// Searching: what we are looking for, a way to cancel, and a word when the random fallback starts.
import type { ComponentChildren } from 'preact'
import type { Search, State } from '../lib/chat'
import { LobbyHeader } from '../components/topbar'
import { t } from '../i18n'

/** `children`: shown under Cancel (the notification offer, pwa/src/components/push-prompt.tsx). */
export function Searching({ state, search, onCancel, children }: { state: State; search: Search; onCancel(): void; children?: ComponentChildren }) {
  const { interests, random, fallback } = search
  // Without random strangers, a fallback can only be the language rule dropping ("Any language").
  const otherLanguages = fallback && !random
  return (
    <div class="screen">
      <LobbyHeader count={state.count} conn={state.conn} />
      <main class="searching">
        <div class="radar" aria-hidden="true">
          <img src="/icon-192.png" alt="" width={56} height={56} />
        </div>
        <h1 tabIndex={-1}>{t(fallback && random ? 'search.random' : 'search.looking')}</h1>
        {interests.length > 0 && (!fallback || otherLanguages) && (
          <>
            <p>{t('search.likes')}</p>
            <ul class="tags" aria-label={t('search.yourInterests')}>
              {interests.map(i => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          </>
        )}
        <p role="status">
          {t(otherLanguages ? 'search.otherLanguages' : fallback ? 'search.fallback' : interests.length === 0 ? 'search.anyone' : random ? 'search.ifNone' : 'search.onlyShared')}
        </p>
        <button class="btn" type="button" onClick={onCancel}>
          {t('search.cancel')}
        </button>
        {children}
      </main>
    </div>
  )
}
