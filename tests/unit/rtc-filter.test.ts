import { describe, expect, test } from 'bun:test'
import { countSdpCandidates, filterCandidate, relayCandidate, relayOnlySdp } from '../../api/chat/rtc-filter'

// Candidates as Chrome and Firefox write them (addresses from the documentation ranges).
const HOST_V4 = 'candidate:842163049 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag EsAw network-id 1'
const HOST_V6 = 'candidate:1 1 udp 2122262783 2001:db8::1:23 54322 typ host generation 0 ufrag EsAw network-id 2'
const HOST_MDNS = 'candidate:3 1 udp 2122260223 4d6f2c1b-3a45-4c2e-9e1a-7b2f0c9d8e71.local 54323 typ host generation 0'
const SRFLX = 'candidate:4 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.23 rport 54321 generation 0'
const PRFLX = 'candidate:5 1 udp 1845501695 198.51.100.9 40000 typ prflx raddr 192.168.1.23 rport 54321'
const TCP_HOST = 'candidate:6 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0'
const RELAY = 'candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 203.0.113.7 rport 61000 generation 0 ufrag EsAw'
const RELAY_V6 = 'candidate:8 1 UDP 16777215 2001:db8:ffff::50 49171 typ relay raddr 2001:db8::1:23 rport 54322'
const RELAY_TCP = 'candidate:9 1 tcp 25108223 198.51.100.50 49172 typ relay raddr 0.0.0.0 rport 0 tcptype passive'

describe('ICE candidate filter (relay only)', () => {
  test('host, srflx, prflx and mDNS candidates are dropped, IPv4 and IPv6, udp and tcp', () => {
    for (const c of [HOST_V4, HOST_V6, HOST_MDNS, SRFLX, PRFLX, TCP_HOST]) expect({ c, kept: filterCandidate(c) }).toEqual({ c, kept: null })
  })

  test("a relay candidate passes with its related address (the client's own mapped address) blanked", () => {
    expect(filterCandidate(RELAY)).toBe('candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw')
    expect(filterCandidate(RELAY_V6)).toBe('candidate:8 1 udp 16777215 2001:db8:ffff::50 49171 typ relay raddr 0.0.0.0 rport 0')
    expect(filterCandidate(RELAY_TCP)).toBe('candidate:9 1 tcp 25108223 198.51.100.50 49172 typ relay raddr 0.0.0.0 rport 0 tcptype passive')
  })

  test('odd spacing, case and a leading a= are read the same way', () => {
    expect(relayCandidate('  a=CANDIDATE:7   1\tUDP 41885439 198.51.100.50 49170 TYP RELAY  RADDR 203.0.113.7 RPORT 61000 ')).toBe(
      'candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 0.0.0.0 rport 0',
    )
    expect(relayCandidate('A=candidate:1 1 udp 2122260223 192.168.1.23 54321 TyP HoSt')).toBeNull()
  })

  test('disguises are dropped: a host address claiming relay by name, typ in the wrong place, broken lines', () => {
    const disguised = [
      // an mDNS name or host name is never a TURN relay address
      'candidate:3 1 udp 41885439 4d6f2c1b-3a45-4c2e-9e1a-7b2f0c9d8e71.local 54323 typ relay',
      'candidate:3 1 udp 41885439 myhost.example 54323 typ relay',
      // "typ relay" among the extensions does not make a host candidate a relay one
      'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 typ relay',
      // missing, odd or malformed fields
      'candidate:7 1 udp 41885439 198.51.100.50 49170 typ',
      'candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr',
      'candidate:7 1 udp 41885439 198.51.100.50 99999 typ relay',
      'candidate:7 1 sctp 41885439 198.51.100.50 49170 typ relay',
      'candidate:7 x udp 41885439 198.51.100.50 49170 typ relay',
      'candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 1.2.3.4 rport 5\u0000',
      'garbage',
      'candidate:',
    ]
    for (const c of disguised) expect({ c, kept: filterCandidate(c) }).toEqual({ c, kept: null })
  })

  test("the end-of-candidates marker ('') passes", () => {
    expect(filterCandidate('')).toBe('')
  })
})

describe('SDP filter (relay only)', () => {
  const sdp = (lines: string[], eol = '\r\n') => lines.join(eol) + eol
  const head = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0']

  test('a mixed SDP keeps only its relay candidate lines (blanked raddr) and every other line, CRLF kept', () => {
    const mixed = sdp([
      ...head,
      `a=${HOST_V4}`,
      `a=${HOST_MDNS}`,
      `a=${SRFLX}`,
      `a=${RELAY}`,
      `a=${HOST_V6}`,
      `a=${PRFLX}`,
      `a=${RELAY_V6}`,
      'a=end-of-candidates',
      'a=rtpmap:96 VP8/90000',
    ])
    const out = relayOnlySdp(mixed)
    expect(out).toBe(
      sdp([
        ...head,
        'a=candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw',
        'a=candidate:8 1 udp 16777215 2001:db8:ffff::50 49171 typ relay raddr 0.0.0.0 rport 0',
        'a=end-of-candidates',
        'a=rtpmap:96 VP8/90000',
      ]),
    )
    expect(countSdpCandidates(mixed) - countSdpCandidates(out)).toBe(5)
    // No address of the client's own network is left anywhere in the text.
    for (const leaked of ['192.168.1.23', '2001:db8::1:23', '.local', '203.0.113.7']) expect(out).not.toContain(leaked)
  })

  test('candidate lines in odd spelling are found too, and LF-only SDPs keep their line endings', () => {
    const odd = sdp([...head, ` A = Candidate : 1 1 udp 2122260223 192.168.1.23 54321 typ host`, `a=CANDIDATE:${RELAY.slice('candidate:'.length)}`, 'a=end-of-candidates'], '\n')
    expect(relayOnlySdp(odd)).toBe(
      sdp([...head, 'a=candidate:7 1 udp 41885439 198.51.100.50 49170 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw', 'a=end-of-candidates'], '\n'),
    )
  })

  test('an SDP with only host candidates loses all of them; one without candidates is unchanged', () => {
    const hosts = sdp([...head, `a=${HOST_V4}`, `a=${TCP_HOST}`])
    expect(relayOnlySdp(hosts)).toBe(sdp(head))
    expect(relayOnlySdp(sdp(head))).toBe(sdp(head))
    // A last line without a line ending is handled like the others.
    expect(relayOnlySdp(`v=0\r\na=${HOST_V4}`)).toBe('v=0\r\n')
  })
})
