import type { ConnState } from '../lib/socket'
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { canInstall, onCanInstall, promptInstall } from '../lib/install'
import { askPhotos, setAskPhotos } from '../lib/photos'
import { ConnectionStrip } from './status'
import { Icon } from './icons'
import { t } from '../i18n'
import { LanguagePicker } from './language-picker'
import { alertsOn, setAlerts } from '../lib/alerts-setting'

/** The product's name: the same in every language. */
export const BRAND = 'leetChat'

/** The event that asks the app to show the rules as a dialog. */
export const SHOW_RULES = 'leetchat:rules'

export function Brand({ as: Tag = 'p' }: { as?: 'p' | 'h1' }) {
  return (
    <Tag class="brand">
      <img src="/icon-192.png" alt="" width={30} height={30} />
      {BRAND}
    </Tag>
  )
}

export function OnlineCount({ count, conn }: { count: number | null; conn: ConnState }) {
  const live = conn === 'open' && count !== null
  return (
    <span class="online">
      <span class={live ? 'dot' : 'dot off'} aria-hidden="true" />
      {live ? t('online.count', { count }) : t(conn === 'offline' ? 'conn.offline' : 'conn.connecting')}
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

/** The ⋮ menu: the rules, "Ask before showing photos", the language, sound and vibration, and Install whenever the browser allows it (also after "Not now"). */
function Menu() {
  const [installable, setInstallable] = useState(canInstall)
  const [ask, setAsk] = useState(askPhotos)
  const [alerts, setAlertsState] = useState(alertsOn)
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => onCanInstall(setInstallable), [])
  // A tap anywhere else, or Esc, closes it.
  useEffect(() => {
    if (!open) return
    const away = (e: Event) => !ref.current?.contains(e.target as Node) && setOpen(false)
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false)
    document.addEventListener('pointerdown', away)
    document.addEventListener('keydown', esc)
    return () => {
      document.removeEventListener('pointerdown', away)
      document.removeEventListener('keydown', esc)
    }
  }, [open])
  return (
    <div class="menu" ref={ref}>
      <button type="button" class="icon-btn" aria-label={t('menu.label')} title={t('menu.label')} aria-expanded={open} aria-controls="app-menu" onClick={() => setOpen(!open)}>
        <Icon name="more" />
      </button>
      {open && (
        <div class="menu-list" id="app-menu">
          {installable && (
            <button
              type="button"
              onClick={() => {
                setOpen(false)
                void promptInstall()
              }}
            >
              {t('menu.install')}
            </button>
          )}
          {/* Over the app, not instead of it: a search or chat goes on (and shows) underneath. */}
          <a
            href="/rules"
            onClick={e => {
              e.preventDefault()
              setOpen(false)
              dispatchEvent(new Event(SHOW_RULES))
            }}
          >
            {t('menu.rules')}
          </a>
          <MenuSwitch label={t('menu.askPhotos')} on={ask} onChange={on => (setAsk(on), setAskPhotos(on))} />
          <LanguagePicker />
          {/* A match or a message while the app is in the background beeps and vibrates (lib/notify.ts). */}
          <MenuSwitch label={t('menu.alerts')} on={alerts} onChange={on => (setAlerts(on), setAlertsState(on))} />
        </div>
      )}
    </div>
  )
}

/** A setting in the menu: a switch whose knob moves when on (remembered by the caller). */
function MenuSwitch({ label, on, onChange }: { label: string; on: boolean; onChange(on: boolean): void }) {
  return (
    <button type="button" role="switch" class="menu-switch" aria-checked={on} onClick={() => onChange(!on)}>
      {label}
      <span class="switch-knob" aria-hidden="true" />
    </button>
  )
}
