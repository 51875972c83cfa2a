// Push-to-talk: hold the mic to record, release to send. While holding, sliding up locks the
// recording (hands-free: release no longer sends; Send or Cancel end it) and sliding towards the
// start side (left, or right in a right-to-left language) cancels it at once, as in WhatsApp and
// Telegram. A quick click (or Enter/Space) toggles instead: click to start, click again to send.
// The microphone is opened on the first press only, so the permission prompt comes when the user
// asks for it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { MicError, micMessage, openMic, VoiceRecorder, type VoiceNote } from '../lib/recorder'
import { msg, type Msg } from '../i18n'

/** Shorter than this between press and release is a click, not a hold. */
const CLICK_MS = 350
/** Sliding this far towards the start side while holding cancels. */
const CANCEL_PX = 80
/** Sliding this far up while holding locks the recording. */
const LOCK_PX = 60
const MIN_SECONDS = 0.6

export type VoiceState = 'idle' | 'opening' | 'recording'

/** hold: sent on release; toggle: started by a click, sent by the next; locked: slid up, hands-free */
export type VoiceMode = 'hold' | 'toggle' | 'locked'

export interface Voice {
  state: VoiceState
  mode: VoiceMode
  elapsed: number
  maxSeconds: number
  /** spread onto the mic button */
  handlers: Record<string, (e: PointerEvent & MouseEvent) => void>
  /** spread onto the Cancel button */
  cancelHandlers: Record<string, (e: PointerEvent & MouseEvent) => void>
  cancel(): void
  finish(): void
}

export function useVoice(maxSeconds: number, onNote: (n: VoiceNote) => void, onProblem: (message: Msg) => void): Voice {
  const [state, setState] = useState<VoiceState>('idle')
  const [mode, setMode] = useState<VoiceMode>('hold')
  const [elapsed, setElapsed] = useState(0)
  const r = useRef({
    rec: null as VoiceRecorder | null,
    state: 'idle' as VoiceState,
    mode: 'hold' as VoiceMode,
    downAt: 0,
    x: 0,
    y: 0,
    pressing: false,
    /** a hold released before the microphone was ready: do not record when it opens */
    abandoned: false,
    stopOnUp: false,
  }).current

  const go = (s: VoiceState) => {
    r.state = s
    setState(s)
  }
  const setM = (m: VoiceMode) => {
    r.mode = m
    setMode(m)
  }

  async function begin(m: VoiceMode) {
    setM(m)
    r.abandoned = false
    // From 0:00 while the mic opens, not the last note's length: a press on Send then would end a recording not yet started.
    setElapsed(0)
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
    go('recording')
  }

  function cancel() {
    r.rec?.cancel()
    r.rec = null
    r.abandoned = true
    r.pressing = false
    go('idle')
  }

  async function finish() {
    const rec = r.rec
    r.rec = null
    r.pressing = false
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
        // The second click of click-to-toggle, or Send on a locked recording.
        r.stopOnUp = r.mode !== 'hold'
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
      const towardsStart = document.documentElement.dir === 'rtl' ? e.clientX - r.x : r.x - e.clientX
      if (towardsStart > CANCEL_PX) {
        cancel()
        return onProblem(msg('voice.cancelled'))
      }
      if (r.y - e.clientY > LOCK_PX) {
        // Hands-free from here: the release that comes is not a send.
        r.pressing = false
        ;(e.currentTarget as Element).releasePointerCapture?.(e.pointerId)
        setM('locked')
      }
    },
    onPointerUp() {
      if (r.stopOnUp) {
        r.stopOnUp = false
        return void finish()
      }
      if (!r.pressing) return
      r.pressing = false
      const quick = performance.now() - r.downAt < CLICK_MS
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

  // Cancel acts on the release, like the mic: right after a long press Chromium may drop the next
  // tap's click (seen with touch input), and a locked recording is ended by a tap. The keyboard
  // still clicks.
  const cancelHandlers = {
    onPointerUp(e: PointerEvent) {
      if (e.button === 0) cancel()
    },
    onClick(e: MouseEvent) {
      if (e.detail === 0) cancel()
    },
  }

  return {
    state,
    mode,
    elapsed,
    maxSeconds,
    handlers: handlers as Voice['handlers'],
    cancelHandlers: cancelHandlers as Voice['cancelHandlers'],
    cancel,
    finish: () => void finish(),
  }
}
