// Interest chips: type, Enter or comma adds, × removes, Backspace on an empty field removes the
// last one. Normalised exactly like the server (api/chat/interests.ts), at most MAX_INTERESTS.
// Text left in the field is not turned into a chip on blur: Start takes it as it is.
import { useRef, useState } from 'preact/hooks'
import { MAX_INTEREST_LENGTH, MAX_INTERESTS, normaliseInterest } from '../../../api/chat/interests'
import { Icon } from './icons'
import { t, type Msg, msg } from '../i18n'

interface Props {
  value: string[]
  onChange(next: string[]): void
  /** the text still in the field (owned by the form, so Start can add it too) */
  text: string
  setText(t: string): void
}

export function InterestInput({ value, onChange, text, setText }: Props) {
  const [problem, setProblem] = useState<Msg | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const full = value.length >= MAX_INTERESTS

  /** Adds every comma-separated piece; returns what could not be added (kept in the field). */
  function add(raw: string): string {
    let next = value
    let rest = ''
    let why: Msg | null = null
    for (const piece of raw.split(',')) {
      const n = normaliseInterest(piece)
      if (!n || next.includes(n)) continue
      if (n.length > MAX_INTEREST_LENGTH) {
        why = msg('interests.tooLong', { max: MAX_INTEREST_LENGTH })
        rest = piece.trim()
        continue
      }
      if (next.length >= MAX_INTERESTS) {
        why = msg('interests.tooMany', { max: MAX_INTERESTS })
        break
      }
      next = [...next, n]
    }
    if (next !== value) onChange(next)
    setProblem(why)
    return rest
  }

  function onInput(e: Event) {
    const v = (e.currentTarget as HTMLInputElement).value
    // Phone keyboards often send no key events for ',' (keyCode 229): split on input instead.
    if (v.includes(',')) {
      const cut = v.lastIndexOf(',')
      const rest = add(v.slice(0, cut))
      setText(rest || v.slice(cut + 1))
    } else {
      setText(v)
      if (problem) setProblem(null)
    }
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault()
      if (text.trim()) setText(add(text))
    } else if (e.key === 'Backspace' && text === '' && value.length) {
      onChange(value.slice(0, -1))
    }
  }

  return (
    <div>
      <label class="label" for="interest-input">
        {t('interests.label')}
      </label>
      <div class="chips" onClick={() => input.current?.focus()}>
        <ul aria-label={t('interests.chosen')}>
          {value.map(v => (
            <li class="chip" key={v}>
              <span dir="auto">{v}</span>
              <button type="button" aria-label={t('interests.remove', { interest: v })} onClick={() => onChange(value.filter(x => x !== v))}>
                <Icon name="x" />
              </button>
            </li>
          ))}
        </ul>
        <input
          id="interest-input"
          ref={input}
          value={text}
          onInput={onInput}
          onKeyDown={onKeyDown}
          disabled={full}
          placeholder={full ? t('interests.full', { max: MAX_INTERESTS }) : t(value.length ? 'interests.another' : 'interests.placeholder')}
          dir="auto"
          enterKeyHint="done"
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          maxLength={MAX_INTEREST_LENGTH * 4}
          aria-describedby="interest-hint"
        />
      </div>
      <p id="interest-hint" class={problem ? 'hint error' : 'hint'} aria-live="polite">
        {problem ? t(problem) : t('interests.hint', { count: value.length, max: MAX_INTERESTS })}
      </p>
    </div>
  )
}
