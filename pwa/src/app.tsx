// The shell: picks the screen for the current phase and shows what floats above every screen
// (notices, the update prompt, the screen-reader announcer).
import { useEffect, useState } from 'preact/hooks'
import type { ChatController, State } from './lib/chat'
import { onInstallOffer, type InstallOffer } from './lib/install'
import { registerServiceWorker } from './lib/update'
import { Home } from './screens/home'
import { Searching } from './screens/searching'
import { Icon } from './components/icons'
import { Modal } from './components/dialogs'
import { SHOW_RULES } from './components/topbar'
import { onLocaleChange, t, type Msg } from './i18n'

const NOTICE_MS = 6000

// The chat screen (composer, recorder, players, dialogs) is its own chunk: the home screen paints
// without it, and it is fetched (from the service worker's precache once installed) right after.
type ChatScreenType = typeof import('./screens/chat').ChatScreen
let ChatScreen: ChatScreenType | null = null
const loadChat = () => import('./screens/chat').then(m => (ChatScreen = m.ChatScreen))
// /rules (linked from the rules gate) is a page of its own, loaded only there.
type RulesType = typeof import('./screens/rules').Rules
let Rules: RulesType | null = null
let RulesText: typeof import('./screens/rules').RulesText | null = null
const onRulesPage = () => location.pathname === '/rules'
// Sound, vibration and push (components/push-prompt.tsx + lib/notify.ts): loaded on the first search.
type Notify = typeof import('./components/push-prompt')
let notify: Notify | null = null
const loadNotify = () => import('./components/push-prompt').then(m => (notify = m))

function useController(ctl: ChatController): State {
  const [, tick] = useState(0)
  useEffect(() => ctl.subscribe(() => tick(n => n + 1)), [ctl])
  return ctl.get()
}

export function App({ ctl }: { ctl: ChatController }) {
  const state = useController(ctl)
  const [reload, setReload] = useState<(() => void) | null>(null)
  const [offer, setOffer] = useState<InstallOffer>(null)
  const [local, setLocal] = useState<Msg | null>(null)
  // A new language re-renders everything: every screen reads its words while rendering.
  const [, setWords] = useState(0)
  useEffect(() => onLocaleChange(() => setWords(n => n + 1)), [])
  const [, setChatLoaded] = useState(false)
  const [showRules, setShowRules] = useState(false)
  const [askPush, setAskPush] = useState(false)

  // The menu's Rules: a dialog over whatever is on screen (its chunk loaded on first use).
  useEffect(() => {
    const show = () =>
      void import('./screens/rules').then(m => {
        RulesText = m.RulesText
        setShowRules(true)
      })
    addEventListener(SHOW_RULES, show)
    return () => removeEventListener(SHOW_RULES, show)
  }, [])
  // A new chat is never hidden behind the rules.
  useEffect(() => {
    if (state.phase === 'chat') setShowRules(false)
  }, [state.phase, state.chat?.id])

  useEffect(() => {
    registerServiceWorker(fn => setReload(() => fn))
    onInstallOffer(setOffer)
    void loadChat().then(() => setChatLoaded(true))
    if (onRulesPage()) void import('./screens/rules').then(m => ((Rules = m.Rules), setChatLoaded(l => !l)))
  }, [])

  // A new screen: move focus to its heading so keyboard and screen-reader users start there.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1')
    if (h && state.phase !== 'chat') h.focus({ preventScroll: true })
  }, [state.phase])

  // Every search: the first offers notifications (never on first open), later ones send the subscription again.
  useEffect(() => {
    if (state.phase === 'searching') void loadNotify().then(m => m.afterSearch(() => setAskPush(true)))
  }, [state.phase])

  // Unread stranger messages show in the tab title while the app is in the background.
  const count = state.chat?.items.filter(i => !i.mine).length ?? 0
  // A match, and each stranger's message, beep and vibrate while the app is in the background.
  useEffect(() => {
    if (state.chat && !state.chat.ended) notify?.alert()
  }, [state.chat?.id])
  useEffect(() => {
    if (count > 0) notify?.alert()
  }, [count])
  const [seen, setSeen] = useState(0)
  useEffect(() => {
    const sync = () => document.visibilityState === 'visible' && setSeen(count)
    sync()
    document.addEventListener('visibilitychange', sync)
    return () => document.removeEventListener('visibilitychange', sync)
  }, [count])
  const unread = Math.max(0, count - seen)
  useEffect(() => {
    document.title = unread > 0 ? t('app.titleUnread', { count: unread }) : t('app.title')
  })

  const notice = local ?? state.notice
  useEffect(() => {
    if (!notice) return
    const t = setTimeout(() => {
      setLocal(null)
      ctl.clearNotice()
    }, NOTICE_MS)
    return () => clearTimeout(t)
  }, [notice])

  return (
    <div class="app">
      {onRulesPage() ? (
        Rules ? (
          <Rules />
        ) : (
          <div class="screen" aria-busy="true" />
        )
      ) : state.phase === 'searching' && state.search ? (
        // The notification offer sits in the search screen, never over its controls (or a chat's).
        <Searching state={state} search={state.search} onCancel={() => ctl.home()}>
          {askPush && notify && <notify.PushPrompt onDone={() => setAskPush(false)} />}
        </Searching>
      ) : state.phase === 'chat' && state.chat ? (
        ChatScreen ? (
          <ChatScreen state={state} chat={state.chat} ctl={ctl} onNotice={setLocal} />
        ) : (
          <div class="screen" aria-busy="true" />
        )
      ) : (
        <Home state={state} offer={offer} onStart={w => ctl.find(w)} />
      )}
      {showRules && RulesText && (
        <Modal class="rules-sheet" label={t('app.rules')} onClose={() => setShowRules(false)}>
          <form method="dialog" class="rules">
            <h2>{t('app.rules')}</h2>
            <RulesText />
            <div class="actions">
              <button class="btn primary" autoFocus>
                {t('app.close')}
              </button>
            </div>
          </form>
        </Modal>
      )}
      <div class="toasts">
        {notice && (
          <div class="toast" role="status">
            <p>{t(notice)}</p>
            <button
              type="button"
              class="icon-btn"
              aria-label={t('app.dismiss')}
              onClick={() => {
                setLocal(null)
                ctl.clearNotice()
              }}
            >
              <Icon name="x" />
            </button>
          </div>
        )}
        {reload && (
          <div class="toast" role="alert">
            {/* A reload keeps an open chat (the tab resumes it), so no warning is needed. */}
            <p>{t('app.updateReady')}</p>
            <button type="button" class="btn primary" onClick={reload}>
              {t('app.reload')}
            </button>
          </div>
        )}
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {state.announce && t(state.announce)}
      </div>
    </div>
  )
}
