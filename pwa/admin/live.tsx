// Live figures and charts of the last hour and day (per-minute samples kept by the server).
// uPlot is imported here only, so it is in the console's chunk and nowhere near the chat PWA.
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { LiveSample, LiveView } from '../../api/admin/types'
import { get } from './api'

function Chart(props: { title: string; samples: LiveSample[]; series: Array<[keyof LiveSample, string]> }) {
  const el = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!el.current) return
    const width = Math.min(el.current.clientWidth || 320, 900)
    const data: uPlot.AlignedData = [props.samples.map(s => s.t / 1000), ...props.series.map(([k]) => props.samples.map(s => s[k] as number))]
    const colors = ['#4f46e5', '#059669', '#d97706', '#dc2626']
    const plot = new uPlot(
      { width, height: 180, series: [{}, ...props.series.map(([, label], i) => ({ label, stroke: colors[i % colors.length], width: 2 }))], axes: [{}, { size: 40 }] },
      data,
      el.current,
    )
    return () => plot.destroy()
  }, [props.samples])
  return (
    <figure>
      <figcaption>{props.title}</figcaption>
      <div ref={el} role="img" aria-label={`${props.title}: ${props.samples.length} samples`} />
    </figure>
  )
}

export function Live() {
  const [v, setV] = useState<LiveView | null>(null)
  const [span, setSpan] = useState<'hour' | 'day'>('hour')
  useEffect(() => {
    const load = () => get<LiveView>('/live').then(setV, () => {})
    void load()
    const t = setInterval(() => void load(), 15_000)
    return () => clearInterval(t)
  }, [])
  if (!v) return <p>Loading…</p>
  const n = v.now
  const rate = n.powIssued ? Math.round((n.powSolved / n.powIssued) * 100) : null
  const samples = span === 'hour' ? v.hour : v.day
  return (
    <section aria-labelledby="live-h">
      <h2 id="live-h">Live</h2>
      <dl class="tiles">
        <div>
          <dt>Online now</dt>
          <dd>{n.online}</dd>
        </div>
        <div>
          <dt>Chats running</dt>
          <dd>{n.chats}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{n.waiting}</dd>
        </div>
        <div>
          <dt>Chats started this minute</dt>
          <dd>{n.chatsStarted}</dd>
        </div>
        <div>
          <dt>Reports in the last hour</dt>
          <dd>{n.reports}</dd>
        </div>
        <div>
          <dt>Proofs of work this minute (solved)</dt>
          <dd>
            {n.powIssued} {rate === null ? '' : `(${rate}%)`}
          </dd>
        </div>
        <div>
          <dt>Flagged images this minute</dt>
          <dd>{n.flaggedImages}</dd>
        </div>
        <div>
          <dt>Refused sessions this minute</dt>
          <dd>{n.refusedSessions}</dd>
        </div>
      </dl>
      <h3>Nodes</h3>
      <table class="nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Online</th>
            <th scope="col">Chats</th>
            <th scope="col">Waiting</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {v.nodes.map(x => (
            <tr key={x.id}>
              <td>{x.id}</td>
              <td>{x.online}</td>
              <td>{x.chats}</td>
              <td>{x.waiting}</td>
              <td>{x.draining ? 'draining' : 'serving'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row-head">
        <h3>Charts</h3>
        <label>
          Span{' '}
          <select value={span} onChange={e => setSpan((e.currentTarget as HTMLSelectElement).value as 'hour' | 'day')}>
            <option value="hour">last hour</option>
            <option value="day">last day</option>
          </select>
        </label>
      </div>
      {samples.length < 2 ? (
        <p>The server keeps one sample a minute; charts appear after two minutes.</p>
      ) : (
        <>
          <Chart
            title="Online, chats and waiting"
            samples={samples}
            series={[
              ['online', 'online'],
              ['chats', 'chats'],
              ['waiting', 'waiting'],
            ]}
          />
          <Chart
            title="Per minute: chats started, reports, flagged images, refused sessions"
            samples={samples}
            series={[
              ['chatsStarted', 'chats started'],
              ['reports', 'reports'],
              ['flaggedImages', 'flagged images'],
              ['refusedSessions', 'refused sessions'],
            ]}
          />
          <Chart
            title="Proofs of work per minute"
            samples={samples}
            series={[
              ['powIssued', 'issued'],
              ['powSolved', 'solved'],
            ]}
          />
        </>
      )}
    </section>
  )
}
