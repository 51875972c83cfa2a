// The chat screen's dialogs (lazy with it, not in the first screens' bundle): the photo viewer,
// leaving, a stranger's link, block and report. Built on dialogs.tsx's Modal.
import { useState } from 'preact/hooks'
import { ReportError, type ReportReason } from '../lib/chat'
import type { Link } from '../lib/links'
import { Icon } from './icons'
import { Modal } from './dialogs'
import { msg, t, type MessageId, type Msg } from '../i18n'

/** The full-size photo: centred and scaled to fit on a dark backdrop; a tap, Esc or back closes it; pinch zooms. */
export function ImageViewer({ url, alt, onClose }: { url: string; alt: string; onClose(): void }) {
  return (
    <Modal class="viewer" label={alt} onClose={onClose}>
      {/* A tap anywhere closes it (keyboards have Esc and the close button). */}
      <div class="viewer-body" onClick={e => (e.currentTarget as HTMLElement).closest('dialog')?.close()}>
        <img src={url} alt={alt} />
        <form method="dialog">
          <button class="icon-btn close" aria-label={t('viewer.close')} autoFocus>
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
    <Modal label={t('leave.title')} onClose={onStay} back={false}>
      <form method="dialog">
        <h2>{t('leave.title')}</h2>
        <p class="hint">{t('leave.hint')}</p>
        <div class="actions">
          <button class="btn" autoFocus>
            {t('leave.stay')}
          </button>
          <button type="button" class="btn danger" onClick={onLeave}>
            {t('leave.leave')}
          </button>
        </div>
      </form>
    </Modal>
  )
}

/**
 * A link from the stranger opens only after this, in a new tab with no opener and no referrer
 * (the site learns neither this page nor a way back into it). It names the host the link really
 * opens, in ASCII, whatever the text of the link looked like.
 */
export function LinkDialog({ link, onClose }: { link: Link; onClose(): void }) {
  const title = t('link.title', { host: link.host })
  return (
    <Modal label={title} onClose={onClose}>
      <form method="dialog">
        <h2 dir="auto">{title}</h2>
        <p class="hint">{t('link.hint')}</p>
        <p class="link-url" dir="ltr">
          {link.href}
        </p>
        <div class="actions">
          <button class="btn" autoFocus>
            {t('link.cancel')}
          </button>
          <a class="btn primary" href={link.href} target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer" onClick={onClose}>
            {t('link.open')}
          </a>
        </div>
      </form>
    </Modal>
  )
}

/** Block asks once (it ends the chat and cannot be undone), saying what it does. */
export function BlockDialog({ onBlock, onCancel }: { onBlock(): void; onCancel(): void }) {
  return (
    <Modal label={t('block.title')} onClose={onCancel} back={false}>
      <form method="dialog">
        <h2>{t('block.title')}</h2>
        {/* The server's default BLOCK_SECONDS; the hello frame does not carry it. */}
        <p class="hint">{t('block.hint')}</p>
        <div class="actions">
          <button class="btn" autoFocus>
            {t('block.cancel')}
          </button>
          <button type="button" class="btn danger" onClick={onBlock}>
            {t('block.block')}
          </button>
        </div>
      </form>
    </Modal>
  )
}

const REASONS: Array<[ReportReason, MessageId]> = [
  ['spam', 'report.spam'],
  ['abuse', 'report.abuse'],
  ['sexual', 'report.sexual'],
  ['minor', 'report.minor'],
  ['other', 'report.other'],
]

interface ReportProps {
  onSubmit(reason: ReportReason, note: string, includeTranscript: boolean, includeStill: boolean): Promise<void>
  /** A video chat with a picture: offer to include a still of it (unticked, like the conversation). */
  offerStill?: boolean
  /** Block without reporting: ends the chat, never matched again. */
  onBlock?(): void
  onClose(): void
}

export function ReportDialog({ onSubmit, offerStill, onBlock, onClose }: ReportProps) {
  const [reason, setReason] = useState<ReportReason | null>(null)
  const [note, setNote] = useState('')
  const [transcript, setTranscript] = useState(false)
  const [still, setStill] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Msg | null>(null)

  async function submit(e: Event) {
    e.preventDefault()
    if (!reason || busy) return
    setBusy(true)
    setError(null)
    try {
      await onSubmit(reason, note, transcript, !!offerStill && still)
      onClose()
    } catch (err) {
      setError(err instanceof ReportError ? err.sentence : msg('report.failed'))
      setBusy(false)
    }
  }

  return (
    <Modal label={t('report.title')} onClose={onClose}>
      <form onSubmit={e => void submit(e)}>
        <h2>{t('report.title')}</h2>
        <fieldset>
          <legend>{t('report.what')}</legend>
          {REASONS.map(([value, label]) => (
            <label class="choice" key={value}>
              <input type="radio" name="reason" value={value} checked={reason === value} onChange={() => setReason(value)} required />
              {t(label)}
            </label>
          ))}
        </fieldset>
        <label class="label" for="report-note">
          {t('report.note')} <span class="hint">{t('report.optional')}</span>
        </label>
        <textarea id="report-note" maxLength={500} value={note} onInput={e => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        <label class="choice">
          <input type="checkbox" checked={transcript} onChange={e => setTranscript((e.currentTarget as HTMLInputElement).checked)} />
          {t('report.transcript')}
        </label>
        {offerStill && (
          <label class="choice">
            <input type="checkbox" checked={still} onChange={e => setStill((e.currentTarget as HTMLInputElement).checked)} />
            {t('report.still')}
          </label>
        )}
        <p class="hint">
          {t('report.ends')}
          {onBlock && ` ${t('report.blockToo')}`}
        </p>
        {error && (
          <p class="hint error" role="alert">
            {t(error)}
          </p>
        )}
        <div class="actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('report.cancel')}
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
              {t('report.justBlock')}
            </button>
          )}
          <button type="submit" class="btn danger" disabled={!reason || busy}>
            {t(busy ? 'report.sending' : 'report.submit')}
          </button>
        </div>
      </form>
    </Modal>
  )
}
