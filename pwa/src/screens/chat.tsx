// The conversation: who you're talking to and what you share, the messages, the composer, and
// the ways out (New stranger with a confirm, Report).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Chat, ChatController, State } from '../lib/chat'
import { list } from '../lib/format'
import { Message } from '../components/message'
import { Composer } from '../components/composer'
import { ImageViewer, ReportDialog } from '../components/dialogs'
import { ConnectionStrip } from '../components/status'
import { Brand, TopBar } from '../components/topbar'
import { Icon } from '../components/icons'

const CONFIRM_MS = 3000
const DEFAULT_VOICE_SECONDS = 120

interface Props {
  state: State
  chat: Chat
  ctl: ChatController
  onNotice(message: string): void
}

export function ChatScreen({ state, chat, ctl, onNotice }: Props) {
  const [armed, setArmed] = useState(false)
  const [reporting, setReporting] = useState(false)
  const [viewing, setViewing] = useState<{ url: string; alt: string } | null>(null)
  const log = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const ended = chat.ended

  // New stranger: the first press (or Esc) arms, the second within a few seconds confirms.
  function skip() {
    if (ended || armed) {
      setArmed(false)
      return ctl.next()
    }
    setArmed(true)
    onNotice('Press again for a new stranger')
  }
  useEffect(() => {
    if (!armed) return
    const t = setTimeout(() => setArmed(false), CONFIRM_MS)
    return () => clearTimeout(t)
  }, [armed])
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || reporting || viewing) return
      e.preventDefault()
      skip()
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  })

  // Follow the conversation while the reader is at the bottom; leave them alone if they scrolled up.
  useLayoutEffect(() => {
    const el = log.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [chat.items.length, chat.typing, ended])
  const onScroll = () => {
    const el = log.current!
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
  }
  // The phone keyboard opening shrinks the log: keep the latest message in view.
  useEffect(() => {
    const keep = () => stick.current && log.current && (log.current.scrollTop = log.current.scrollHeight)
    visualViewport?.addEventListener('resize', keep)
    return () => visualViewport?.removeEventListener('resize', keep)
  }, [])

  const limits = state.limits
  const maxVoice = (limits as { maxVoiceSeconds?: number } | null)?.maxVoiceSeconds ?? DEFAULT_VOICE_SECONDS
  const subtitle = ended ? 'Left the chat' : chat.partnerAway ? 'Reconnecting…' : chat.typing ? 'typing…' : 'Online'

  return (
    <div class="screen">
      <TopBar>
        <div class="wide-only chat-top">
          <Brand />
        </div>
        <div class="who">
          <strong>Stranger</strong>
          <small class={chat.typing && !ended ? 'typing' : ''}>{subtitle}</small>
        </div>
        {!chat.reported && (
          <button type="button" class="icon-btn" aria-label="Report this stranger" title="Report" onClick={() => setReporting(true)}>
            <Icon name="flag" />
          </button>
        )}
        {!chat.blocked && (
          <button type="button" class="btn small" aria-label="Block this stranger" title="Block: never matched again" onClick={() => ctl.block()}>
            Block
          </button>
        )}
        <button type="button" class={armed ? 'btn small armed' : ended ? 'btn small primary' : 'btn small'} onClick={skip} aria-keyshortcuts="Escape">
          {armed ? 'Sure? Tap again' : 'New stranger'}
        </button>
      </TopBar>
      <ConnectionStrip conn={state.conn} partnerAway={chat.partnerAway && !ended} />
      <div class="log" ref={log} onScroll={onScroll} role="log" aria-label="Conversation" aria-live="polite" aria-relevant="additions">
        <ol class="msgs">
          <li class="banner">
            {chat.common.length ? (
              <>
                You're chatting with a stranger — you both like <strong>{list(chat.common)}</strong>.
              </>
            ) : (
              "You're chatting with a random stranger. Say hi!"
            )}
          </li>
          {chat.items.map(item => (
            <Message
              key={item.key}
              item={item}
              open={!ended}
              onView={(url, alt) => setViewing({ url, alt })}
              onDismiss={k => ctl.dismiss(k)}
              onRetry={k => ctl.retry(k)}
            />
          ))}
        </ol>
      </div>
      <div class="typing-row" aria-hidden="true">
        {chat.typing && !ended && (
          <>
            <span class="dots">
              <i />
              <i />
              <i />
            </span>
            Stranger is typing…
          </>
        )}
      </div>
      <div class="dock">
        {ended ? (
          <div class="over" role="status">
            <p>{endedText(chat)}</p>
            <div class="row">
              <button type="button" class="btn primary" onClick={() => ctl.next()} autoFocus>
                New stranger
              </button>
              <button type="button" class="btn" onClick={() => ctl.home()}>
                Change interests
              </button>
            </div>
          </div>
        ) : (
          <Composer ctl={ctl} maxLength={limits?.maxTextLength ?? 2000} maxVoiceSeconds={maxVoice} onProblem={onNotice} />
        )}
      </div>
      {reporting && <ReportDialog onSubmit={(r, n, t) => ctl.report(r, n, t)} onBlock={chat.blocked ? undefined : () => ctl.block()} onClose={() => setReporting(false)} />}
      {viewing && <ImageViewer url={viewing.url} alt={viewing.alt} onClose={() => setViewing(null)} />}
    </div>
  )
}

function endedText(chat: Chat): string {
  const e = chat.ended!
  if (chat.reported || e.reason === 'reported') return 'You reported this stranger. The chat has ended.'
  if (chat.blocked) return "You blocked this stranger. You won't be matched again."
  if (e.by === 'stranger') return 'Stranger has left.'
  if (e.reason === 'banned') return 'This chat was ended by a moderator.'
  if (e.reason === 'timeout') return 'The connection was lost, so the chat ended.'
  return 'The chat has ended.'
}
