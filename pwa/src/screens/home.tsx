// Home: choose interests and languages, allow random strangers, see who is online, Start.
import { useEffect, useState } from 'preact/hooks'
import { MAX_INTEREST_LENGTH, MAX_INTERESTS, normaliseInterests } from '../../../api/chat/interests'
import type { State, Wanted } from '../lib/chat'
import { load, save } from '../lib/storage'
import { dismissInstall, promptInstall, type InstallOffer } from '../lib/install'
import { InterestInput } from '../components/interest-input'
import { RulesDialog } from '../components/dialogs'
import { LobbyHeader } from '../components/topbar'
import { LanguageChips, searchLanguages } from '../components/language-chips'
import { rich, t } from '../i18n'

interface Props {
  state: State
  offer: InstallOffer
  onStart(wanted: Wanted): void
}

export function Home({ state, offer, onStart }: Props) {
  const [interests, setInterests] = useState<string[]>(() => normaliseInterests(load<string[]>('interests', [])).slice(0, MAX_INTERESTS))
  const [random, setRandom] = useState<boolean>(() => load('random', true))
  const [video, setVideo] = useState<boolean>(() => load('video', false))
  // Offered only where the server relays video (hello.video); remembered either way.
  const wantsVideo = video && state.videoAvailable
  const [popular, setPopular] = useState<string[]>([])
  const [text, setText] = useState('')
  const [gate, setGate] = useState<Wanted | null>(null)
  /** languages picked besides the UI language's (which is always asked for) */
  const [languages, setLanguages] = useState<string[]>(() => load<string[]>('languages', []).filter(l => /^[a-z]{2,3}$/.test(l)))
  const [anyLanguage, setAnyLanguage] = useState<boolean>(() => load('anyLanguage', true))

  useEffect(() => save('interests', interests), [interests])
  useEffect(() => save('random', random), [random])
  useEffect(() => save('video', video), [video])
  useEffect(() => save('languages', languages), [languages])
  useEffect(() => save('anyLanguage', anyLanguage), [anyLanguage])
  useEffect(() => {
    import('../lib/trpc')
      .then(({ trpc }) => trpc.interests.popular.query({ limit: 12 }))
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
    const wanted = { interests: chosen, random, languages: searchLanguages(languages), anyLanguage, video: wantsVideo }
    // The rules, once per device, before the first chat.
    if (!load('rulesAccepted', false)) return setGate(wanted)
    onStart(wanted)
  }

  return (
    <div class="screen">
      <LobbyHeader count={state.count} conn={state.conn} />
      <main class="scroll">
        <form class="home" onSubmit={start}>
          <div class="hero">
            <h1 tabIndex={-1}>{t('home.title')}</h1>
            <p>{t('home.lead')}</p>
          </div>
          <section class="card" aria-label={t('home.whoToMeet')}>
            <InterestInput value={interests} onChange={setInterests} text={text} setText={setText} />
            {/* The row is always there (one line, scrolls sideways), empty until the list
                loads: nothing below it moves when it arrives (no layout shift under Start). */}
            {interests.length < MAX_INTERESTS && (
              <div class="popular" aria-hidden={suggestions.length === 0 ? 'true' : undefined}>
                <p class="hint" id="popular-label" style={suggestions.length === 0 ? { visibility: 'hidden' } : undefined}>
                  {t('home.popular')}
                </p>
                <ul class="suggest" aria-labelledby="popular-label">
                  {suggestions.map(s => (
                    <li key={s}>
                      <button
                        type="button"
                        aria-label={t('home.addSuggestion', { interest: s })}
                        onClick={() => setInterests(normaliseInterests([...interests, s]).slice(0, MAX_INTERESTS))}
                      >
                        + {s}
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <label class="switch">
              <input type="checkbox" role="switch" checked={random} onChange={e => setRandom((e.currentTarget as HTMLInputElement).checked)} />
              <span>{t('home.random')}</span>
            </label>
            {state.videoAvailable && (
              <label class="switch">
                <input type="checkbox" role="switch" checked={video} onChange={e => setVideo((e.currentTarget as HTMLInputElement).checked)} />
                <span>{t('home.video')}</span>
              </label>
            )}
            <LanguageChips picked={languages} onPick={setLanguages} any={anyLanguage} onAny={setAnyLanguage} />
          </section>
          <button class="btn primary big" type="submit" disabled={!canStart}>
            {t('home.start')}
          </button>
          {!canStart && <p class="hint error">{t('home.cannotStart')}</p>}
          {state.cameraProblem && wantsVideo && (
            <section class="card camera-problem" role="alert">
              <p>{t(state.cameraProblem === 'denied' ? 'home.cameraDenied' : 'home.cameraUnavailable')}</p>
              <button
                class="btn primary small"
                type="button"
                onClick={() => {
                  setVideo(false)
                  onStart({ interests: chosen, random, languages: searchLanguages(languages), anyLanguage, video: false })
                }}
              >
                {t('home.textInstead')}
              </button>
            </section>
          )}
          {offer === 'prompt' && (
            <section class="card install" aria-label={t('home.installLabel')}>
              <p>{t('home.installText')}</p>
              <button class="btn primary small" type="button" onClick={() => void promptInstall()}>
                {t('home.install')}
              </button>
              <button class="btn small" type="button" onClick={() => dismissInstall(offer)}>
                {t('home.notNow')}
              </button>
            </section>
          )}
          {offer === 'ios' && (
            <section class="card install" aria-label={t('home.installLabel')}>
              <p>{rich(t('home.installIos'), [s => <b>{s}</b>, s => <span aria-hidden="true">{s}</span>, s => <b>{s}</b>])}</p>
              <button class="btn small" type="button" onClick={() => dismissInstall(offer)}>
                {t('home.gotIt')}
              </button>
            </section>
          )}
          {gate && (
            <RulesDialog
              onAccept={() => {
                save('rulesAccepted', true)
                setGate(null)
                onStart(gate)
              }}
              onClose={() => setGate(null)}
            />
          )}
          <p class="foot">{t('home.foot', { minutes: Math.round((state.limits?.mediaTtlSeconds ?? 1800) / 60) })}</p>
        </form>
      </main>
    </div>
  )
}
