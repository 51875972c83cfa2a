import type { ConnState } from '../lib/socket'
import type { ComponentChildren } from 'preact'

export function Brand({ as: Tag = 'p' }: { as?: 'p' | 'h1' }) {
  return (
    <Tag class="brand">
      <img src="/icon-192.png" alt="" width={30} height={30} />
      leetChat
    </Tag>
  )
}

export function OnlineCount({ count, conn }: { count: number | null; conn: ConnState }) {
  const live = conn === 'open' && count !== null
  return (
    <span class="online">
      <span class={live ? 'dot' : 'dot off'} aria-hidden="true" />
      {live ? `${count.toLocaleString()} online` : conn === 'offline' ? 'Offline' : 'Connecting…'}
    </span>
  )
}

export function TopBar({ children }: { children: ComponentChildren }) {
  return <header class="topbar">{children}</header>
}
