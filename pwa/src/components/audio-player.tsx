// A compact voice-note player: play/pause, a seek bar and the time. MediaRecorder's webm files
// carry no duration: the server's probed length (`durationMs` in the media frame) is shown, and
// the note is fetched only when played. Without it we make the browser find the length (seek far
// past the end, then back).
import { useEffect, useRef, useState } from 'preact/hooks'
import { duration } from '../lib/format'
import { Icon } from './icons'
import { t } from '../i18n'

export function AudioPlayer({ src, label, durationMs }: { src: string; label: string; durationMs?: number }) {
  const audio = useRef<HTMLAudioElement>(null)
  const [playing, setPlaying] = useState(false)
  const [total, setTotal] = useState(durationMs ? durationMs / 1000 : 0)
  const [at, setAt] = useState(0)
  const probing = useRef(false)

  useEffect(() => {
    const a = audio.current!
    const known = () => Number.isFinite(a.duration) && a.duration > 0
    const onMeta = () => {
      if (known()) return setTotal(a.duration)
      if (durationMs) return // the server told us; no need to read the whole file
      probing.current = true
      a.currentTime = 1e7
    }
    const onDuration = () => {
      if (!known()) return
      setTotal(a.duration)
      if (probing.current) {
        probing.current = false
        a.currentTime = 0
      }
    }
    const onTime = () => !probing.current && setAt(a.currentTime)
    const onEnd = () => {
      setPlaying(false)
      setAt(0)
    }
    a.addEventListener('loadedmetadata', onMeta)
    a.addEventListener('durationchange', onDuration)
    a.addEventListener('timeupdate', onTime)
    a.addEventListener('ended', onEnd)
    a.addEventListener('pause', () => setPlaying(false))
    a.addEventListener('play', () => setPlaying(true))
    return () => a.pause()
  }, [])

  function toggle() {
    const a = audio.current!
    if (a.paused) void a.play().catch(() => setPlaying(false))
    else a.pause()
  }

  return (
    <div class="player">
      <audio ref={audio} src={src} preload={durationMs ? 'none' : 'metadata'} />
      <button type="button" class="icon-btn play" aria-label={t(playing ? 'player.pause' : 'player.play', { label })} onClick={toggle}>
        <Icon name={playing ? 'pause' : 'play'} />
      </button>
      <input
        type="range"
        min={0}
        max={total || 1}
        step={0.1}
        value={at}
        aria-label={t('player.position', { label })}
        aria-valuetext={t('player.valueText', { at: duration(at), total: duration(total) })}
        onInput={e => {
          const v = Number((e.currentTarget as HTMLInputElement).value)
          audio.current!.currentTime = v
          setAt(v)
        }}
      />
      <time>{playing || at > 0 ? duration(at) : duration(total)}</time>
    </div>
  )
}
