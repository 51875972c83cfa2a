// A minimal STUN/TURN client over UDP (RFC 8489 messages, RFC 8656 Allocate), enough for the tests
// to prove that a real turnserver accepts the app's credentials: Binding (is it up?), and Allocate
// with the long-term credential mechanism (first attempt → 401 with REALM and NONCE, second with
// USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password)).
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'

const MAGIC = 0x2112a442
const BINDING = 0x0001
const ALLOCATE = 0x0003
const REFRESH = 0x0004
const CREATE_PERMISSION = 0x0008

export const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_PEER_ADDRESS: 0x0012,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const

export interface StunMessage {
  type: number
  transactionId: Buffer
  attrs: Map<number, Buffer>
}

/** Encodes a message; with `key`, a MESSAGE-INTEGRITY over everything before it is appended. */
export function encodeStun(type: number, transactionId: Buffer, attrs: Array<[number, Buffer]>, key?: Buffer): Buffer {
  const body: Buffer[] = []
  for (const [t, v] of attrs) {
    const head = Buffer.alloc(4)
    head.writeUInt16BE(t, 0)
    head.writeUInt16BE(v.length, 2)
    body.push(head, v, Buffer.alloc((4 - (v.length % 4)) % 4))
  }
  let attrsBuf = Buffer.concat(body)
  const header = (len: number) => {
    const h = Buffer.alloc(20)
    h.writeUInt16BE(type, 0)
    h.writeUInt16BE(len, 2)
    h.writeUInt32BE(MAGIC, 4)
    transactionId.copy(h, 8)
    return h
  }
  if (key) {
    // The length in the header counts the MESSAGE-INTEGRITY attribute (24 bytes) it is computed over.
    const mac = createHmac('sha1', key)
      .update(Buffer.concat([header(attrsBuf.length + 24), attrsBuf]))
      .digest()
    const mi = Buffer.alloc(4)
    mi.writeUInt16BE(ATTR.MESSAGE_INTEGRITY, 0)
    mi.writeUInt16BE(20, 2)
    attrsBuf = Buffer.concat([attrsBuf, mi, mac])
  }
  return Buffer.concat([header(attrsBuf.length), attrsBuf])
}

export function decodeStun(buf: Buffer): StunMessage | null {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null
  const len = buf.readUInt16BE(2)
  const attrs = new Map<number, Buffer>()
  let off = 20
  while (off + 4 <= 20 + len && off + 4 <= buf.length) {
    const t = buf.readUInt16BE(off)
    const l = buf.readUInt16BE(off + 2)
    if (!attrs.has(t)) attrs.set(t, buf.subarray(off + 4, off + 4 + l))
    off += 4 + l + ((4 - (l % 4)) % 4)
  }
  return { type: buf.readUInt16BE(0), transactionId: buf.subarray(8, 20), attrs }
}

/** ERROR-CODE as a number (401, 438…), or null. */
export function errorCode(m: StunMessage): number | null {
  const v = m.attrs.get(ATTR.ERROR_CODE)
  return v && v.length >= 4 ? (v[2]! & 0x7) * 100 + v[3]! : null
}

/** An XOR-*-ADDRESS attribute (IPv4 or IPv6) as {address, port}. */
export function xorAddress(v: Buffer, transactionId: Buffer): { address: string; port: number } {
  const port = v.readUInt16BE(2) ^ (MAGIC >>> 16)
  if (v[1] === 0x01) {
    const ip = (v.readUInt32BE(4) ^ MAGIC) >>> 0
    return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port }
  }
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId])
  const raw = Buffer.from(v.subarray(4, 20).map((b, i) => b ^ mask[i]!))
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16))
  return { address: groups.join(':'), port }
}

/** A UDP client for one TURN server: one request at a time, each answered or timed out. */
export class StunClient {
  private readonly sock: Socket
  private waiting: { tid: string; resolve(m: StunMessage): void } | null = null

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.sock = createSocket('udp4')
    this.sock.on('message', buf => {
      const m = decodeStun(buf)
      if (m && this.waiting && m.transactionId.toString('hex') === this.waiting.tid) this.waiting.resolve(m)
    })
  }

  static async open(host: string, port: number): Promise<StunClient> {
    const c = new StunClient(host, port)
    await new Promise<void>(resolve => c.sock.bind(0, '127.0.0.1', resolve))
    return c
  }

  /** Sends a request and waits for its answer; null when none came within `timeoutMs`. */
  async request(type: number, attrs: Array<[number, Buffer]>, key?: Buffer, timeoutMs = 1000): Promise<StunMessage | null> {
    const tid = randomBytes(12)
    const answer = new Promise<StunMessage | null>(resolve => {
      const timer = setTimeout(() => resolve(null), timeoutMs)
      this.waiting = {
        tid: tid.toString('hex'),
        resolve: m => {
          clearTimeout(timer)
          resolve(m)
        },
      }
    })
    this.sock.send(encodeStun(type, tid, attrs, key), this.port, this.host)
    const m = await answer
    this.waiting = null
    return m
  }

  binding(timeoutMs?: number) {
    return this.request(BINDING, [], undefined, timeoutMs)
  }

  /**
   * The long-term credential Allocate: the unauthenticated attempt (expected 401 with realm and
   * nonce), then the signed one. `challenge` is the first answer, `answer` the second.
   */
  async allocate(username: string, password: string): Promise<{ challenge: StunMessage | null; answer: StunMessage | null; relayed: { address: string; port: number } | null }> {
    const udp: [number, Buffer] = [ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]
    const challenge = await this.request(ALLOCATE, [udp])
    const realm = challenge?.attrs.get(ATTR.REALM)
    const nonce = challenge?.attrs.get(ATTR.NONCE)
    if (!challenge || !realm || !nonce) return { challenge, answer: null, relayed: null }
    const answer = await this.signed(ALLOCATE, [udp], username, password, realm, nonce)
    const x = answer?.attrs.get(ATTR.XOR_RELAYED_ADDRESS)
    return { challenge, answer, relayed: answer && x ? xorAddress(x, answer.transactionId) : null }
  }

  /** A request with the long-term credential attributes and MESSAGE-INTEGRITY. */
  signed(type: number, attrs: Array<[number, Buffer]>, username: string, password: string, realm: Buffer, nonce: Buffer): Promise<StunMessage | null> {
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest()
    return this.request(type, [...attrs, [ATTR.USERNAME, Buffer.from(username)], [ATTR.REALM, realm], [ATTR.NONCE, nonce]], key)
  }

  /** CreatePermission for an IPv4 peer on this socket's allocation (a turnserver refuses a denied peer with 403). */
  permission(username: string, password: string, realm: Buffer, nonce: Buffer, peerIp: string) {
    const v = Buffer.alloc(8)
    v[1] = 0x01
    v.writeUInt16BE(0 ^ (MAGIC >>> 16), 2)
    const ip = peerIp.split('.').reduce((n, o) => (n << 8) | Number(o), 0) >>> 0
    v.writeUInt32BE((ip ^ MAGIC) >>> 0, 4)
    return this.signed(CREATE_PERMISSION, [[ATTR.XOR_PEER_ADDRESS, v]], username, password, realm, nonce)
  }

  /** Releases an allocation (Refresh with LIFETIME 0). */
  release(username: string, password: string, realm: Buffer, nonce: Buffer) {
    return this.signed(REFRESH, [[ATTR.LIFETIME, Buffer.from([0, 0, 0, 0])]], username, password, realm, nonce)
  }

  close() {
    this.sock.close()
  }
}

export const STUN_TYPES = {
  BINDING,
  ALLOCATE,
  REFRESH,
  CREATE_PERMISSION,
  BINDING_SUCCESS: 0x0101,
  ALLOCATE_SUCCESS: 0x0103,
  ALLOCATE_ERROR: 0x0113,
  CREATE_PERMISSION_SUCCESS: 0x0108,
  CREATE_PERMISSION_ERROR: 0x0118,
} as const
