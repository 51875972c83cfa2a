// The quoted line of a reply: who wrote it and the start of it, above the reply in its bubble
// (tapping it scrolls to the original) and above the composer while replying. Only texts are
// quoted: the wire's `replyTo` names a text (api/chat/protocol.md).
import type { TextItem } from '../lib/chat'
import { t } from '../i18n'

const EXCERPT_CHARS = 100

/** The start of a text's first line that is not blank, cut at a character (not inside a surrogate pair). */
export function excerpt(body: string): string {
  const line = body.split('\n').find(l => l.trim()) ?? body
  const chars = Array.from(line.trim())
  return chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS).join('')}…` : chars.join('')
}

export function QuoteLine({ item }: { item: TextItem }) {
  return (
    <>
      <b>{t(item.mine ? 'chat.you' : 'chat.stranger')}</b>
      <span class="quote-text" dir="auto">
        {excerpt(item.body)}
      </span>
    </>
  )
}

/** In a bubble: the quoted message, a button that scrolls to it. */
export function Quote({ item, onShow }: { item: TextItem; onShow(key: string): void }) {
  return (
    <button type="button" class="quote" onClick={() => onShow(item.key)}>
      <span class="sr-only">{t('msg.inReplyTo')} </span>
      <QuoteLine item={item} />
    </button>
  )
}
