// One item in the conversation. Text is always rendered as text (never as HTML).
import type { Item, MediaItem, UploadItem } from '../lib/chat'
import { bytes, time } from '../lib/format'
import { AudioPlayer } from './audio-player'
import { Icon } from './icons'
import { Screened } from './screened'

interface Props {
  item: Item
  /** the chat is still open (a refused text can be retried) */
  open: boolean
  onView(url: string, alt: string): void
  onDismiss(key: string): void
  onRetry(key: string): void
}

export function Message({ item, open, onView, onDismiss, onRetry }: Props) {
  const who = item.mine ? 'You' : 'Stranger'
  return (
    <li class={item.mine ? 'msg mine' : 'msg'}>
      <span class="sr-only">{who}:</span>
      {item.kind === 'text' && <div class="bubble">{item.body}</div>}
      {item.kind === 'media' && <Media item={item} onView={onView} />}
      {item.kind === 'upload' && <Upload item={item} onDismiss={onDismiss} />}
      <div class="meta">
        <time dateTime={new Date(item.at).toISOString()}>{time(item.at)}</time>
        {item.kind === 'text' && item.mine && <Tick status={item.status ?? 'sending'} />}
        {item.kind === 'text' && item.status === 'failed' && open && (
          <button type="button" class="link" onClick={() => onRetry(item.key)}>
            Retry
          </button>
        )}
      </div>
    </li>
  )
}

function Tick({ status }: { status: 'sending' | 'delivered' | 'failed' }) {
  if (status === 'failed') {
    return (
      <span class="tick failed">
        <Icon name="alert" /> Not delivered
      </span>
    )
  }
  return (
    <span class={`tick ${status}`} title={status === 'delivered' ? 'Delivered' : 'Sending'}>
      <Icon name={status === 'delivered' ? 'check' : 'clock'} />
      <span class="sr-only">{status === 'delivered' ? 'Delivered' : 'Sending'}</span>
    </span>
  )
}

function Media({ item, onView }: { item: MediaItem; onView(url: string, alt: string): void }) {
  const m = item.media
  const from = item.mine ? 'you' : 'the stranger'
  if (m.kind === 'image') {
    const alt = `Photo from ${from}`
    return (
      <div class="bubble media">
        <Screened flagged={m.flagged === true} mine={item.mine}>
          <button type="button" class="thumb" aria-label={`Open ${alt.toLowerCase()}`} onClick={() => onView(m.url, alt)}>
            <img src={m.url} alt={alt} loading="lazy" decoding="async" />
          </button>
        </Screened>
      </div>
    )
  }
  if (m.kind === 'audio') {
    return (
      <div class="bubble media">
        <AudioPlayer src={m.url} label={`voice note from ${from}`} />
      </div>
    )
  }
  return (
    <div class="bubble media">
      <a class="file" href={m.url} download={m.name} rel="noopener noreferrer">
        <Icon name="file" />
        <span>
          <b>{m.name}</b>
          <small>
            {bytes(m.size)} · Download
          </small>
        </span>
      </a>
    </div>
  )
}

function Upload({ item, onDismiss }: { item: UploadItem; onDismiss(key: string): void }) {
  const what = item.media === 'audio' ? 'Voice note' : item.name
  return (
    <div class="bubble media upload">
      <b>{what}</b>
      {item.error ? (
        <>
          <span class="error" role="alert">
            {item.error}
          </span>
          <button type="button" class="btn small" onClick={() => onDismiss(item.key)}>
            Dismiss
          </button>
        </>
      ) : (
        <>
          <progress max={1} value={item.progress} aria-label={`Uploading ${what}`} />
          <small>{item.progress >= 1 ? 'Sending…' : `Uploading ${Math.round(item.progress * 100)}% of ${bytes(item.size)}`}</small>
        </>
      )}
    </div>
  )
}
