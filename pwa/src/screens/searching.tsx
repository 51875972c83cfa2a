// Searching: what we are looking for, a way to cancel, and a word when the random fallback starts.
import type { Search, State } from '../lib/chat'
import { LobbyHeader } from '../components/topbar'

export function Searching({ state, search, onCancel }: { state: State; search: Search; onCancel(): void }) {
  const { interests, random, fallback } = search
  return (
    <div class="screen">
      <LobbyHeader count={state.count} conn={state.conn} />
      <main class="searching">
        <div class="radar" aria-hidden="true">
          <img src="/icon-192.png" alt="" width={56} height={56} />
        </div>
        <h1 tabIndex={-1}>{fallback ? 'Finding a random stranger…' : 'Looking for a stranger…'}</h1>
        {interests.length > 0 && !fallback && (
          <>
            <p>Someone who likes</p>
            <ul class="tags" aria-label="Your interests">
              {interests.map(i => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          </>
        )}
        <p role="status">
          {fallback
            ? "No one with your interests is around right now, so you're being matched with a random stranger."
            : interests.length === 0
              ? 'Anyone will do: you will be paired with a random stranger.'
              : random
                ? "If no one shares them soon, you'll be matched with a random stranger."
                : 'Only strangers who share an interest. This can take a while.'}
        </p>
        <button class="btn" type="button" onClick={onCancel}>
          Cancel
        </button>
      </main>
    </div>
  )
}
