// Modal dialogs on the native <dialog> element: focus is trapped and restored by the browser,
// Esc closes them.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ReportReason } from '../lib/chat'
import { Icon } from './icons'

function Modal({ class: cls, label, onClose, children }: { class?: string; label: string; onClose(): void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current!
    if (!d.open) d.showModal()
    return () => d.open && d.close()
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

export function ImageViewer({ url, alt, onClose }: { url: string; alt: string; onClose(): void }) {
  return (
    <Modal class="viewer" label={alt} onClose={onClose}>
      <img src={url} alt={alt} />
      <form method="dialog">
        <button class="icon-btn close" aria-label="Close photo" autoFocus>
          <Icon name="x" />
        </button>
      </form>
    </Modal>
  )
}

const REASONS: Array<[ReportReason, string]> = [
  ['spam', 'Spam, scams or ads'],
  ['abuse', 'Harassment, threats or hate'],
  ['sexual', 'Sexual content'],
  ['minor', 'Seems to be under 18'],
  ['other', 'Something else'],
]

interface ReportProps {
  onSubmit(reason: ReportReason, note: string, includeTranscript: boolean): Promise<void>
  /** Block without reporting: ends the chat, never matched again. */
  onBlock?(): void
  onClose(): void
}

export function ReportDialog({ onSubmit, onBlock, onClose }: ReportProps) {
  const [reason, setReason] = useState<ReportReason | null>(null)
  const [note, setNote] = useState('')
  const [transcript, setTranscript] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  async function submit(e: Event) {
    e.preventDefault()
    if (!reason || busy) return
    setBusy(true)
    setError('')
    try {
      await onSubmit(reason, note, transcript)
      onClose()
    } catch (err) {
      setError((err as Error).message)
      setBusy(false)
    }
  }

  return (
    <Modal label="Report this stranger" onClose={onClose}>
      <form onSubmit={submit}>
        <h2>Report this stranger</h2>
        <fieldset>
          <legend>What's wrong?</legend>
          {REASONS.map(([value, label]) => (
            <label class="choice" key={value}>
              <input type="radio" name="reason" value={value} checked={reason === value} onChange={() => setReason(value)} required />
              {label}
            </label>
          ))}
        </fieldset>
        <label class="label" for="report-note">
          Anything to add? <span class="hint">(optional)</span>
        </label>
        <textarea id="report-note" maxLength={500} value={note} onInput={e => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        <label class="choice">
          <input type="checkbox" checked={transcript} onChange={e => setTranscript((e.currentTarget as HTMLInputElement).checked)} />
          Include this conversation so a moderator can read it
        </label>
        <p class="hint">Reporting ends the chat. The stranger is not told who reported them.{onBlock && ' Blocking ends it too, and you are never matched with them again.'}</p>
        {error && (
          <p class="hint error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          {onBlock && (
            <button
              type="button"
              class="btn"
              onClick={() => {
                onBlock()
                onClose()
              }}
            >
              Just block
            </button>
          )}
          <button type="submit" class="btn danger" disabled={!reason || busy}>
            {busy ? 'Sending…' : 'Report and leave'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
