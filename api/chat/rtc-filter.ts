// The relay-only guarantee of video chat: whatever a client sends, only `typ relay` ICE candidates
// reach its partner, so neither side ever learns the other's host, server-reflexive or
// peer-reflexive address (its own browser asks for relay-only too, but a modified client would
// not). Pure functions over the candidate grammar of RFC 8839 §5.1:
//   candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [raddr <a>] [rport <p>] *(<name> <value>)
// A relay candidate's `raddr`/`rport` name the client's own mapped address (the one its TURN
// server saw), so they are blanked as well: ICE never needs them to connect.
import { isIP } from 'node:net'

/** The blanked related address of a relay candidate (what Chrome itself writes when it hides it). */
const BLANK_RADDR = '0.0.0.0'
const BLANK_RPORT = '0'

const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/
const DIGITS = /^\d{1,10}$/

/**
 * A candidate attribute (with or without a leading `a=`, any case, any run of spaces or tabs) →
 * the same candidate rewritten canonically if it is a well-formed `typ relay` candidate on an IP
 * address (raddr/rport blanked), or null: anything else is dropped, also whatever cannot be parsed.
 */
export function relayCandidate(line: string): string | null {
  let s = line.trim()
  if (/^a=/i.test(s)) s = s.slice(2)
  if (!/^candidate:/i.test(s)) return null
  const tokens = s
    .slice('candidate:'.length)
    .trim()
    .split(/[ \t]+/)
  if (tokens.length < 8 || tokens.length % 2 !== 0) return null
  const [foundation, component, transport, priority, address, port, typ, type] = tokens as [string, string, string, string, string, string, string, string]
  if (!FOUNDATION.test(foundation) || !DIGITS.test(component) || !DIGITS.test(priority) || !DIGITS.test(port) || Number(port) > 65535) return null
  if (!/^(udp|tcp)$/i.test(transport)) return null
  if (typ.toLowerCase() !== 'typ' || type.toLowerCase() !== 'relay') return null
  // A relay address is the TURN server's, always an IP literal; an mDNS name (`….local`) or a
  // host name is a host candidate dressed up as a relay one.
  if (isIP(address) === 0) return null
  const out = [foundation, component, transport.toLowerCase(), priority, address, port, 'typ', 'relay']
  for (let i = 8; i < tokens.length; i += 2) {
    const name = tokens[i]!.toLowerCase()
    const value = tokens[i + 1]!
    if (!/^[a-z0-9-]{1,32}$/.test(name) || !/^[\x21-\x7e]{1,256}$/.test(value)) return null
    if (name === 'raddr') out.push('raddr', BLANK_RADDR)
    else if (name === 'rport') out.push('rport', BLANK_RPORT)
    else out.push(name, value)
  }
  return `candidate:${out.join(' ')}`
}

/** The `candidate` string of an rtc candidate frame: '' (end of candidates) passes, else relayCandidate. */
export function filterCandidate(candidate: string): string | null {
  if (candidate.trim() === '') return ''
  return relayCandidate(candidate)
}

/**
 * An SDP offer or answer with every `a=candidate` line that is not a well-formed relay candidate
 * removed, and the relay ones rewritten by relayCandidate. Every other line (`a=end-of-candidates`
 * included) is kept as it was, line endings too.
 */
export function relayOnlySdp(sdp: string): string {
  const lines = sdp.split(/(?<=\n)/)
  let out = ''
  for (const line of lines) {
    const body = line.replace(/\r?\n$/, '')
    if (!/^[ \t]*a[ \t]*=[ \t]*candidate[ \t]*:/i.test(body)) {
      out += line
      continue
    }
    const kept = relayCandidate(body.replace(/^[ \t]*a[ \t]*=[ \t]*candidate[ \t]*:/i, 'a=candidate:'))
    if (kept !== null) out += `a=${kept}${line.slice(body.length)}`
  }
  return out
}

/** How many `a=candidate` lines an SDP has (any case or spacing): metrics count what was dropped. */
export function countSdpCandidates(sdp: string): number {
  return sdp.match(/^[ \t]*a[ \t]*=[ \t]*candidate[ \t]*:/gim)?.length ?? 0
}
