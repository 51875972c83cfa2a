// One item in the conversation. Text is always rendered as text (never as HTML); in the
// stranger's texts, https links become tappable behind a confirm (lib/links.ts). The stranger's
// texts can be replied to: swipe right (touch) or the Reply button (hover or focus).
import type { Item, MediaItem, TextItem, UploadItem } from '../lib/chat'
import { linkify, type Link } from '../lib/links'
import { askPhotos } from '../lib/photos'
import { bytes, time } from '../lib/format'
import { canRetry, refusalSentence } from '../lib/refusals'
import { SEEN_ATTR } from '../lib/seen'
import { AudioPlayer } from './audio-player'
import { Icon } from './icons'
import { Screened } from './screened'
import { Quote } from './quote'
import { useSwipe } from './swipe'
import { t } from '../i18n'
import './message.css'

interface Props {
  item: Item
  /** the text this one replies to, when it is in the conversation */
  quote?: TextItem
  /** the chat is still open (a refused text can be retried) */
  open: boolean
  /** replying is offered (the stranger's texts while the chat is open) */
  onReply?(item: TextItem): void
  onLink(link: Link): void
  /** scrolls to the quoted message */
  onQuote(key: string): void
  onView(url: string, alt: string): void
  onDismiss(key: string): void
  onRetry(key: string): void
  onRetryUpload(key: string): void
}

/** Own items' delivery: a text by its `delivered`; an attachment is delivered once its `media` frame came back. */
function statusOf(item: Item): 'sending' | 'delivered' | 'seen' | 'failed' | null {
  if (!item.mine) return null
  if (item.kind === 'text') return item.status ?? 'sending'
  if (item.kind === 'media') return 'delivered'
  return item.error ? null : 'sending'
}

export function Message({ item, quote, open, onReply, onLink, onQuote, onView, onDismiss, onRetry, onRetryUpload }: Props) {
  const who = t(item.mine ? 'chat.you' : 'chat.stranger')
  const status = statusOf(item)
  const reply = item.kind === 'text' && onReply ? () => onReply(item) : undefined
  const swipe = useSwipe(reply)
  return (
    <li class={item.mine ? 'msg mine' : 'msg'} data-key={item.key} {...(item.kind === 'text' && !item.mine && item.seq !== undefined && { [SEEN_ATTR]: item.seq })}>
      <span class="sr-only">{who}:</span>
      {item.kind === 'text' && (
        <>
          {reply && <ReplyIcon class="swipe-icon" />}
          <div class={reply ? 'swipe' : undefined} ref={swipe.ref} {...swipe.handlers}>
            <div class="bubble" dir="auto">
              {quote && <Quote item={quote} onShow={onQuote} />}
              {item.mine ? item.body : <Linked body={item.body} onLink={onLink} />}
            </div>
          </div>
        </>
      )}
      {item.kind === 'media' && <Media item={item} onView={onView} />}
      {item.kind === 'upload' && <Upload item={item} onDismiss={onDismiss} onRetry={onRetryUpload} />}
      {item.kind === 'text' && item.status === 'failed' && item.refusal && <p class="refusal">{t(refusalSentence(item.refusal))}</p>}
      <div class="meta">
        <time dateTime={new Date(item.at).toISOString()}>{time(item.at)}</time>
        {status && <Tick status={status} />}
        {item.kind === 'text' && item.status === 'failed' && open && (!item.refusal || canRetry(item.refusal)) && (
          <button type="button" class="link" onClick={() => onRetry(item.key)}>
            {t('msg.retry')}
          </button>
        )}
        {reply && (
          <button type="button" class="reply-btn" aria-label={t('msg.reply')} title={t('msg.reply')} onClick={reply}>
            <ReplyIcon />
          </button>
        )}
      </div>
    </li>
  )
}

/**
 * The stranger's text with its https links tappable. Not real hrefs: a long-press menu or a
 * middle click would open them without the confirm. A link whose host is not what it looks like
 * (an IDN, escapes) shows the host it really opens.
 */
function Linked({ body, onLink }: { body: string; onLink(link: Link): void }) {
  return (
    <>
      {linkify(body).map(p =>
        typeof p === 'string' ? (
          p
        ) : (
          <a
            class="chat-link"
            role="link"
            tabIndex={0}
            title={p.host}
            onClick={() => onLink(p)}
            onKeyDown={e => {
              if (e.key !== 'Enter') return
              e.preventDefault()
              onLink(p)
            }}
          >
            {p.text}
            {p.disguised && (
              <span class="link-host" dir="ltr">
                {p.host}
              </span>
            )}
          </a>
        ),
      )}
    </>
  )
}

function ReplyIcon({ class: cls }: { class?: string }) {
  return (
    <svg class={cls ? `icon ${cls}` : 'icon'} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M9 14 4 9l5-5M4 9h10a6 6 0 0 1 6 6v5" />
    </svg>
  )
}

function Tick({ status }: { status: 'sending' | 'delivered' | 'seen' | 'failed' }) {
  if (status === 'seen') {
    // Still `delivered` too: a seen text was delivered (and styles and tests that look for it still find it).
    return (
      <span class="tick delivered seen" title={t('chat.seen')}>
        <Icon name="check" />
        <Icon name="check" />
        <span class="sr-only">{t('chat.seen')}</span>
      </span>
    )
  }
  if (status === 'failed') {
    return (
      <span class="tick failed">
        <Icon name="alert" /> {t('msg.notSent')}
      </span>
    )
  }
  return (
    <span class={`tick ${status}`} title={t(status === 'delivered' ? 'msg.delivered' : 'msg.sending')}>
      <Icon name={status === 'delivered' ? 'check' : 'clock'} />
      <span class="sr-only">{t(status === 'delivered' ? 'msg.delivered' : 'msg.sending')}</span>
    </span>
  )
}

function Media({ item, onView }: { item: MediaItem; onView(url: string, alt: string): void }) {
  const m = item.media
  if (m.kind === 'image') {
    const alt = t(item.mine ? 'msg.photoFromYou' : 'msg.photoFromStranger')
    return (
      <div class="bubble media">
        <Screened flagged={m.flagged === true} ask={askPhotos()} mine={item.mine}>
          <button type="button" class="thumb" aria-label={t(item.mine ? 'msg.openPhotoYou' : 'msg.openPhotoStranger')} onClick={() => onView(m.url, alt)}>
            <img src={m.url} alt={alt} loading="lazy" decoding="async" {...thumbBox(m.width, m.height)} />
          </button>
        </Screened>
      </div>
    )
  }
  if (m.kind === 'audio') {
    return (
      <div class="bubble media">
        <AudioPlayer src={m.url} label={t(item.mine ? 'msg.voiceFromYou' : 'msg.voiceFromStranger')} durationMs={m.durationMs} />
      </div>
    )
  }
  return (
    <div class="bubble media">
      <a class="file" href={m.url} download={m.name} rel="noopener noreferrer">
        <Icon name="file" />
        <span>
          <b>{m.name}</b>
          <small>{t('msg.download', { size: bytes(m.size) })}</small>
        </span>
      </a>
    </div>
  )
}

const THUMB_MAX_W = 240
const THUMB_MAX_H = 300

/**
 * The thumbnail's box from the photo's pixel size (from the `media` frame), reserved before it
 * loads so the log does not grow under the reader. CSS caps the width on narrow screens and keeps
 * the ratio (height: auto).
 */
function thumbBox(w?: number, h?: number): { width?: number; height?: number; class?: string } {
  if (!w || !h) return {}
  const scale = Math.min(1, THUMB_MAX_W / w, THUMB_MAX_H / h)
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)), class: 'sized' }
}

function Upload({ item, onDismiss, onRetry }: { item: UploadItem; onDismiss(key: string): void; onRetry(key: string): void }) {
  const what = item.media === 'audio' ? t('msg.voiceNote') : item.name
  return (
    <div class="bubble media upload">
      <b>{what}</b>
      {item.error ? (
        <>
          <span class="error" role="alert">
            {t(item.error)}
          </span>
          <span class="row">
            {item.retryable && (
              <button type="button" class="btn small primary" onClick={() => onRetry(item.key)}>
                {t('msg.retry')}
              </button>
            )}
            <button type="button" class="btn small" onClick={() => onDismiss(item.key)}>
              {t('msg.dismiss')}
            </button>
          </span>
        </>
      ) : item.waiting ? (
        <>
          <small>{t('msg.waiting')}</small>
          <button type="button" class="btn small" onClick={() => onDismiss(item.key)}>
            {t('msg.cancel')}
          </button>
        </>
      ) : (
        <>
          <progress max={1} value={item.progress} aria-label={t('msg.uploading', { name: what })} />
          <small>{item.progress >= 1 ? t('msg.sendingEllipsis') : t('msg.progress', { percent: Math.round(item.progress * 100), size: bytes(item.size) })}</small>
        </>
      )}
    </div>
  )
}
