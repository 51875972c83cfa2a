// /rules: the short rules the gate before the first chat links to. Plain text, its own chunk
// (only this path loads it).
import { Brand, TopBar } from '../components/topbar'

export function Rules() {
  return (
    <div class="screen">
      <TopBar>
        <a class="brand-link" href="/">
          <Brand />
        </a>
      </TopBar>
      <main class="scroll">
        <article class="home rules">
          <h1 tabIndex={-1}>The rules</h1>
          <RulesText />
          <p>
            <a class="btn primary" href="/">
              Back to leetChat
            </a>
          </p>
        </article>
      </main>
    </div>
  )
}

/** The rules themselves: on the /rules page and in the dialog the menu opens over the app. */
export function RulesText() {
  return (
    <>
      <p>leetChat pairs you with a stranger. Keep it a place people want to come back to.</p>
      <h2>Who may use it</h2>
      <p>You must be 18 or older, or 13 or older with a parent's or guardian's permission.</p>
      <h2>What is not allowed</h2>
      <ul>
        <li>Harassment, threats, hate or bullying.</li>
        <li>Sexual content or requests, and anything sexual involving a minor.</li>
        <li>Spam, scams, advertising, or links to malware.</li>
        <li>Sharing someone else's personal details or private photos.</li>
        <li>Anything illegal where you or the stranger live.</li>
      </ul>
      <h2>Look after yourself</h2>
      <ul>
        <li>Don't share your name, address, phone number or passwords.</li>
        <li>You can leave any chat at once, and report anyone who breaks these rules (the flag in a chat).</li>
        <li>Photos and voice notes disappear after a while, but the stranger can still save them. Send only what you would be fine with anyone seeing.</li>
      </ul>
      <p>Reported addresses may be banned. Moderators may read the conversation when a report includes it.</p>
    </>
  )
}
