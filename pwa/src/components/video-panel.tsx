// A video chat's pictures: the stranger's video large, our own preview small and mirrored (as in a
// mirror, which is what people expect of a selfie view; the stranger gets it unmirrored), the
// call's state in words, and the controls. The text chat stays below (phone) or beside it.
import { useEffect, useRef } from 'preact/hooks'
import type { VideoView } from '../lib/video-call'
import { t } from '../i18n'
import { Icon } from './icons'
import './video.css'

interface Props {
  view: VideoView
  /** the picture could not be connected in time: the chat goes on as text */
  failed: boolean
  onControl(what: 'mic' | 'camera' | 'switch'): void
}

function Stream({ stream, muted, class: cls, label }: { stream: MediaStream | null; muted: boolean; class: string; label: string }) {
  const el = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    const v = el.current
    if (v && v.srcObject !== stream) v.srcObject = stream
  }, [stream])
  return <video ref={el} class={cls} autoPlay playsInline muted={muted} aria-label={label} />
}

export function VideoPanel({ view, failed, onControl }: Props) {
  const status = failed
    ? t('video.failed')
    : view.phase === 'live'
      ? !view.partner.camera
        ? t('video.cameraOff')
        : !view.partner.mic
          ? t('video.muted')
          : null
      : t('video.connecting')
  return (
    <section class="video" aria-label={t('video.region')}>
      <div class="video-remote">
        <Stream stream={failed ? null : view.remote} muted={false} class="remote" label={t('video.remote')} />
        {status && (
          <p class="video-status" role="status">
            {status}
          </p>
        )}
        {view.phase === 'live' && view.partner.camera && !view.partner.mic && (
          <span class="video-badge" aria-hidden="true">
            <Icon name="mic-off" />
          </span>
        )}
      </div>
      <Stream stream={view.local} muted class={view.camera ? 'self' : 'self off'} label={t('video.self')} />
      <div class="video-controls">
        <button type="button" class={view.mic ? 'icon-btn' : 'icon-btn off'} aria-label={t('video.mute')} aria-pressed={!view.mic} onClick={() => onControl('mic')}>
          <Icon name={view.mic ? 'mic' : 'mic-off'} />
        </button>
        <button type="button" class={view.camera ? 'icon-btn' : 'icon-btn off'} aria-label={t('video.camera')} aria-pressed={!view.camera} onClick={() => onControl('camera')}>
          <Icon name={view.camera ? 'camera' : 'camera-off'} />
        </button>
        {view.canSwitch && (
          <button type="button" class="icon-btn" aria-label={t('video.switch')} onClick={() => onControl('switch')}>
            <Icon name="flip" />
          </button>
        )}
      </div>
    </section>
  )
}
