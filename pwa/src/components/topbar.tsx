import type { ConnState } from '../lib/socket'
import type { ComponentChildren } from 'preact'
import { ConnectionStrip } from './status'

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

/** The header of the screens outside a chat (home, searching): brand, online count, connection. */
export function LobbyHeader({ count, conn }: { count: number | null; conn: ConnState }) {
  return (
    <>
      <TopBar>
        <Brand />
        <span class="spacer" />
        <OnlineCount count={count} conn={conn} />
      </TopBar>
      <ConnectionStrip conn={conn} />
    </>
  )
}
