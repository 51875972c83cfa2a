// A photo the server's image screen flagged (MediaInfo.flagged), or any photo from the stranger
// while "Ask before showing photos" is on (lib/photos.ts). The stranger's copy stays blurred
// behind "Tap to view" ("Click to view" with a mouse) until tapped (blurred pixels, and hidden
// from screen readers and the keyboard, so nothing opens it by accident); the sender sees their
// own plainly, with a note if it was flagged.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import './screened.css'
import { t } from '../i18n'

interface Props {
  flagged: boolean
  /** the reader asked to be asked before every photo from a stranger */
  ask: boolean
  mine: boolean
  children: ComponentChildren
}

export function Screened({ flagged, ask, mine, children }: Props) {
  const [shown, setShown] = useState(false)
  if (shown || (!flagged && (mine || !ask))) return <>{children}</>
  if (mine) {
    return (
      <>
        {children}
        <small class="screened-note">{t('screened.mine')}</small>
      </>
    )
  }
  return (
    <div class="screened">
      <div class="screened-media" aria-hidden="true" inert>
        {children}
      </div>
      <div class="screened-cover">
        {flagged && <span>{t('screened.explicit')}</span>}
        <button type="button" class="btn small" onClick={() => setShown(true)}>
          {t(matchMedia('(pointer: fine)').matches ? 'screened.click' : 'screened.view')}
        </button>
      </div>
    </div>
  )
}
