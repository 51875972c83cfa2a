// The English messages outside the first part (./parts.ts): imported by the lazy chunks that use
// them (chat screen, rules page, tRPC and uploads), so they are there before those modules run.
import rest from './messages/en.json?lingui=rest'
import { loadEnglishRest } from '.'

loadEnglishRest(rest)
