// English is split in two at build time (pwa/vite-catalogs.ts, `?lingui=first` / `?lingui=rest`):
// the messages of the first screens (home, searching, the menu, the rules gate, and notices and
// refusals, which can come at any time) are in the main bundle; the chat screen's, the dialogs',
// the rules page's and the upload/tRPC errors' come with those chunks (they import ./rest.ts).
// Other locales are one chunk each: loaded before the first paint in that language.

/** Message id prefixes (before the first dot) of the first part. */
export const FIRST_PART = ['app', 'menu', 'online', 'conn', 'home', 'lang', 'interests', 'search', 'gate', 'announce', 'notice', 'refusal']

export const inFirstPart = (id: string) => FIRST_PART.includes(id.split('.')[0]!)
