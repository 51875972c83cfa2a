// The classifier's verdict as one number, shared by the server's photo screen (screen.ts) and the
// browser's video screen (pwa/src/lib/video-screen-worker.ts), so both judge a picture alike.

/** Class probabilities, lower-cased nsfwjs class names. They sum to 1. */
export type ScreenLabels = Record<'drawing' | 'hentai' | 'neutral' | 'porn' | 'sexy', number>

/** The model's nsfw score: everything the five classes give to porn, hentai and sexy. */
export const nsfwScore = (l: ScreenLabels) => l.porn + l.hentai + l.sexy
