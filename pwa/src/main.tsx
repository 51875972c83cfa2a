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
// Closing or leaving the page is a goodbye: the stranger sees "left" at once instead of waiting
// out the resume window. A page restored from the back/forward cache starts a fresh session.
addEventListener('pagehide', () => ctl.stop())
addEventListener('pageshow', e => (e as PageTransitionEvent).persisted && ctl.start())

render(<App ctl={ctl} />, document.getElementById('app')!)
