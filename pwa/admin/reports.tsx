// The reports queue (one row per reported address) and a report's detail with its actions.
import { useEffect, useState } from 'preact/hooks'
import type { QueueRow, ReportDetail } from '../../api/admin/types'
import { ApiFailure, get, post, printable, short, when } from './api'
import { field } from './form'

export function Reports() {
  const [sort, setSort] = useState<'oldest' | 'most'>('oldest')
  const [rows, setRows] = useState<QueueRow[] | null>(null)
  const [open, setOpen] = useState<number | null>(null)
  const load = () => get<QueueRow[]>(`/queue?sort=${sort}`).then(setRows, () => setRows([]))
  useEffect(() => void load(), [sort])
  if (open !== null) return <Detail id={open} onBack={() => (setOpen(null), void load())} />
  return (
    <section aria-labelledby="queue-h">
      <div class="row-head">
        <h2 id="queue-h">Open reports</h2>
        <label>
          Order{' '}
          <select value={sort} onChange={e => setSort((e.currentTarget as HTMLSelectElement).value as 'oldest' | 'most')}>
            <option value="oldest">oldest first</option>
            <option value="most">most reported first</option>
          </select>
        </label>
      </div>
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>No open reports.</p>
      ) : (
        <ul class="queue">
          {rows.map(r => (
            <li key={r.ipHash}>
              <button type="button" class="card" onClick={() => setOpen(r.reportId)}>
                <span class="hash" title={r.ipHash}>
                  {short(r.ipHash)}
                </span>
                <span>
                  {r.reporters} reporter{r.reporters === 1 ? '' : 's'}, {r.reports} report{r.reports === 1 ? '' : 's'}
                </span>
                <span class="reasons">{r.reasons.join(', ')}</span>
                <span class="muted">first {when(r.firstAt)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const PRESETS: Array<[string, string]> = [
  ['1h', '1 hour'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
]

function Detail(props: { id: number; onBack(): void }) {
  const [d, setD] = useState<ReportDetail | null>(null)
  const [msg, setMsg] = useState('')
  const [revealed, setRevealed] = useState<Set<string>>(new Set())
  const [stillShown, setStillShown] = useState(false)
  const load = () => get<ReportDetail>(`/reports/${props.id}`).then(setD, e => setMsg(e.message))
  useEffect(() => void load(), [props.id])
  if (!d) return <p role="status">{msg || 'Loading…'}</p>
  const r = d.report

  async function act(body: Record<string, unknown>, done: string) {
    setMsg('')
    try {
      await post('/action', { reportId: r.id, ...body })
      setMsg(done)
    } catch (err) {
      if (!(err instanceof ApiFailure)) setMsg('the server could not be reached')
      else setMsg(err.body.code === 'already_handled' ? `Already handled by ${err.body.handledBy} (${err.body.outcome}).` : err.message)
    }
    await load()
  }
  function ban(e: Event) {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    const until = field(f, 'until')
    const preset = field(f, 'preset')
    void act({ action: 'ban', reason: field(f, 'reason'), ...(preset === 'until' ? { until: until ? new Date(until).getTime() : 0 } : { preset }) }, 'Banned.')
  }
  function quarantine(e: Event) {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    void act({ action: 'quarantine', seconds: Number(field(f, 'hours')) * 3600 }, 'Quarantined.')
  }

  return (
    <section aria-labelledby="report-h" class="detail">
      <button type="button" class="link" onClick={props.onBack}>
        ← Back to the queue
      </button>
      <h2 id="report-h">
        Report #{r.id}: {r.reason}
      </h2>
      <dl class="facts">
        <dt>Reported address</dt>
        <dd class="hash">{r.ipHash || '(unknown)'}</dd>
        <dt>When</dt>
        <dd>{when(r.createdAt)}</dd>
        <dt>Note</dt>
        <dd>{r.note ? printable(r.note) : '(none)'}</dd>
        <dt>Status</dt>
        <dd>
          {d.bannedUntil ? `banned until ${when(d.bannedUntil)}` : 'not banned'}
          {d.quarantined ? ', quarantined' : ''}
          {r.handled ? `; handled by ${r.handled.by} (${r.handled.outcome}, ${when(r.handled.at)})` : '; open'}
        </dd>
        {d.openWithIt.length > 0 && (
          <>
            <dt>Also open</dt>
            <dd>{d.openWithIt.map(o => `#${o.id} ${o.reason}${o.note ? `: ${printable(o.note)}` : ''}`).join('; ')}</dd>
          </>
        )}
      </dl>

      <h3>Conversation</h3>
      {r.transcript?.length ? (
        <ol class="transcript" aria-label="Conversation, oldest first">
          {r.transcript.map((l, i) => (
            <li key={i} class={l.from}>
              <span class="from">{l.from === 'reported' ? 'Reported' : 'Reporter'}</span> <time>{when(l.at)}</time>
              <p>{printable(l.body)}</p>
            </li>
          ))}
        </ol>
      ) : (
        <p>The reporter did not attach the conversation.</p>
      )}

      {r.still && (
        <>
          <h3>Still of their video</h3>
          <p>What the reporter saw when reporting, sent by their choice. Deleted once this report is handled.</p>
          {/* Blurred until asked for, like a flagged image: it was reported, it may be explicit. */}
          <button
            type="button"
            class={stillShown ? 'still' : 'still blurred'}
            aria-label={stillShown ? 'Video still' : 'Video still, hidden: show it'}
            onClick={() => setStillShown(true)}
          >
            <img src={`/admin/api/reports/${r.id}/still`} width={r.still.width} height={r.still.height} alt="still of the reported stranger's video" />
          </button>
        </>
      )}

      {d.images.length > 0 && (
        <>
          <h3>Images they sent</h3>
          <ul class="images">
            {d.images.map(im => {
              const hidden = im.flagged && !revealed.has(im.id)
              return (
                <li key={im.id}>
                  <button
                    type="button"
                    class={hidden ? 'blurred' : ''}
                    aria-label={hidden ? 'Flagged image, hidden: show it' : 'Image'}
                    onClick={() => setRevealed(new Set([...revealed, im.id]))}
                  >
                    <img src={im.url} alt={im.flagged ? 'flagged image' : 'image sent in the chat'} />
                  </button>
                </li>
              )
            })}
          </ul>
        </>
      )}

      <h3>Actions</h3>
      <p role="status" aria-live="polite" class="status">
        {msg}
      </p>
      <div class="actions">
        <button type="button" onClick={() => void act({ action: 'dismiss' }, 'Dismissed.')}>
          Dismiss
        </button>
        <form onSubmit={ban} aria-label="Ban">
          <label>
            Ban for{' '}
            <select name="preset">
              {PRESETS.map(([v, l]) => (
                <option value={v} key={v}>
                  {l}
                </option>
              ))}
              <option value="until">until…</option>
            </select>
          </label>
          <label>
            Until <input type="datetime-local" name="until" />
          </label>
          <label>
            Reason <input name="reason" maxLength={255} />
          </label>
          <button type="submit" class="danger">
            Ban
          </button>
        </form>
        <form onSubmit={quarantine} aria-label="Quarantine">
          <label>
            Quarantine for{' '}
            <select name="hours">
              <option value="1">1 hour</option>
              <option value="24">1 day</option>
              <option value="168">7 days</option>
            </select>
          </label>
          <button type="submit">Quarantine</button>
        </form>
        <button type="button" onClick={() => void act({ action: 'unban' }, 'Unbanned.')}>
          Unban
        </button>
      </div>

      <h3>Earlier</h3>
      {d.history.reports.length === 0 && d.history.bans.length === 0 ? (
        <p>No earlier reports or bans.</p>
      ) : (
        <ul class="history">
          {d.history.reports.map(h => (
            <li key={`r${h.id}`}>
              Report #{h.id} {h.reason}, {when(h.createdAt)} — {h.handled?.outcome} by {h.handled?.by}
            </li>
          ))}
          {d.history.bans.map(b => (
            <li key={`b${b.id}`}>
              Ban {when(b.createdAt)} → {when(b.expiresAt)} ({b.source}): {printable(b.reason)}
              {b.active ? ' — active' : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
