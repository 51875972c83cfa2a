// Loaded on the first search (a chunk of its own, not in the initial JS). Two jobs:
// - a beep (WebAudio, no file) and a vibration on a match or a stranger's message while the app
//   is in the background, unless the menu's switch is off; the vibration also not when the
//   system asks for reduced motion. Where Safari offers it (navigator.audioSession), the beep is
//   "ambient" audio, which the ring/silent switch mutes.
// - Web Push: after the first search the app offers (in its own small prompt) to notify when a
//   stranger is found; only an Allow asks the browser. Granted, every search sends the
//   subscription (push.subscribe): the server keeps it for one chat (docs/push.md).
import { msg, t } from '../i18n'
import { alertsOn } from './alerts-setting'
import { load, save } from './storage'
import { trpc } from './trpc'

let audio: AudioContext | null = null

/** Browsers start audio only after a gesture: the next tap or key makes (or wakes) the context. */
function unlockAudio() {
  try {
    const session = (navigator as { audioSession?: { type: string } }).audioSession
    if (session) session.type = 'ambient'
    audio ??= new AudioContext()
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined)
  } catch {
    /* no WebAudio: no beep */
  }
}
addEventListener('pointerdown', unlockAudio, { capture: true, passive: true })
addEventListener('keydown', unlockAudio, { capture: true, passive: true })

function beep() {
  if (!audio || audio.state !== 'running') return
  const osc = audio.createOscillator()
  const gain = audio.createGain()
  const at = audio.currentTime
  osc.frequency.value = 880
  gain.gain.setValueAtTime(0.0001, at)
  gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02)
  gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25)
  osc.connect(gain).connect(audio.destination)
  osc.start(at)
  osc.stop(at + 0.3)
}

/** A match or a stranger's message: a sound and a vibration if the app is not in front of the user. */
export function alert() {
  if (!alertsOn() || (!document.hidden && document.hasFocus())) return
  beep()
  if (!matchMedia('(prefers-reduced-motion: reduce)').matches) navigator.vibrate?.([120, 60, 120])
}

// ---------- Web Push ----------

/** What happened to push, for the page (and the browser tests): on <html data-push>. */
export type PushState = 'unsupported' | 'asking' | 'declined' | 'denied' | 'unavailable' | 'failed' | 'subscribed'

function mark(state: PushState) {
  document.documentElement.dataset.push = state
}

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window

/** After a search starts: offer notifications once (`ask` shows the in-app prompt), or subscribe if already allowed. */
export function afterSearch(ask: () => void) {
  if (!supported()) return mark('unsupported')
  if (Notification.permission === 'granted') return void subscribe()
  if (Notification.permission === 'denied') return mark('denied')
  if (!load('pushAsked', false)) {
    mark('asking')
    ask()
  }
}

/** The prompt's Not now: not asked again on this device. */
export function notNow() {
  save('pushAsked', true)
  mark('declined')
}

/** The prompt's Allow: now the browser asks. */
export async function allow() {
  save('pushAsked', true)
  const permission = await Notification.requestPermission().catch(() => 'denied' as const)
  if (permission !== 'granted') return mark('denied')
  await subscribe()
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error('timed out')), ms))])

/**
 * Subscribes through the service worker with the server's VAPID key and sends the subscription.
 * Never throws: a browser without a push service (or offline) leaves the chat as it is.
 */
async function subscribe() {
  try {
    const { publicKey } = await trpc.push.key.query()
    if (!publicKey) return mark('unavailable')
    const reg = await within(navigator.serviceWorker.ready, 5000)
    const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }))
    // The worker shows these words (public/push-sw.js): the server's payload has none.
    const cache = await caches.open('leetchat-push')
    await cache.put('/push-words', new Response(JSON.stringify({ title: t(msg('push.title')), body: t(msg('push.body')) })))
    const json = sub.toJSON() as { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } }
    await trpc.push.subscribe.mutate({ endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: json.keys })
    mark('subscribed')
  } catch {
    mark('failed')
  }
}
