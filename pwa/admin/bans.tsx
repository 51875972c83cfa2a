// Active and past bans; search by address hash, or by an address the server hashes (and forgets).
import { useEffect, useState } from 'preact/hooks'
import type { BanView } from '../../api/admin/types'
import { get, post, printable, when } from './api'

export function Bans() {
  const [rows, setRows] = useState<BanView[] | null>(null)
  const [all, setAll] = useState(false)
  const [hash, setHash] = useState('')
  const [msg, setMsg] = useState('')
  const load = (h = hash) => get<BanView[]>(`/bans?${h ? `ipHash=${h}` : all ? 'all=1' : ''}`).then(setRows, e => setMsg(e.message))
  useEffect(() => void load(), [all])

  async function search(e: Event) {
    e.preventDefault()
    setMsg('')
    const q = String(new FormData(e.currentTarget as HTMLFormElement).get('q') || '').trim()
    let h = q.toLowerCase()
    if (q && !/^[0-9a-f]{32}$/.test(h)) {
      try {
        h = (await post<{ ipHash: string }>('/hash-address', { address: q })).ipHash
      } catch (err) {
        return setMsg((err as Error).message)
      }
    }
    setHash(h)
    await load(h)
  }
  async function lift(ipHash: string) {
    const r = await post<{ lifted: number }>('/bans/lift', { ipHash })
    setMsg(`Lifted ${r.lifted} ban${r.lifted === 1 ? '' : 's'}.`)
    await load()
  }
  return (
    <section aria-labelledby="bans-h">
      <h2 id="bans-h">Bans</h2>
      <form onSubmit={search} class="search" role="search">
        <label>
          Address hash or address
          <input name="q" autocomplete="off" spellcheck={false} />
        </label>
        <button type="submit">Search</button>
      </form>
      <label class="check">
        <input type="checkbox" checked={all} onChange={e => setAll((e.currentTarget as HTMLInputElement).checked)} /> Show past bans
      </label>
      <p role="status" aria-live="polite">
        {msg}
        {hash ? ` Showing ${hash}.` : ''}
      </p>
      {rows && rows.length === 0 && <p>No bans.</p>}
      <ul class="bans">
        {rows?.map(b => (
          <li key={b.id}>
            <span class="hash">{b.ipHash}</span>
            <span>
              {when(b.createdAt)} → {when(b.expiresAt)} {b.active ? '(active)' : '(ended)'} · {b.source}
            </span>
            <span>{printable(b.reason)}</span>
            {b.active && (
              <button type="button" onClick={() => lift(b.ipHash)}>
                Lift
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
