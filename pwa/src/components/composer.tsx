// The composer: attach, text, and send (or the mic when the field is empty). Enter sends on
// devices with a fine pointer (desktop); Shift+Enter adds a line. On phones Enter adds a line
// and the send button sends.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ChatController, TextItem } from '../lib/chat'
import { QuoteLine } from './quote'
import { ACCEPT } from '../lib/upload'
import { duration } from '../lib/format'
import { Icon } from './icons'
import { useVoice } from './voice'
import { t, type Msg } from '../i18n'
import { num } from '../lib/format'

const TYPING_IDLE_MS = 3000
/** The counter shows from this share of the limit on. */
const COUNTER_FROM = 0.9
const desktop = () => matchMedia('(pointer: fine)').matches

interface Props {
  ctl: ChatController
  maxLength: number
  maxVoiceSeconds: number
  onProblem(message: Msg): void
  /** the stranger's text being replied to: shown above the field, sent with the next text */
  reply: TextItem | null
  /** the reply was sent or cancelled */
  onReplyDone(): void
}

export function Composer({ ctl, maxLength, maxVoiceSeconds, onProblem, reply, onReplyDone }: Props) {
  const [text, setText] = useState('')
  /** characters a paste (or typing) past the limit lost, said until the next send */
  const [cut, setCut] = useState(0)
  const field = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const typing = useRef<{ on: boolean; timer?: ReturnType<typeof setTimeout> }>({ on: false })
  const voice = useVoice(maxVoiceSeconds, n => void ctl.sendVoice(n.blob, n.mime), onProblem)

  const stopTyping = () => {
    clearTimeout(typing.current.timer)
    if (typing.current.on) ctl.typing(false)
    typing.current.on = false
  }
  useEffect(() => stopTyping, [])
  useEffect(() => {
    if (desktop()) field.current?.focus()
  }, [])
  // Choosing Reply puts the cursor in the field (on a phone, that opens the keyboard, as expected).
  useEffect(() => {
    if (reply) field.current?.focus()
  }, [reply])

  function onInput(e: Event) {
    const el = e.currentTarget as HTMLTextAreaElement
    let v = el.value
    // No maxlength attribute: it cuts a paste silently. Cut here and say so.
    if (v.length > maxLength) {
      setCut(v.length - maxLength)
      v = v.slice(0, maxLength)
      el.value = v
    } else if (!v) setCut(0)
    setText(v)
    if (!v.trim()) return stopTyping()
    if (!typing.current.on) ctl.typing(true)
    typing.current.on = true
    clearTimeout(typing.current.timer)
    typing.current.timer = setTimeout(stopTyping, TYPING_IDLE_MS)
  }

  function send(e?: Event) {
    e?.preventDefault()
    if (!text.trim()) return
    if (ctl.send(text, reply)) {
      setText('')
      setCut(0)
      stopTyping()
      if (reply) onReplyDone()
    }
    field.current?.focus()
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && desktop()) send(e)
  }

  function onPick(e: Event) {
    const input = e.currentTarget as HTMLInputElement
    for (const f of Array.from(input.files ?? [])) void ctl.attach(f)
    input.value = ''
  }

  const recording = voice.state !== 'idle'
  /** held down: the lock above the mic says "slide up" */
  const holding = recording && voice.mode === 'hold'
  /** hands-free (locked, or started with a click): the mic is a Send button */
  const handsFree = recording && voice.mode !== 'hold'
  const lines = Math.min(5, text.split('\n').length)
  const counter = !recording && text.length >= maxLength * COUNTER_FROM

  return (
    <>
      {(counter || cut > 0) && (
        <p class={cut > 0 ? 'composer-note error' : 'composer-note'} role="status">
          {cut > 0 && <span>{t('composer.cut', { count: cut })}</span>}
          {counter && <span class="counter">{t('composer.counter', { length: num(text.length), max: num(maxLength) })}</span>}
        </p>
      )}
      {reply && !recording && (
        <div class="reply-bar">
          <div class="reply-quote" role="note" aria-label={t('composer.replying')}>
            <QuoteLine item={reply} />
          </div>
          <button type="button" class="icon-btn" aria-label={t('composer.cancelReply')} onClick={onReplyDone}>
            <Icon name="x" />
          </button>
        </div>
      )}
      <form class="composer" onSubmit={send} aria-label={t('composer.label')}>
        {recording ? (
          <>
            {/* Keyed: a click that follows the release must not land on the attach button drawn in its place. */}
            <button key="cancel-voice" type="button" class="icon-btn" aria-label={t('composer.cancelVoice')} {...voice.cancelHandlers}>
              <Icon name="trash" />
            </button>
            <div class="recording" role="status">
              <span class="red" aria-hidden="true" />
              {/* Elapsed only (the limit shows in its last ten seconds): the bar fits one line at 320 px. */}
              <span class={voice.maxSeconds - voice.elapsed <= 10 ? 'timer ending' : 'timer'}>
                {duration(voice.elapsed)}
                {voice.maxSeconds - voice.elapsed <= 10 && ` / ${duration(voice.maxSeconds)}`}
              </span>
              <span class="hint">
                {voice.state === 'opening' ? (
                  t('composer.startingMic')
                ) : voice.mode === 'locked' ? (
                  t('composer.locked')
                ) : voice.mode === 'toggle' ? (
                  t('composer.tapToSend')
                ) : (
                  <>
                    <span class="wide">{t('composer.holdHint')}</span>
                    <span class="narrow">{t('composer.slideCancel')}</span>
                  </>
                )}
              </span>
            </div>
            {holding && <LockHint />}
          </>
        ) : (
          <>
            <button key="attach" type="button" class="icon-btn" aria-label={t('composer.attach')} onClick={() => picker.current?.click()}>
              <Icon name="clip" />
            </button>
            <input ref={picker} class="sr-only" type="file" accept={ACCEPT} tabIndex={-1} aria-hidden="true" onChange={onPick} />
            <textarea
              ref={field}
              value={text}
              rows={lines}
              dir="auto"
              placeholder={t('composer.message')}
              aria-label={t('composer.message')}
              enterkeyhint={desktop() ? 'send' : 'enter'}
              onInput={onInput}
              onKeyDown={onKeyDown}
              onBlur={stopTyping}
            />
          </>
        )}
        {text.trim() && !recording ? (
          <button type="submit" class="icon-btn send" aria-label={t('composer.send')}>
            <Icon name="send" />
          </button>
        ) : (
          <button
            type="button"
            class={handsFree ? 'icon-btn mic send' : recording ? 'icon-btn mic rec' : 'icon-btn mic'}
            aria-label={t(recording ? 'composer.sendVoice' : 'composer.record')}
            aria-pressed={handsFree ? undefined : recording}
            {...voice.handlers}
          >
            <Icon name={handsFree ? 'send' : 'mic'} />
          </button>
        )}
      </form>
    </>
  )
}

/** Above the held mic: a lock and an arrow, "slide up to lock" (the hint line has no room for it at 320 px). */
function LockHint() {
  return (
    <span class="lock-hint" title={t('composer.lockHint')} aria-hidden="true">
      <svg class="icon" viewBox="0 0 24 24" focusable="false">
        <path d="M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5zM12 15v2" />
      </svg>
      <svg class="icon chevron" viewBox="0 0 24 24" focusable="false">
        <path d="m6 15 6-6 6 6" />
      </svg>
    </span>
  )
}
