// The signed-in account: password, two-step sign-in (TOTP), and, for admins, the accounts.
import { useEffect, useState } from 'preact/hooks'
import type { AccountView, Me } from '../../api/admin/types'
import { ApiFailure, get, post, when } from './api'

const errText = (e: unknown) => (e instanceof ApiFailure ? e.message : 'the server could not be reached')

export function Account(props: { me: Me; onSignedOut(): void }) {
  const [msg, setMsg] = useState('')
  const [enrol, setEnrol] = useState<{ qr: string; secret: string } | null>(null)
  const [totp, setTotp] = useState(props.me.totp)
  const formValue = (e: Event, name: string) => String(new FormData(e.currentTarget as HTMLFormElement).get(name) || '')

  async function changePassword(e: Event) {
    e.preventDefault()
    try {
      await post('/password', { current: formValue(e, 'current'), next: formValue(e, 'next') })
      props.onSignedOut()
    } catch (err) {
      setMsg(errText(err))
    }
  }
  async function confirm(e: Event) {
    e.preventDefault()
    try {
      await post('/totp/confirm', { code: formValue(e, 'code') })
      setEnrol(null)
      setTotp(true)
      setMsg('Two-step sign-in is on.')
    } catch (err) {
      setMsg(errText(err))
    }
  }
  async function disable(e: Event) {
    e.preventDefault()
    try {
      await post('/totp/disable', { password: formValue(e, 'password') })
      setTotp(false)
      setMsg('Two-step sign-in is off.')
    } catch (err) {
      setMsg(errText(err))
    }
  }
  return (
    <section aria-labelledby="acct-h">
      <h2 id="acct-h">Account: {props.me.name}</h2>
      <p role="status" aria-live="polite">
        {msg}
      </p>
      <h3>Two-step sign-in</h3>
      {totp ? (
        <form onSubmit={disable}>
          <p>On: sign-in asks for a code from your authenticator app.</p>
          <label>
            Password <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Turn off</button>
        </form>
      ) : enrol ? (
        <form onSubmit={confirm}>
          <p>Scan this with your authenticator app, then type the code it shows.</p>
          <img class="qr" src={enrol.qr} alt="QR code for your authenticator app" width={200} height={200} />
          <p>
            Or type this key: <code>{enrol.secret}</code>
          </p>
          <label>
            Code <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="\d{6}" maxLength={6} required />
          </label>
          <button type="submit">Turn on</button>
        </form>
      ) : (
        <button type="button" onClick={() => post<{ qr: string; secret: string }>('/totp/begin').then(setEnrol, e => setMsg(errText(e)))}>
          Set up two-step sign-in
        </button>
      )}
      <h3>Password</h3>
      <form onSubmit={changePassword}>
        <label>
          Current password <input type="password" name="current" autocomplete="current-password" required />
        </label>
        <label>
          New password (12 characters or more) <input type="password" name="next" autocomplete="new-password" minLength={12} required />
        </label>
        <button type="submit">Change password (signs out everywhere)</button>
      </form>
      {props.me.role === 'admin' && <Accounts />}
    </section>
  )
}

function Accounts() {
  const [rows, setRows] = useState<AccountView[]>([])
  const [msg, setMsg] = useState('')
  const load = () => get<AccountView[]>('/accounts').then(setRows, e => setMsg(errText(e)))
  useEffect(() => void load(), [])
  async function add(e: Event) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    try {
      await post('/accounts/add', { name: String(f.get('name')).trim(), password: String(f.get('password')), role: String(f.get('role')) })
      form.reset()
      setMsg('Added.')
    } catch (err) {
      setMsg(errText(err))
    }
    await load()
  }
  async function remove(name: string) {
    try {
      await post('/accounts/remove', { name })
      setMsg(`Removed ${name}.`)
    } catch (err) {
      setMsg(errText(err))
    }
    await load()
  }
  return (
    <>
      <h3>Accounts</h3>
      <p role="status" aria-live="polite">
        {msg}
      </p>
      <ul class="accounts">
        {rows.map(a => (
          <li key={a.id}>
            <span>
              {a.name} — {a.role}
              {a.totp ? ', two-step' : ''} — since {when(a.createdAt)}
            </span>
            <button type="button" onClick={() => remove(a.name)} aria-label={`Remove ${a.name}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} aria-label="Add an account">
        <label>
          Name <input name="name" required autocapitalize="none" />
        </label>
        <label>
          Password <input name="password" type="password" autocomplete="new-password" minLength={12} required />
        </label>
        <label>
          Role{' '}
          <select name="role">
            <option value="moderator">moderator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Add account</button>
      </form>
    </>
  )
}
