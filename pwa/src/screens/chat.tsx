// The conversation: who you're talking to and what you share, the messages, the composer, and
// the ways out (New stranger with a confirm, Report, back with a confirm). The log follows the
// conversation while the reader is at the bottom, also when photos and players finish loading;
// a reader who scrolled up gets a "New messages" pill instead of a jump.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Chat, ChatController, Item, State, TextItem } from '../lib/chat'
import type { Link } from '../lib/links'
import { list } from '../lib/format'
import { Message } from '../components/message'
import { Composer } from '../components/composer'
import { BlockDialog, ImageViewer, LeaveDialog, LinkDialog, ReportDialog } from '../components/chat-dialogs'
import { pushBack } from '../lib/back'
import { ConnectionStrip } from '../components/status'
import { Brand, TopBar } from '../components/topbar'
import { Icon } from '../components/icons'
import { watchSeen } from '../lib/seen'
import { languageName } from '../components/language-chips'
import { msg, rich, t, type MessageId, type Msg } from '../i18n'
import '../i18n/rest'
import { VideoPanel } from '../components/video-panel'

const CONFIRM_MS = 3000
/** Closer to the bottom than this counts as "at the bottom". */
const STICK_PX = 80
const DEFAULT_VOICE_SECONDS = 120
/** How long the original stays outlined after its quote was tapped. */
const FLASH_MS = 1200

interface Props {
  state: State
  chat: Chat
  ctl: ChatController
  onNotice(message: Msg): void
}

export function ChatScreen({ state, chat, ctl, onNotice }: Props) {
  const [armed, setArmed] = useState(false)
  const [reporting, setReporting] = useState(false)
  const [viewing, setViewing] = useState<{ url: string; alt: string } | null>(null)
  const [leaving, setLeaving] = useState(false)
  const [blocking, setBlocking] = useState(false)
  const [unseen, setUnseen] = useState(0)
  const [link, setLink] = useState<Link | null>(null)
  const [replying, setReplying] = useState<TextItem | null>(null)
  const log = useRef<HTMLDivElement>(null)
  const list_ = useRef<HTMLOListElement>(null)
  const stick = useRef(true)
  const shown = useRef(chat.items.length)
  const ended = chat.ended
  const live = useRef({ ended, leaving })
  live.current = { ended, leaving }

  // Back (Android, desktop) in a chat asks first instead of closing the app; in an ended chat it
  // goes home. The entry survives a reload, so a resumed chat adopts it.
  useEffect(() => {
    let release = () => {}
    const guard = (adopt: boolean) => {
      release = pushBack(
        () => {
          if (live.current.ended) return ctl.home()
          setLeaving(!live.current.leaving)
          guard(false)
        },
        { adopt },
      )
    }
    guard(true)
    return () => release()
  }, [])

  // The stranger's messages on screen while the page is looked at become a `seen` for them.
  useEffect(() => (list_.current ? watchSeen(list_.current, seq => ctl.seen(seq)) : undefined), [])

  // New stranger: the first press (or Esc) arms, the second within a few seconds confirms.
  function skip() {
    if (ended || armed) {
      setArmed(false)
      return ctl.next()
    }
    setArmed(true)
    onNotice(msg('chat.pressAgain'))
  }
  useEffect(() => {
    if (!armed) return
    const t = setTimeout(() => setArmed(false), CONFIRM_MS)
    return () => clearTimeout(t)
  }, [armed])
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || reporting || viewing || leaving || link || blocking) return
      e.preventDefault()
      // Esc while replying drops the reply first.
      if (replying) setReplying(null)
      else skip()
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  })

  const toBottom = () => {
    const el = log.current
    if (el) el.scrollTop = el.scrollHeight
  }
  // New items: follow them if the reader is at the bottom (or sent one), else count them.
  useLayoutEffect(() => {
    const added = chat.items.slice(shown.current)
    shown.current = chat.items.length
    if (stick.current || added.some(i => i.mine)) {
      stick.current = true
      toBottom()
      setUnseen(0)
    } else if (added.length) setUnseen(n => n + added.length)
  }, [chat.items.length])
  useLayoutEffect(() => {
    if (stick.current) toBottom()
  }, [chat.typing, ended])
  // Anything that changes the log's size after the fact (a photo or a player loading, the phone
  // keyboard opening, the typing row) keeps the latest message in view while we follow.
  useEffect(() => {
    if (typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(() => stick.current && toBottom())
    if (log.current) ro.observe(log.current)
    if (list_.current) ro.observe(list_.current)
    return () => ro.disconnect()
  }, [])
  const onScroll = () => {
    const el = log.current!
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX
    if (stick.current && unseen) setUnseen(0)
  }
  // A reply never carries over to the next stranger.
  useEffect(() => setReplying(null), [chat.id])
  const showQuoted = (key: string) => {
    const el = list_.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)
    if (!el) return
    el.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' })
    el.classList.add('flash')
    setTimeout(() => el.classList.remove('flash'), FLASH_MS)
  }
  const byKey = new Map(chat.items.map(i => [i.key, i]))

  const showNew = () => {
    stick.current = true
    setUnseen(0)
    log.current?.scrollTo({ top: log.current.scrollHeight, behavior: 'smooth' })
  }

  const limits = state.limits
  const maxVoice = (limits as { maxVoiceSeconds?: number } | null)?.maxVoiceSeconds ?? DEFAULT_VOICE_SECONDS
  const subtitle = t(
    ended ? endedStatus(chat) : state.conn === 'offline' ? 'chat.offline' : chat.partnerAway ? 'chat.reconnecting' : chat.typing ? 'chat.typingShort' : 'chat.online',
  )
  const strong = (s: string) => <strong>{s}</strong>

  const video = chat.video && !ended ? ctl.videoView() : null

  return (
    <div class={video ? 'screen with-video' : 'screen'}>
      <TopBar>
        <div class="wide-only chat-top">
          <Brand />
        </div>
        <div class="who">
          <strong>{t('chat.stranger')}</strong>
          <small class={chat.typing && !ended ? 'typing' : ''}>{subtitle}</small>
        </div>
        {!chat.reported && (
          <button type="button" class="icon-btn" aria-label={t('chat.reportLabel')} title={t('chat.report')} onClick={() => setReporting(true)}>
            <Icon name="flag" />
          </button>
        )}
        {!chat.blocked && (
          <button type="button" class="btn small block" aria-label={t('chat.blockLabel')} title={t('chat.blockTitle')} onClick={() => setBlocking(true)}>
            {/* A phone's header has room for an icon only (the name says it). */}
            <svg class="icon short" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM4.9 4.9l14.2 14.2" />
            </svg>
            <span class="long">{t('chat.block')}</span>
          </button>
        )}
        {/* Named in full; a phone shows the short label so the title and status keep their room. */}
        <button
          type="button"
          class={armed ? 'btn small next armed' : ended ? 'btn small next primary' : 'btn small next'}
          aria-label={t(armed ? 'chat.sure' : 'chat.new')}
          onClick={skip}
          aria-keyshortcuts="Escape"
        >
          <span class="long">{t(armed ? 'chat.sure' : 'chat.new')}</span>
          <span class="short">{t(armed ? 'chat.sureShort' : 'chat.newShort')}</span>
        </button>
      </TopBar>
      <ConnectionStrip conn={state.conn} partnerAway={chat.partnerAway && !ended} />
      {video && (
        <VideoPanel
          view={video}
          failed={chat.video!.failed}
          onControl={w => ctl.videoControl(w)}
          onRemoteElement={el => ctl.videoRemote(el)}
          onReport={chat.reported || ended ? undefined : () => setReporting(true)}
        />
      )}
      <div class="log-wrap">
        <div class="log" ref={log} onScroll={onScroll} role="log" aria-label={t('chat.conversation')} aria-live="polite" aria-relevant="additions">
          <ol class="msgs" ref={list_}>
            <li class="banner">
              {chat.common.length ? rich(t('chat.bannerCommon', { list: list(chat.common) }), [strong]) : t('chat.bannerRandom')}
              {chat.languages?.length ? <> {rich(t('chat.bannerLanguages', { list: list(chat.languages.map(languageName)) }), [strong])}</> : null}
            </li>
            {chat.items.map(item => (
              <Message
                key={item.key}
                item={item}
                quote={quoted(item.kind === 'text' ? byKey.get(item.replyTo ?? '') : undefined)}
                open={!ended}
                onReply={!ended && !item.mine && item.kind === 'text' && item.seq !== undefined ? setReplying : undefined}
                onLink={setLink}
                onQuote={showQuoted}
                onView={(url, alt) => setViewing({ url, alt })}
                onDismiss={k => ctl.dismiss(k)}
                onRetry={k => ctl.retry(k)}
                onRetryUpload={k => ctl.retryUpload(k)}
              />
            ))}
          </ol>
        </div>
        {unseen > 0 && (
          <button type="button" class="pill" onClick={showNew}>
            {t('chat.newMessages', { count: unseen })} <span aria-hidden="true">↓</span>
          </button>
        )}
      </div>
      <div class="typing-row" aria-hidden="true">
        {chat.typing && !ended && (
          <>
            <span class="dots">
              <i />
              <i />
              <i />
            </span>
            {t('chat.typing')}
          </>
        )}
      </div>
      <div class="dock">
        {ended ? (
          <div class="over" role="status">
            <p>{t(endedText(chat))}</p>
            <div class="row">
              <button type="button" class="btn primary" onClick={() => ctl.next()} autoFocus>
                {t('chat.new')}
              </button>
              <button type="button" class="btn" onClick={() => ctl.home()}>
                {t('chat.changeInterests')}
              </button>
            </div>
          </div>
        ) : (
          <Composer ctl={ctl} maxLength={limits?.maxTextLength ?? 2000} maxVoiceSeconds={maxVoice} onProblem={onNotice} reply={replying} onReplyDone={() => setReplying(null)} />
        )}
      </div>
      {blocking && (
        <BlockDialog
          onBlock={() => {
            setBlocking(false)
            ctl.block()
          }}
          onCancel={() => setBlocking(false)}
        />
      )}
      {reporting && (
        <ReportDialog
          onSubmit={(r, n, t, s) => ctl.report(r, n, t, s ? document.querySelector<HTMLVideoElement>('.video video.remote') : null)}
          offerStill={!!video && video.phase === 'live' && !chat.video!.failed && !!video.remote}
          onBlock={chat.blocked ? undefined : () => ctl.block()}
          onClose={() => setReporting(false)}
        />
      )}
      {link && <LinkDialog link={link} onClose={() => setLink(null)} />}
      {viewing && <ImageViewer url={viewing.url} alt={viewing.alt} onClose={() => setViewing(null)} />}
      {leaving && !ended && <LeaveDialog onLeave={() => ctl.home()} onStay={() => setLeaving(false)} />}
    </div>
  )
}

/** Only texts are quoted (the wire's replyTo names a text). */
const quoted = (item: Item | undefined): TextItem | undefined => (item?.kind === 'text' ? item : undefined)

/** The header's status once the chat is over: what happened, said from this side. */
function endedStatus(chat: Chat): MessageId {
  const e = chat.ended!
  if (chat.reported || e.reason === 'reported') return 'chat.statusReported'
  if (chat.blocked) return 'chat.statusBlocked'
  if (e.by === 'stranger') return 'chat.statusStrangerLeft'
  // Ours is marked `you`; the server's timeout is about the stranger (their resume window ran out).
  if (e.reason === 'timeout') return e.by === 'you' ? 'chat.statusLost' : 'chat.statusStrangerLeft'
  if (e.by === 'you') return 'chat.statusYouLeft'
  return 'chat.statusEnded'
}

function endedText(chat: Chat): MessageId {
  const e = chat.ended!
  if (chat.reported || e.reason === 'reported') return 'chat.endReported'
  if (chat.blocked) return 'chat.endBlocked'
  if (e.by === 'stranger') return 'chat.endStranger'
  if (e.reason === 'banned') return 'chat.endBanned'
  if (e.reason === 'interrupted') return 'chat.endInterrupted'
  // The server's timeout is about the stranger (their resume window ran out); ours is marked `you`.
  if (e.reason === 'timeout') return e.by === 'you' ? 'chat.endLostYou' : 'chat.endLostStranger'
  return 'chat.ended'
}
