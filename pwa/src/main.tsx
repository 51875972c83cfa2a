import { render } from 'preact'
import { App } from './app'
import { ChatController } from './lib/chat'
import { trackViewport } from './lib/viewport'
import { captureInstallPrompt } from './lib/install'
import './styles.css'

const ctl = new ChatController()
trackViewport()
captureInstallPrompt()
ctl.start()
// A page going away (reload, a phone discarding the background tab) is not a goodbye: the tab
// keeps its session and chat (sessionStorage) and the next page, or this one back from the
// back/forward cache, resumes them. Only Leave / New stranger end a chat.
addEventListener('pagehide', () => ctl.suspend())
addEventListener('pageshow', e => (e as PageTransitionEvent).persisted && ctl.start())

render(<App ctl={ctl} />, document.getElementById('app')!)
