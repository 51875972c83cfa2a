// Modal dialogs on the native <dialog> element: focus is trapped and restored by the browser,
// Esc closes them, and so does the back button (lib/back.ts). The chat's own dialogs (report,
// block, leave, a link, the photo viewer) are in chat-dialogs.tsx, which loads with the chat.
import type { ComponentChildren } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { pushBack } from '../lib/back'
import { SHOW_RULES } from './topbar'
import { t } from '../i18n'

interface ModalProps {
  class?: string
  label: string
  onClose(): void
  children: ComponentChildren
  /** false: back does not close it (its opener handles back itself) */
  back?: boolean
}

export function Modal({ class: cls, label, onClose, children, back = true }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  // Layout effect: the history entry exists as soon as the dialog does, so an early back closes it.
  useLayoutEffect(() => {
    const d = ref.current!
    if (!d.open) d.showModal()
    const release = back ? pushBack(() => d.open && d.close()) : () => {}
    return () => {
      release()
      if (d.open) d.close()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      class={cls}
      aria-label={label}
      onClose={onClose}
      onClick={e => e.target === ref.current && ref.current?.close()} // a tap on the backdrop closes
    >
      {children}
    </dialog>
  )
}

/** The one-time gate before the first chat; remembered on the device by the caller. */
export function RulesDialog({ onAccept, onClose }: { onAccept(): void; onClose(): void }) {
  const [ok, setOk] = useState(false)
  return (
    <Modal label={t('gate.title')} onClose={onClose}>
      <form
        onSubmit={e => {
          e.preventDefault()
          if (ok) onAccept()
        }}
      >
        <h2>{t('gate.title')}</h2>
        <ul class="rules-list">
          <li>{t('gate.kind')}</li>
          <li>{t('gate.sexual')}</li>
          <li>{t('gate.details')}</li>
        </ul>
        <label class="choice">
          <input type="checkbox" checked={ok} onChange={e => setOk((e.currentTarget as HTMLInputElement).checked)} />
          <span>{t('gate.agree')}</span>
        </label>
        <p class="hint">
          {/* In the app, over the gate (an installed app would open a new tab in the browser). */}
          <a
            class="rules-link"
            href="/rules"
            onClick={e => {
              e.preventDefault()
              dispatchEvent(new Event(SHOW_RULES))
            }}
          >
            {t('gate.read')}
          </a>
        </p>
        <div class="actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('gate.cancel')}
          </button>
          <button type="submit" class="btn primary" disabled={!ok}>
            {t('gate.start')}
          </button>
        </div>
      </form>
    </Modal>
  )
}
