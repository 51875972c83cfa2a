// Home: choose interests, allow random strangers, see who is online, Start.
import { useEffect, useState } from 'preact/hooks'
import { MAX_INTEREST_LENGTH, MAX_INTERESTS, normaliseInterests } from '../../../api/chat/interests'
import type { State } from '../lib/chat'
import { load, save } from '../lib/storage'
import { trpc } from '../lib/trpc'
import { dismissInstall, promptInstall, type InstallOffer } from '../lib/install'
import { InterestInput } from '../components/interest-input'
import { RulesDialog } from '../components/dialogs'
import { LobbyHeader } from '../components/topbar'

interface Props {
  state: State
  offer: InstallOffer
  onStart(interests: string[], random: boolean, video: boolean): void
}

export function Home({ state, offer, onStart }: Props) {
  const [interests, setInterests] = useState<string[]>(() => normaliseInterests(load<string[]>('interests', [])).slice(0, MAX_INTERESTS))
  const [random, setRandom] = useState<boolean>(() => load('random', true))
  const [video, setVideo] = useState<boolean>(() => load('video', false))
  // Offered only where the server relays video (hello.video); remembered either way.
  const wantsVideo = video && state.videoAvailable
  const [popular, setPopular] = useState<string[]>([])
  const [text, setText] = useState('')
  const [gate, setGate] = useState<{ interests: string[]; random: boolean } | null>(null)

  useEffect(() => save('interests', interests), [interests])
  useEffect(() => save('random', random), [random])
  useEffect(() => save('video', video), [video])
  useEffect(() => {
    trpc.interests.popular
      .query({ limit: 12 })
      .then(list => setPopular(list.map(p => p.name)))
      .catch(() => setPopular([]))
  }, [state.conn === 'open'])

  const suggestions = popular.filter(p => !interests.includes(p)).slice(0, 6)
  const chosen = normaliseInterests([...interests, ...text.split(',')])
    .filter(i => i.length <= MAX_INTEREST_LENGTH)
    .slice(0, MAX_INTERESTS)
  const canStart = chosen.length > 0 || random

  // One tap always starts: text still being typed is part of what Start sends (it does not turn
  // into a chip on blur first, which moved the button away from under the finger).
  function start(e: Event) {
    e.preventDefault()
    if (!canStart) return
    if (chosen.length !== interests.length) setInterests(chosen)
    // Kept now, not in the effect: Start leaves this screen in the same render, so the effect for
    // the new list never ran and a typed (not chipped) interest was forgotten.
    save('interests', chosen)
    setText('')
    // The rules, once per device, before the first chat.
    if (!load('rulesAccepted', false)) return setGate({ interests: chosen, random })
    onStart(chosen, random, wantsVideo)
  }

  return (
    <div class="screen">
      <LobbyHeader count={state.count} conn={state.conn} />
      <main class="scroll">
        <form class="home" onSubmit={start}>
          <div class="hero">
            <h1 tabIndex={-1}>Talk to a stranger who likes what you like.</h1>
            <p>Anonymous, one-to-one, no sign-up. Add a few interests and we'll find someone who shares them.</p>
          </div>
          <section class="card" aria-label="Who to meet">
            <InterestInput value={interests} onChange={setInterests} text={text} setText={setText} />
            {/* The row is always there (one line, scrolls sideways), empty until the list
                loads: nothing below it moves when it arrives (no layout shift under Start). */}
            {interests.length < MAX_INTERESTS && (
              <div class="popular" aria-hidden={suggestions.length === 0 ? 'true' : undefined}>
                <p class="hint" id="popular-label" style={suggestions.length === 0 ? { visibility: 'hidden' } : undefined}>
                  Popular right now
                </p>
                <ul class="suggest" aria-labelledby="popular-label">
                  {suggestions.map(s => (
                    <li key={s}>
                      <button type="button" aria-label={`Add ${s}`} onClick={() => setInterests(normaliseInterests([...interests, s]).slice(0, MAX_INTERESTS))}>
                        + {s}
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <label class="switch">
              <input type="checkbox" role="switch" checked={random} onChange={e => setRandom((e.currentTarget as HTMLInputElement).checked)} />
              <span>Also chat with random strangers if no one shares my interests</span>
            </label>
            {state.videoAvailable && (
              <label class="switch">
                <input type="checkbox" role="switch" checked={video} onChange={e => setVideo((e.currentTarget as HTMLInputElement).checked)} />
                <span>Video: see and hear the stranger (camera and microphone)</span>
              </label>
            )}
          </section>
          <button class="btn primary big" type="submit" disabled={!canStart}>
            Start chatting
          </button>
          {!canStart && <p class="hint error">Add an interest, or allow random strangers.</p>}
          {state.cameraProblem && wantsVideo && (
            <section class="card camera-problem" role="alert">
              <p>
                {state.cameraProblem === 'denied'
                  ? "leetChat can't use your camera or microphone: the permission was refused. Allow it in the browser's site settings, or chat by text."
                  : 'No camera or microphone could be started on this device. You can chat by text instead.'}
              </p>
              <button
                class="btn primary small"
                type="button"
                onClick={() => {
                  setVideo(false)
                  onStart(chosen, random, false)
                }}
              >
                Chat by text instead
              </button>
            </section>
          )}
          {offer === 'prompt' && (
            <section class="card install" aria-label="Install the app">
              <p>Install leetChat: it opens from your home screen and works offline.</p>
              <button class="btn primary small" type="button" onClick={() => void promptInstall()}>
                Install
              </button>
              <button class="btn small" type="button" onClick={() => dismissInstall(offer)}>
                Not now
              </button>
            </section>
          )}
          {offer === 'ios' && (
            <section class="card install" aria-label="Install the app">
              <p>
                Install leetChat: tap <b>Share</b> <span aria-hidden="true">⎋</span> then <b>Add to Home Screen</b>.
              </p>
              <button class="btn small" type="button" onClick={() => dismissInstall(offer)}>
                Got it
              </button>
            </section>
          )}
          {gate && (
            <RulesDialog
              onAccept={() => {
                save('rulesAccepted', true)
                setGate(null)
                onStart(gate.interests, gate.random, wantsVideo)
              }}
              onClose={() => setGate(null)}
            />
          )}
          <p class="foot">Be kind. You can report anyone who isn't. Photos and voice notes disappear after {Math.round((state.limits?.mediaTtlSeconds ?? 1800) / 60)} minutes.</p>
        </form>
      </main>
    </div>
  )
}
