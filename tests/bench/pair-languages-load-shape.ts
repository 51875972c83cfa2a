// The shape of the language pairing bench (pair-languages*.ts): 12 languages, and at least 100
// interests, more when the pool is bigger than 12 × 100. Every pool member must sit on a
// (language, interest) nobody else in the pool has: two that share one would pair with each other
// at once, and the pool would churn through chats instead of waiting (which is what a pool of
// 10,000 on 1,200 combinations measured before the interest count grew with the pool).
export const LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'it', 'ru', 'ja', 'zh', 'ar', 'hi', 'tr']
export const MIN_INTERESTS = 100

/** How many interests a pool of `waiting` is spread over: enough for a distinct combination each. */
export const interestCount = (waiting: number) => Math.max(MIN_INTERESTS, Math.ceil(waiting / LANGUAGES.length))

/** Pool member i's language and interest index: distinct for every i < waiting, spread over all the interests. */
export function poolCombo(i: number, waiting: number): { language: string; interest: number } {
  const interests = interestCount(waiting)
  const c = Math.floor((i * LANGUAGES.length * interests) / Math.max(waiting, 1))
  return { language: LANGUAGES[c % LANGUAGES.length]!, interest: Math.floor(c / LANGUAGES.length) % interests }
}
