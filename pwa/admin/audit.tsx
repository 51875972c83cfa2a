// The audit log, newest first, filtered by who and what.
import { useEffect, useState } from 'preact/hooks'
import { AUDIT_ACTIONS, type AuditView } from '../../api/admin/types'
import { get, printable, when } from './api'

const ACTIONS = ['', ...AUDIT_ACTIONS]

export function AuditLog() {
  const [rows, setRows] = useState<AuditView[]>([])
  const [actor, setActor] = useState('')
  const [action, setAction] = useState('')
  useEffect(() => {
    const q = new URLSearchParams()
    if (actor) q.set('actor', actor)
    if (action) q.set('action', action)
    void get<AuditView[]>(`/audit?${q}`).then(setRows, () => setRows([]))
  }, [actor, action])
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <div class="filters">
        <label>
          Who <input value={actor} onChange={e => setActor((e.currentTarget as HTMLInputElement).value.trim())} />
        </label>
        <label>
          What{' '}
          <select value={action} onChange={e => setAction((e.currentTarget as HTMLSelectElement).value)}>
            {ACTIONS.map(a => (
              <option value={a} key={a}>
                {a || 'anything'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table class="audit">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Target</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(r => (
            <tr key={r.id}>
              <td>{when(r.at)}</td>
              <td>{printable(r.actor)}</td>
              <td>{r.action}</td>
              <td class="hash">{printable(r.target)}</td>
              <td>{r.detail ? printable(r.detail) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
