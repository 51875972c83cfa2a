// Push-to-talk: hold the mic to record, release to send, slide away to cancel. A quick click (or
// Enter/Space) toggles instead: click to start, click again to send. The microphone is opened on
// the first press only, so the permission prompt comes when the user asks for it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { MicError, micMessage, openMic, VoiceRecorder, type VoiceNote } from '../lib/recorder'
import { msg, type Msg } from '../i18n'

/** Shorter than this between press and release is a click, not a hold. */
const CLICK_MS = 350
/** Dragging this far from where the press started arms "release to cancel". */
const CANCEL_PX = 72
const MIN_SECONDS = 0.6

export type VoiceState = 'idle' | 'opening' | 'recording'

export interface Voice {
  state: VoiceState
  mode: 'hold' | 'toggle'
  elapsed: number
  cancelArmed: boolean
  maxSeconds: number
  /** spread onto the mic button */
  handlers: Record<string, (e: PointerEvent & MouseEvent) => void>
  cancel(): void
  finish(): void
}

export function useVoice(maxSeconds: number, onNote: (n: VoiceNote) => void, onProblem: (message: Msg) => void): Voice {
  const [state, setState] = useState<VoiceState>('idle')
  const [mode, setMode] = useState<'hold' | 'toggle'>('hold')
  const [elapsed, setElapsed] = useState(0)
  const [cancelArmed, setCancelArmed] = useState(false)
  const r = useRef({
    rec: null as VoiceRecorder | null,
    state: 'idle' as VoiceState,
    mode: 'hold' as 'hold' | 'toggle',
    downAt: 0,
    x: 0,
    y: 0,
    pressing: false,
    /** a hold released before the microphone was ready: do not record when it opens */
    abandoned: false,
    cancelArmed: false,
    stopOnUp: false,
  }).current

  const go = (s: VoiceState) => {
    r.state = s
    setState(s)
  }
  const setM = (m: 'hold' | 'toggle') => {
    r.mode = m
    setMode(m)
  }
  const arm = (v: boolean) => {
    r.cancelArmed = v
    setCancelArmed(v)
  }

  async function begin(m: 'hold' | 'toggle') {
    setM(m)
    arm(false)
    r.abandoned = false
    go('opening')
    let stream: MediaStream
    try {
      stream = await openMic()
    } catch (err) {
      go('idle')
      onProblem(micMessage(err instanceof MicError ? err.problem : 'failed'))
      return
    }
    if (r.abandoned || r.state !== 'opening') {
      for (const t of stream.getTracks()) t.stop()
      go('idle')
      // First use: the permission prompt interrupted the hold. Now it is granted, explain the gesture.
      onProblem(msg('voice.ready'))
      return
    }
    const rec = new VoiceRecorder(stream)
    r.rec = rec
    rec.start()
    setElapsed(0)
    go('recording')
  }

  function cancel() {
    r.rec?.cancel()
    r.rec = null
    r.abandoned = true
    r.pressing = false
    arm(false)
    go('idle')
  }

  async function finish() {
    const rec = r.rec
    r.rec = null
    r.pressing = false
    arm(false)
    go('idle')
    if (!rec) return
    const note = await rec.stop()
    if (note.seconds < MIN_SECONDS || note.blob.size === 0) return onProblem(msg('voice.tooShort'))
    onNote(note)
  }

  // The timer, and the hard stop at the maximum length (the note is sent, not lost).
  useEffect(() => {
    if (state !== 'recording') return
    const t = setInterval(() => {
      const s = r.rec?.elapsed ?? 0
      setElapsed(s)
      if (s >= maxSeconds) void finish()
    }, 200)
    return () => clearInterval(t)
  }, [state, maxSeconds])

  // Esc cancels; leaving the chat screen cancels.
  useEffect(() => {
    if (state === 'idle') return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopImmediatePropagation()
        cancel()
      }
    }
    addEventListener('keydown', onKey, true)
    return () => removeEventListener('keydown', onKey, true)
  }, [state])
  useEffect(() => () => r.rec?.cancel(), [])

  const handlers = {
    onPointerDown(e: PointerEvent) {
      if (e.button !== 0) return
      e.preventDefault()
      if (r.state !== 'idle') {
        // The second click of click-to-toggle.
        r.stopOnUp = r.mode === 'toggle'
        return
      }
      ;(e.currentTarget as Element).setPointerCapture?.(e.pointerId)
      r.pressing = true
      r.downAt = performance.now()
      r.x = e.clientX
      r.y = e.clientY
      void begin('hold')
    },
    onPointerMove(e: PointerEvent) {
      if (!r.pressing || r.mode !== 'hold') return
      const far = Math.hypot(e.clientX - r.x, e.clientY - r.y) > CANCEL_PX
      if (far !== r.cancelArmed) arm(far)
    },
    onPointerUp() {
      if (r.stopOnUp) {
        r.stopOnUp = false
        return void finish()
      }
      if (!r.pressing) return
      r.pressing = false
      const quick = performance.now() - r.downAt < CLICK_MS
      if (r.cancelArmed) return cancel()
      if (quick) return setM('toggle') // keep recording until the next click
      if (r.state === 'opening') r.abandoned = true
      else if (r.state === 'recording') void finish()
    },
    onPointerCancel() {
      if (r.pressing && r.mode === 'hold') cancel()
    },
    onClick(e: MouseEvent) {
      // Keyboard activation (Enter/Space) has no pointer: it toggles.
      if (e.detail !== 0) return
      if (r.state === 'idle') void begin('toggle')
      else void finish()
    },
    onContextMenu(e: MouseEvent) {
      e.preventDefault() // a long press must not open the context menu on phones
    },
  }

  return { state, mode, elapsed, cancelArmed, maxSeconds, handlers: handlers as Voice['handlers'], cancel, finish: () => void finish() }
}
