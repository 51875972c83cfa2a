// What a person reads when the server refuses something: one sentence per stable error code,
// written here and never the server's own English (which is for developers and logs). This is
// the one place a translation replaces. `retryable` says whether trying the same thing again
// can ever succeed, so the UI only offers Retry where it can work.
import type { ErrorCode } from '../../../api/chat/protocol'

interface Refusal {
  sentence: string
  retryable: boolean
}

const SENTENCES: Record<ErrorCode, Refusal> = {
  bad_json: { sentence: 'Something went wrong sending that. Reload the page.', retryable: false },
  binary_not_supported: { sentence: 'Something went wrong sending that. Reload the page.', retryable: false },
  too_large: { sentence: 'That message is too long.', retryable: false },
  unknown_type: { sentence: 'Something went wrong sending that. Reload the page.', retryable: false },
  bad_frame: { sentence: "That message can't be sent.", retryable: false },
  not_in_chat: { sentence: 'The chat had already ended.', retryable: false },
  rate_limited: { sentence: "You're sending too fast. Wait a moment, then retry.", retryable: true },
  banned: { sentence: "You can't chat right now because of reports or rule breaks.", retryable: false },
  forbidden_origin: { sentence: "This page isn't allowed to connect. Open leetChat from its own address.", retryable: false },
  too_many_connections: { sentence: 'Too many connections from your network. Close some tabs and try again.', retryable: false },
  internal: { sentence: 'Something went wrong on our side. Try again.', retryable: true },
  unavailable: { sentence: 'The chat service is briefly unavailable. Try again in a moment.', retryable: true },
  proof_required: { sentence: 'Checking your browser…', retryable: false },
  bad_proof: { sentence: "Your browser check didn't pass. Try again.", retryable: false },
  spam: { sentence: 'Links and contact details are held back in the first seconds of a chat, and the same message to many strangers is blocked.', retryable: false },
  too_many_sessions: { sentence: 'Too many chats from your network right now. Try again later.', retryable: false },
  server_full: { sentence: 'leetChat is full right now. Try again in a few minutes.', retryable: false },
  video_unavailable: { sentence: 'Video chat is not available on this server. Try a text chat.', retryable: false },
}

/** The sentence to show for a refusal with this code. */
export function refusalSentence(code: ErrorCode): string {
  return SENTENCES[code]?.sentence ?? 'Something went wrong. Try again.'
}

/** Whether the same request can succeed when tried again (a rate limit yes, spam never). */
export function canRetry(code: ErrorCode): boolean {
  return SENTENCES[code]?.retryable ?? false
}

/** HTTP refusals of an upload (status → sentence, retryable). 415: the content itself was refused. */
export function uploadRefusal(status: number): Refusal {
  if (status === 413) return { sentence: 'That file is over the size limit.', retryable: false }
  if (status === 415) return { sentence: "That file can't be sent: its content isn't a photo, audio, PDF or text file we accept.", retryable: false }
  if (status === 429) return { sentence: "You're sending files too fast. Wait a moment, then retry.", retryable: true }
  if (status === 401 || status === 403) return { sentence: 'The chat ended before the file was sent.', retryable: false }
  if (status >= 500) return { sentence: 'The upload failed on our side. Try again.', retryable: true }
  return { sentence: "That file couldn't be sent.", retryable: false }
}
