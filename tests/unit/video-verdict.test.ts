// The viewer's video screen's rules (pwa/src/lib/video-verdict.ts): what is blurred for which
// scores, and when the next frame is looked at.
import { describe, expect, test } from 'bun:test'
import {
  CHECK_INTERVAL_MS,
  IDLE_POLL_MS,
  MAX_INTERVAL_MS,
  nextCheckIn,
  screenBlurs,
  screenNewStranger,
  screenRevealed,
  screenScored,
  screenStart,
  screenUnavailable,
} from '../../pwa/src/lib/video-verdict'

const T = 0.7

describe('verdict', () => {
  test('blurred until the first frame is checked; a clean frame shows the picture', () => {
    const v = screenStart(true)
    expect(v.state).toBe('pending')
    expect(screenBlurs(v)).toBe(true)
    const clean = screenScored(v, 0.1, T)
    expect(clean).toMatchObject({ state: 'clean', checked: 1, top: 0.1 })
    expect(screenBlurs(clean)).toBe(false)
  })

  test('the threshold is inclusive, as for photos (score ≥ SCREEN_THRESHOLD)', () => {
    expect(screenScored(screenStart(true), 0.7, T).state).toBe('flagged')
    expect(screenScored(screenStart(true), 0.6999, T).state).toBe('clean')
  })

  test('flagged stays blurred after clean frames, until the viewer reveals it', () => {
    let v = screenScored(screenScored(screenStart(true), 0.2, T), 0.95, T)
    expect(v.state).toBe('flagged')
    for (let i = 0; i < 5; i++) v = screenScored(v, 0.01, T)
    expect(v).toMatchObject({ state: 'flagged', checked: 7, top: 0.95 })
    expect(screenBlurs(v)).toBe(true)
    const shown = screenRevealed(v)
    expect(screenBlurs(shown)).toBe(false)
    // Revealed holds for this stranger, even if a later frame scores high again.
    expect(screenBlurs(screenScored(shown, 0.99, T))).toBe(false)
  })

  test('a new stranger starts over: blurred until their first frame is checked', () => {
    const seen = screenRevealed(screenScored(screenStart(true), 0.9, T))
    const next = screenNewStranger(seen)
    expect(next).toEqual({ state: 'pending', checked: 0, top: null, revealed: false })
    expect(screenBlurs(next)).toBe(true)
  })

  test('screening off, or a model that could not load: the picture is shown as it is', () => {
    const off = screenStart(false)
    expect(off.state).toBe('off')
    expect(screenBlurs(off)).toBe(false)
    expect(screenScored(off, 1, T)).toEqual(off)
    expect(screenUnavailable(off).state).toBe('off')
    const broken = screenUnavailable(screenStart(true))
    expect(broken.state).toBe('unavailable')
    expect(screenBlurs(broken)).toBe(false)
    expect(screenNewStranger(broken).state).toBe('unavailable')
    expect(screenNewStranger(off).state).toBe('off')
  })
})

describe('sampling', () => {
  const base = { hidden: false, hasFrame: true, first: false, lastMs: 40 }
  test('the first frame of a stranger is checked at once', () => {
    expect(nextCheckIn({ ...base, first: true })).toBe(0)
  })
  test('then every CHECK_INTERVAL_MS on a quick device', () => {
    expect(nextCheckIn(base)).toBe(CHECK_INTERVAL_MS)
    expect(nextCheckIn({ ...base, lastMs: null })).toBe(CHECK_INTERVAL_MS)
  })
  test('a slow check spaces the next ones out (at most a quarter of a core), up to MAX_INTERVAL_MS', () => {
    expect(nextCheckIn({ ...base, lastMs: 500 })).toBe(2000)
    expect(nextCheckIn({ ...base, lastMs: 5000 })).toBe(MAX_INTERVAL_MS)
  })
  test('a hidden tab or no picture yet: nothing is grabbed, look again soon', () => {
    expect(nextCheckIn({ ...base, hidden: true })).toBe(IDLE_POLL_MS)
    expect(nextCheckIn({ ...base, hidden: true, first: true })).toBe(IDLE_POLL_MS)
    expect(nextCheckIn({ ...base, hasFrame: false, first: true })).toBe(IDLE_POLL_MS)
  })
})
