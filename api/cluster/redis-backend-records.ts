// How the cluster's chat backend writes a session into Redis and reads it back: the record hash
// (fields listed at the top of redis-backend.ts) and the seq inside a stored frame.
import { newLocalSession, type ChatRef, type LastChat, type LocalSession, type SessionState } from '../chat/session'

/** The seq of a stored frame (JSON ending in `"seq":N}`), 0 when it has none. */
export function seqOf(json: string): number {
  const i = json.lastIndexOf('"seq":')
  return i < 0 ? 0 : parseInt(json.slice(i + 6), 10)
}

/** A session object from its record (HGETALL, flat), as a resume on this node needs it. */
export function fromRecord(id: string, flat: string[]): LocalSession {
  const f: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!
  const s = newLocalSession(id, f.ip ?? '', null)
  s.state = (f.state as SessionState) || 'idle'
  s.interests = f.interests ? (JSON.parse(f.interests) as string[]) : []
  s.random = f.random !== '0'
  s.video = f.video === '1'
  s.requeue = f.requeue === '1'
  s.chat = f.chat ? (JSON.parse(f.chat) as ChatRef) : null
  s.lastChat = f.last ? (JSON.parse(f.last) as LastChat) : null
  // A find answered with proof_required on the old node: the proof sent here runs it.
  s.awaitingProof = f.proof === '1'
  if (s.state === 'chatting' && !s.chat) s.state = 'idle'
  // A session that was queued on a node that went away is queued again on resume.
  if (s.state === 'queued') {
    s.state = 'idle'
    s.requeue = true
  }
  return s
}

/** The record fields a session's own state changes write (HSET pairs). */
export function recordFields(s: LocalSession): string[] {
  return [
    'ip',
    s.ipHash,
    'state',
    s.state,
    'interests',
    JSON.stringify(s.interests),
    'random',
    s.random ? '1' : '0',
    'video',
    s.video ? '1' : '0',
    'requeue',
    s.requeue ? '1' : '0',
    'proof',
    s.awaitingProof ? '1' : '0',
  ]
}
