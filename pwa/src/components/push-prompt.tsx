// The gentle ask, after the first search: "Get notified when a stranger is found?". Only Allow
// makes the browser ask; Not now is remembered (lib/notify.ts). Part of the notify chunk.
import { t } from '../i18n'
import { allow, notNow } from '../lib/notify'

// The app loads this one chunk for the prompt, the beep and the subscription.
export { afterSearch, alert } from '../lib/notify'

export function PushPrompt({ onDone }: { onDone: () => void }) {
  return (
    <div class="push-prompt" role="group" aria-label={t('push.ask')}>
      <p>{t('push.ask')}</p>
      <button
        type="button"
        class="btn"
        onClick={() => {
          notNow()
          onDone()
        }}
      >
        {t('push.notNow')}
      </button>
      <button
        type="button"
        class="btn primary"
        onClick={() => {
          onDone()
          void allow()
        }}
      >
        {t('push.allow')}
      </button>
    </div>
  )
}
