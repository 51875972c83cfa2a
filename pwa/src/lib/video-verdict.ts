// What the viewer's video screen decides, without the browser: whether the stranger's picture is
// blurred, given the scores the classifier gave its frames, and when to look at the next frame.
// video-screen.ts does the looking; these rules are unit-tested alone (tests/unit/video-verdict.test.ts).
//
// The rules, per stranger (a new stranger starts over):
// - Until the first frame is checked the picture is blurred (as the photo path blurs an image it
//   could not judge), with "Tap to view". The model loads when the first call connects (a few
//   seconds, once per page); later strangers' pictures are judged within a fraction of a second.
// - A frame at or over the threshold flags the picture: it stays blurred until the viewer taps
//   "Tap to view". A later clean frame does not unblur it (the viewer has not chosen to see what
//   was flagged, and a stranger could show something for a second and cover it again).
// - Once the viewer tapped, the picture stays shown for this stranger: they chose, and the Report
//   button stays at hand; re-blurring every few seconds would make the call unusable.
// - The model could not be loaded: the picture is shown as it is (nothing alarming is said; the
//   console notes it). Screening off (hello.videoScreening) shows it as it is too.

export type ScreenState = 'off' | 'pending' | 'clean' | 'flagged' | 'unavailable'

export interface ScreenView {
  state: ScreenState
  /** frames classified for this stranger */
  checked: number
  /** the highest score seen for this stranger (null before the first check) */
  top: number | null
  /** the viewer tapped "Tap to view" */
  revealed: boolean
}

export const screenStart = (on: boolean): ScreenView => ({ state: on ? 'pending' : 'off', checked: 0, top: null, revealed: false })

/** A new stranger: the verdicts start over (an unavailable model stays unavailable). */
export const screenNewStranger = (v: ScreenView): ScreenView =>
  v.state === 'off' || v.state === 'unavailable' ? { ...v, checked: 0, top: null, revealed: false } : screenStart(true)

/** One frame's score. Flagged is sticky until the viewer reveals; a clean frame never unflags. */
export function screenScored(v: ScreenView, score: number, threshold: number): ScreenView {
  if (v.state === 'off') return v
  const top = v.top === null ? score : Math.max(v.top, score)
  const state = v.state === 'flagged' || score >= threshold ? 'flagged' : 'clean'
  return { ...v, state, checked: v.checked + 1, top }
}

/** The model could not be loaded (or broke): show the picture as it is. */
export const screenUnavailable = (v: ScreenView): ScreenView => (v.state === 'off' ? v : { ...v, state: 'unavailable' })

export const screenRevealed = (v: ScreenView): ScreenView => ({ ...v, revealed: true })

/** The stranger's picture is blurred behind "Tap to view". */
export const screenBlurs = (v: ScreenView) => !v.revealed && (v.state === 'pending' || v.state === 'flagged')

/** Between two checks at least this long (the "every 1–2 s"). */
export const CHECK_INTERVAL_MS = 1500
/** A slow device checks less often: the screen's share of one core stays at most 1 / this. */
export const CPU_SHARE_DIVISOR = 4
/** Never longer than this between checks of a visible picture. */
export const MAX_INTERVAL_MS = 6000
/** No picture yet (or the tab is hidden): look again this soon. */
export const IDLE_POLL_MS = 250

export interface CheckSituation {
  /** the tab is hidden (nothing is shown, so nothing is checked) */
  hidden: boolean
  /** the <video> has a decoded frame */
  hasFrame: boolean
  /** no frame of this stranger was checked yet */
  first: boolean
  /** how long the last check took, ms (null before the first) */
  lastMs: number | null
}

/** How long until the next frame is grabbed. */
export function nextCheckIn(s: CheckSituation): number {
  if (s.hidden || !s.hasFrame) return IDLE_POLL_MS
  if (s.first) return 0
  return Math.min(MAX_INTERVAL_MS, Math.max(CHECK_INTERVAL_MS, (s.lastMs ?? 0) * CPU_SHARE_DIVISOR))
}
