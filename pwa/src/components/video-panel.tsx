// A video chat's pictures: the stranger's video large, our own preview small and mirrored (as in a
// mirror, which is what people expect of a selfie view; the stranger gets it unmirrored), the
// call's state in words, and the controls. The text chat stays below (phone) or beside it.
// The stranger's picture is blurred while the on-device screen says so (lib/video-verdict.ts):
// the <video> keeps playing under a CSS blur, with "Tap to view" and, when flagged, Report. The
// data-screen* attributes say what the screen decided (the e2e tests read them).
import { useEffect, useRef } from 'preact/hooks'
import type { VideoView } from '../lib/video-call'
import { screenBlurs } from '../lib/video-verdict'
import { t } from '../i18n'
import { Icon } from './icons'
import './video.css'

interface Props {
  view: VideoView
  /** the picture could not be connected in time: the chat goes on as text */
  failed: boolean
  onControl(what: 'mic' | 'camera' | 'switch' | 'reveal'): void
  /** the <video> showing the stranger, for the screen to sample */
  onRemoteElement(el: HTMLVideoElement | null): void
  /** opens the report dialog (absent once reported) */
  onReport?: () => void
}

interface StreamProps {
  stream: MediaStream | null
  muted: boolean
  class: string
  label: string
  onElement?: (el: HTMLVideoElement | null) => void
}

function Stream({ stream, muted, class: cls, label, onElement }: StreamProps) {
  const el = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    const v = el.current
    if (v && v.srcObject !== stream) v.srcObject = stream
  }, [stream])
  useEffect(() => {
    onElement?.(el.current)
    return () => onElement?.(null)
  }, [])
  return <video ref={el} class={cls} autoPlay playsInline muted={muted} aria-label={label} />
}

export function VideoPanel({ view, failed, onControl, onRemoteElement, onReport }: Props) {
  const blurred = screenBlurs(view.screen)
  const flagged = view.screen.state === 'flagged'
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
      <div class="video-remote" data-screen={view.screen.state} data-screen-checked={view.screen.checked} data-screen-blurred={blurred}>
        <Stream stream={failed ? null : view.remote} muted={false} class={blurred ? 'remote blurred' : 'remote'} label={t('video.remote')} onElement={onRemoteElement} />
        {blurred && !failed && view.phase === 'live' && (
          <div class="video-cover">
            <span>{t(flagged ? 'video.explicit' : 'video.checking')}</span>
            <div class="row">
              <button type="button" class="btn small" onClick={() => onControl('reveal')}>
                {/* "Click to view" with a mouse, as for photos (screened.tsx). */}
                {t(matchMedia('(pointer: fine)').matches ? 'screened.click' : 'video.view')}
              </button>
              {flagged && onReport && (
                <button type="button" class="btn small" onClick={onReport}>
                  {t('video.report')}
                </button>
              )}
            </div>
          </div>
        )}
        {status && !(blurred && view.phase === 'live') && (
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
