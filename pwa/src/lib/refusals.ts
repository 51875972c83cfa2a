// What a person reads when the server refuses something: one sentence per stable error code,
// from the message catalogs (refusal.<code>) and never the server's own English (which is for
// developers and logs). `retryable` says whether trying the same thing again can ever succeed,
// so the UI only offers Retry where it can work.
import type { ErrorCode } from '../../../api/chat/protocol'
import { has, msg, type Msg } from '../i18n'

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['rate_limited', 'internal', 'unavailable'])

/** The sentence to show for a refusal with this code. */
export function refusalSentence(code: ErrorCode): Msg {
  const id = `refusal.${code}`
  return msg(has(id) ? id : 'refusal.unknown')
}

/** Whether the same request can succeed when tried again (a rate limit yes, spam never). */
export function canRetry(code: ErrorCode): boolean {
  return RETRYABLE.has(code)
}

/** HTTP refusals of an upload (status → sentence, retryable). 415: the content itself was refused. */
export function uploadRefusal(status: number): { sentence: Msg; retryable: boolean } {
  if (status === 413) return { sentence: msg('upload.413'), retryable: false }
  if (status === 415) return { sentence: msg('upload.415'), retryable: false }
  if (status === 429) return { sentence: msg('upload.429'), retryable: true }
  if (status === 401 || status === 403) return { sentence: msg('upload.403'), retryable: false }
  if (status >= 500) return { sentence: msg('upload.500'), retryable: true }
  return { sentence: msg('upload.other'), retryable: false }
}
