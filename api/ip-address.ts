// Address text, independent of where it came from: one spelling per address ("::FFFF:1.2.3.4",
// "[2001:DB8:0::1]:443" and "2001:db8::1%eth0" are 1.2.3.4 and 2001:db8::1), and the key every
// per-address rule (connection cap, rate buckets, report threshold, bans) is counted by: the IPv4
// address, or the IPv6 /IPV6_PREFIX network. One IPv6 subscriber usually holds a whole /64, so
// keying on the /128 would hand an abuser 2^64 fresh identities. Infrastructure (secrets.ts hashes
// addressKey) and safety (client-ip.ts) both build on it, so it depends on neither.

/** One spelling per address (lower-case RFC 5952 IPv6, dotted IPv4), or null when `raw` is no address. */
export function canonicalIp(raw: string): string | null {
  const groups = parseIp(raw)
  if (!groups) return null
  return isV4Mapped(groups) ? v4Text(groups) : v6Text(groups)
}

/**
 * What is hashed for an address (secrets.hashIp feeds every address through this): the canonical
 * IPv4 address, or the IPv6 network of `ipv6Prefix` bits as "net::/64". Text that is no address
 * (the "unknown" of a peer-less request) is kept as it is, so it still hashes to one stable key.
 */
export function addressKey(ip: string, ipv6Prefix: number): string {
  const groups = parseIp(ip)
  if (!groups) return ip
  if (isV4Mapped(groups)) return v4Text(groups)
  if (ipv6Prefix >= 128) return v6Text(groups)
  const masked = groups.map((g, i) => {
    const bits = Math.min(16, Math.max(0, ipv6Prefix - i * 16))
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff)
  })
  return `${v6Text(masked)}/${ipv6Prefix}`
}

// ---------- parsing ----------

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** Eight 16-bit groups (IPv4 as ::ffff:a.b.c.d), or null. Accepts brackets, a port, a zone id. */
function parseIp(raw: string): number[] | null {
  let s = raw.trim()
  if (s.length === 0 || s.length > 100) return null
  if (s.startsWith('[')) {
    // [v6] or [v6]:port
    const end = s.indexOf(']')
    if (end < 0 || !/^(:\d{1,5})?$/.test(s.slice(end + 1))) return null
    s = s.slice(1, end)
  } else if (/^[\d.]+:\d{1,5}$/.test(s)) {
    s = s.slice(0, s.indexOf(':')) // a.b.c.d:port
  }
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const v4 = parseV4(s)
  if (v4) return [0, 0, 0, 0, 0, 0xffff, v4[0]!, v4[1]!]
  return parseV6(s.toLowerCase())
}

function parseV4(s: string): [number, number] | null {
  const m = V4.exec(s)
  if (!m) return null
  const o = m.slice(1, 5).map(Number)
  if (o.some(n => n > 255)) return null
  return [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!]
}

function parseV6(s: string): number[] | null {
  if (!/^[0-9a-f:.]+$/.test(s)) return null
  const halves = s.split('::')
  if (halves.length > 2) return null
  const parse = (part: string): number[] | null => {
    if (part === '') return []
    const out: number[] = []
    const pieces = part.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseV4(piece)
        if (!v4) return null
        out.push(...v4)
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16))
      } else {
        return null
      }
    }
    return out
  }
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  if (!head || !tail) return null
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null
  if (halves.length === 1) return head.length === 8 ? head : null
  const fill = 8 - head.length - tail.length
  if (fill < 1) return null
  return [...head, ...new Array<number>(fill).fill(0), ...tail]
}

const isV4Mapped = (g: number[]) => g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff

const v4Text = (g: number[]) => `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`

/** RFC 5952: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function v6Text(g: number[]): string {
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map(n => n.toString(16))
      .join(':')
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`
}
