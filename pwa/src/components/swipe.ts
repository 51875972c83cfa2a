// Swipe right on a bubble to reply (phones): the bubble follows the finger, a reply arrow fades in
// behind it (its opacity is `--swipe` on the message, 0 to 1), and past THRESHOLD_PX the release replies; short of it, or a vertical scroll, it
// snaps back. Right-to-left languages swipe the other way (towards the start of the line, as
// the bubbles sit at the other side). Touch and pen only (a mouse has the Reply button). `touch-action: pan-y` on the
// element (message.css) leaves vertical scrolling to the browser and horizontal moves to us.
import { useRef } from 'preact/hooks'

export const THRESHOLD_PX = 60
/** How far the bubble follows the finger. */
const MAX_PX = 96
/** Movement before deciding between a swipe and a scroll. */
const SLOP_PX = 10

interface Gesture {
  id: number
  x: number
  y: number
  dx: number
  /** 1, or -1 in a right-to-left page */
  dir: number
  swiping: boolean
}

export function useSwipe(onSwipe: (() => void) | undefined) {
  const ref = useRef<HTMLDivElement>(null)
  const g = useRef<Gesture | null>(null)
  const follow = (dx: number, dir = 1) => {
    const el = ref.current
    if (!el) return
    el.style.transform = dx ? `translateX(${dx * dir}px)` : ''
    el.parentElement?.style.setProperty('--swipe', String(Math.min(1, dx / THRESHOLD_PX)))
  }
  const end = (reply: boolean) => {
    const s = g.current
    g.current = null
    if (!s?.swiping) return
    ref.current?.classList.add('snap')
    follow(0)
    if (reply && s.dx >= THRESHOLD_PX) onSwipe?.()
  }
  if (!onSwipe) return { ref, handlers: {} }
  return {
    ref,
    handlers: {
      onPointerDown(e: PointerEvent) {
        if (e.pointerType === 'mouse' || !e.isPrimary) return
        g.current = { id: e.pointerId, x: e.clientX, y: e.clientY, dx: 0, dir: document.dir === 'rtl' ? -1 : 1, swiping: false }
        ref.current?.classList.remove('snap')
      },
      onPointerMove(e: PointerEvent) {
        const s = g.current
        if (!s || e.pointerId !== s.id) return
        const dx = (e.clientX - s.x) * s.dir
        const dy = e.clientY - s.y
        if (!s.swiping) {
          if (Math.abs(dy) > SLOP_PX && Math.abs(dy) >= Math.abs(dx)) return void (g.current = null)
          if (dx < SLOP_PX || dx < Math.abs(dy) * 1.5) return
          s.swiping = true
          ref.current?.setPointerCapture?.(e.pointerId)
        }
        s.dx = Math.max(0, Math.min(MAX_PX, dx))
        follow(s.dx, s.dir)
      },
      onPointerUp: () => end(true),
      onPointerCancel: () => end(false),
    },
  }
}
