import type { ConnState } from '../lib/socket'
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { canInstall, onCanInstall, promptInstall } from '../lib/install'
import { ConnectionStrip } from './status'
import { Icon } from './icons'

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

/** The header of the screens outside a chat (home, searching): brand, online count, connection, menu. */
export function LobbyHeader({ count, conn }: { count: number | null; conn: ConnState }) {
  return (
    <>
      <TopBar>
        <Brand />
        <span class="spacer" />
        <OnlineCount count={count} conn={conn} />
        <Menu />
      </TopBar>
      <ConnectionStrip conn={conn} />
    </>
  )
}

/** The ⋮ menu: the rules, and Install whenever the browser allows it (also after "Not now"). */
function Menu() {
  const [installable, setInstallable] = useState(canInstall)
  const ref = useRef<HTMLDetailsElement>(null)
  useEffect(() => onCanInstall(setInstallable), [])
  // A tap anywhere else closes it.
  useEffect(() => {
    const close = (e: Event) => ref.current?.open && !ref.current.contains(e.target as Node) && (ref.current.open = false)
    document.addEventListener('pointerdown', close)
    return () => document.removeEventListener('pointerdown', close)
  }, [])
  return (
    <details class="menu" ref={ref}>
      <summary class="icon-btn" aria-label="Menu" title="Menu">
        <Icon name="more" />
      </summary>
      <div class="menu-list">
        {installable && (
          <button
            type="button"
            onClick={() => {
              ref.current!.open = false
              void promptInstall()
            }}
          >
            Install app
          </button>
        )}
        <a href="/rules">Rules</a>
      </div>
    </details>
  )
}
