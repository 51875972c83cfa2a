// Modal dialogs on the native <dialog> element: focus is trapped and restored by the browser,
// Esc closes them, and so does the back button (lib/back.ts).
import type { ComponentChildren } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { ReportReason } from '../lib/chat'
import { pushBack } from '../lib/back'
import { Icon } from './icons'

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

/** The full-size photo: centred and scaled to fit on a dark backdrop; a tap, Esc or back closes it; pinch zooms. */
export function ImageViewer({ url, alt, onClose }: { url: string; alt: string; onClose(): void }) {
  return (
    <Modal class="viewer" label={alt} onClose={onClose}>
      {/* A tap anywhere closes it (keyboards have Esc and the close button). */}
      <div class="viewer-body" onClick={e => (e.currentTarget as HTMLElement).closest('dialog')?.close()}>
        <img src={url} alt={alt} />
        <form method="dialog">
          <button class="icon-btn close" aria-label="Close photo" autoFocus>
            <Icon name="x" />
          </button>
        </form>
      </div>
    </Modal>
  )
}

/** Back in an open chat: leaving ends it for the stranger too, so ask. */
export function LeaveDialog({ onLeave, onStay }: { onLeave(): void; onStay(): void }) {
  return (
    <Modal label="Leave this chat?" onClose={onStay} back={false}>
      <form method="dialog">
        <h2>Leave this chat?</h2>
        <p class="hint">The stranger will see that you left.</p>
        <div class="actions">
          <button class="btn" autoFocus>
            Stay
          </button>
          <button type="button" class="btn danger" onClick={onLeave}>
            Leave
          </button>
        </div>
      </form>
    </Modal>
  )
}

/** Block asks once (it ends the chat and cannot be undone), saying what it does. */
export function BlockDialog({ onBlock, onCancel }: { onBlock(): void; onCancel(): void }) {
  return (
    <Modal label="Block this stranger?" onClose={onCancel} back={false}>
      <form method="dialog">
        <h2>Block this stranger?</h2>
        {/* The server's default BLOCK_SECONDS; the hello frame does not carry it. */}
        <p class="hint">You won't be matched with this stranger again for 7 days. The chat ends now.</p>
        <div class="actions">
          <button class="btn" autoFocus>
            Cancel
          </button>
          <button type="button" class="btn danger" onClick={onBlock}>
            Block
          </button>
        </div>
      </form>
    </Modal>
  )
}

/** The one-time gate before the first chat; remembered on the device by the caller. */
export function RulesDialog({ onAccept, onClose }: { onAccept(): void; onClose(): void }) {
  const [ok, setOk] = useState(false)
  return (
    <Modal label="Before you start" onClose={onClose}>
      <form
        onSubmit={e => {
          e.preventDefault()
          if (ok) onAccept()
        }}
      >
        <h2>Before you start</h2>
        <ul class="rules-list">
          <li>Be kind. No harassment, hate, threats or spam.</li>
          <li>No sexual content, and nothing at all involving minors.</li>
          <li>Don't share personal details you would regret sharing.</li>
        </ul>
        <label class="choice">
          <input type="checkbox" checked={ok} onChange={e => setOk((e.currentTarget as HTMLInputElement).checked)} />
          <span>I am 18 or older (or 13+ with a parent's permission) and I will follow the rules</span>
        </label>
        <p class="hint">
          <a href="/rules" target="_blank" rel="noopener">
            Read the rules
          </a>
        </p>
        <div class="actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={!ok}>
            Agree and start
          </button>
        </div>
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
      <form onSubmit={e => void submit(e)}>
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
