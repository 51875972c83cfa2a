// The moderation console: sign-in, then reports, bans, live figures, the audit log and the
// account page. A separate Vite entry (pwa/vite.admin.config.ts): none of it is in the chat PWA.
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { Me } from '../../api/admin/types'
import { ApiFailure, get, post, setCsrf } from './api'
import { Reports } from './reports'
import { Bans } from './bans'
import { Live } from './live'
import { AuditLog } from './audit'
import { Account } from './account'
import './console.css'

type Tab = 'reports' | 'bans' | 'live' | 'audit' | 'account'
const TABS: Array<[Tab, string]> = [
  ['reports', 'Reports'],
  ['bans', 'Bans'],
  ['live', 'Live'],
  ['audit', 'Audit log'],
  ['account', 'Account'],
]

function SignIn(props: { onIn(me: Me): void }) {
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit(e: Event) {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    setBusy(true)
    setError('')
    try {
      const me = await post<Me>('/sign-in', { name: String(f.get('name')).trim(), password: String(f.get('password')), code: String(f.get('code') || '').trim() || undefined })
      props.onIn(me)
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'the server could not be reached')
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="signin">
      <h1>leetChat moderation</h1>
      <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <label>
          Name
          <input name="name" autocomplete="username" required autocapitalize="none" spellcheck={false} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <label>
          Code from your authenticator app <span class="hint">(only if you set up two-step sign-in)</span>
          <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="\d{6}" maxLength={6} />
        </label>
        {error && (
          <p id="signin-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  )
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined)
  const [tab, setTab] = useState<Tab>('reports')
  useEffect(() => {
    get<Me>('/me').then(
      m => (setCsrf(m.csrf), setMe(m)),
      () => setMe(null),
    )
  }, [])
  if (me === undefined) return <p class="loading">Loading…</p>
  if (me === null) return <SignIn onIn={m => (setCsrf(m.csrf), setTab('reports'), setMe(m))} />
  async function signOut() {
    await post('/sign-out').catch(() => {})
    setCsrf('')
    setMe(null)
  }
  return (
    <>
      <header class="bar">
        <strong>leetChat moderation</strong>
        <span class="who">
          {me.name} ({me.role})
        </span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Console sections" class="tabs">
        {TABS.map(([t, label]) => (
          <button type="button" key={t} aria-current={tab === t ? 'page' : undefined} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </nav>
      <main>
        {tab === 'reports' && <Reports />}
        {tab === 'bans' && <Bans />}
        {tab === 'live' && <Live />}
        {tab === 'audit' && <AuditLog />}
        {tab === 'account' && <Account me={me} onSignedOut={() => setMe(null)} />}
      </main>
    </>
  )
}

render(<App />, document.getElementById('console')!)
