// Add to home screen: Chrome/Edge/Android give us `beforeinstallprompt` to replay from our own
// button; iOS Safari has no such event, so we show the Share → Add to Home Screen hint once.
// Neither is offered when the app already runs installed. Someone who dismissed the card can
// still install from the menu while the browser allows it (`canInstall`).
import { load, save } from './storage'

interface InstallPromptEvent extends Event {
  prompt(): Promise<void>
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

export type InstallOffer = 'prompt' | 'ios' | null

let deferred: InstallPromptEvent | null = null
let listener: ((o: InstallOffer) => void) | null = null
let menuListener: ((can: boolean) => void) | null = null

export const isStandalone = () => matchMedia('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true

const isIosSafari = () => {
  const ua = navigator.userAgent
  const ios = /iphone|ipad|ipod/i.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1)
  return ios && /safari/i.test(ua) && !/crios|fxios|edgios/i.test(ua)
}

export function currentOffer(): InstallOffer {
  if (isStandalone() || load('installDismissed', false)) return null
  if (deferred) return 'prompt'
  if (isIosSafari() && !load('iosHintSeen', false)) return 'ios'
  return null
}

/** The browser would install the app now (it fired beforeinstallprompt and we have not used it). */
export const canInstall = () => deferred !== null && !isStandalone()

/** Called at start-up, before the first render: Chromium may fire the event early. */
export function captureInstallPrompt() {
  addEventListener('beforeinstallprompt', e => {
    e.preventDefault() // keep the mini-infobar away; we offer it on the home screen instead
    deferred = e as InstallPromptEvent
    notify()
  })
  addEventListener('appinstalled', () => {
    deferred = null
    notify()
  })
}

function notify() {
  listener?.(currentOffer())
  menuListener?.(canInstall())
}

/** The menu's Install item follows the browser's offer, dismissed card or not. */
export function onCanInstall(fn: (can: boolean) => void) {
  menuListener = fn
  fn(canInstall())
}

/** The home screen follows the offer (one listener: there is one app). */
export function onInstallOffer(fn: (o: InstallOffer) => void) {
  listener = fn
  fn(currentOffer())
}

export async function promptInstall() {
  const e = deferred
  deferred = null
  if (!e) return
  notify()
  await e.prompt()
  await e.userChoice.catch(() => null)
  notify()
}

export function dismissInstall(offer: InstallOffer) {
  save(offer === 'ios' ? 'iosHintSeen' : 'installDismissed', true)
  notify()
}
