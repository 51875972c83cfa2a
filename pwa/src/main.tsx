import { render } from 'preact'
import { App } from './app'
import { ChatController } from './lib/chat'
import { trackViewport } from './lib/viewport'
import { captureInstallPrompt } from './lib/install'
import './styles.css'
import { initialLocale, setLocale } from './i18n'

const ctl = new ChatController()
trackViewport()
captureInstallPrompt()
ctl.start()
// A page going away (reload, a phone discarding the background tab) is not a goodbye: the tab
// keeps its session and chat (sessionStorage) and the next page, or this one back from the
// back/forward cache, resumes them. Only Leave / New stranger end a chat.
addEventListener('pagehide', () => ctl.suspend())
addEventListener('pageshow', e => (e as PageTransitionEvent).persisted && ctl.start())

// The first paint is in the right language: a non-English catalog (a small chunk) comes first.
void setLocale(initialLocale(), false).finally(() => render(<App ctl={ctl} />, document.getElementById('app')!))
