// One session's mailbox on a single node: its seq counter, and the JSON of every sequenced frame
// not yet acknowledged (replayed as is on resume). Resent texts are recognised from the replay
// itself: see openResends.
import { RECEIPT_PREFIX } from './protocol'

export class Mailbox {
  seq = 0
  /**
   * Oldest first. Seqs are consecutive, so the last one is `seq` and the first is
   * seq - outbox.length + 1.
   */
  outbox: string[] = []
  /**
   * Client text id → its receipt, for the receipts still unacknowledged when the session last
   * resumed; null otherwise (almost always), so a live chat's texts pay for no lookup at all.
   */
  private resends: Map<string, string> | null = null
  /** The highest seq among `resends`: an ack up to it means the client has seen them all. */
  private resendsUpTo = 0
  /**
   * The partner's texts in the current chat, oldest first, as (this session's seq of the text, the
   * partner's client id): what `seen`, `replyTo` and the undelivered list of an expiry resolve
   * against, since seqs are per recipient and the partner knows its texts by its own ids. Bounded
   * like the outbox (a `seen` of a later text covers the older ones anyway). A ring of two parallel
   * arrays: this is on every relayed text, and a full array's shift() (plus a tuple per text) cost
   * the relay about a tenth of its CPU.
   */
  private inSeqs: number[] = []
  private inIds: string[] = []
  /** Index of the oldest entry, and how many there are. */
  private inHead = 0
  private inLen = 0
  /** The highest seq this session's client said it has shown (`seen`). */
  seenUpTo = 0
  /**
   * Receipts owed to the partner for texts that reached this session while it had no socket, as
   * [partner's client id, at]: sent when this session's socket is back (attach), dropped when the
   * chat ends first. Null when none (almost always).
   */
  heldReceipts: Array<[string, number]> | null = null

  constructor(private readonly maxFrames: number) {}

  /** Keeps a frame whose seq was just taken with `++seq`. */
  keep(json: string) {
    this.outbox.push(json)
    // A client that never acks must not grow memory without bound; it loses the oldest replay.
    if (this.outbox.length > this.maxFrames) this.outbox.shift()
  }

  /** Frees everything up to `seq`; an error message when `seq` was never sent. */
  ack(seq: number): string | null {
    if (seq > this.seq) return `ack: seq ${seq} has not been sent yet (latest is ${this.seq})`
    const drop = Math.min(this.outbox.length, seq - (this.seq - this.outbox.length))
    if (drop > 0) this.outbox.splice(0, drop)
    if (this.resends && seq >= this.resendsUpTo) this.resends = null
    return null
  }

  /**
   * On a resume, before the replay: the texts a client may send again are exactly those whose
   * receipt it has not acknowledged, and every one of those receipts is in the outbox. A client
   * resends what never got `delivered`; a receipt it did see it never resends. So the ids to
   * recognise are read from the outbox once here, instead of recording every text's id as it
   * passes (a map insert and two lookups per text on the relay's hot path, and most of a busy
   * held session's memory).
   */
  openResends() {
    let map: Map<string, string> | null = null
    const first = this.seq - this.outbox.length + 1
    for (let i = 0; i < this.outbox.length; i++) {
      const json = this.outbox[i]!
      if (!json.startsWith(RECEIPT_PREFIX)) continue
      const id = (JSON.parse(json) as { id: string }).id
      ;(map ??= new Map()).set(id, json)
      this.resendsUpTo = first + i
    }
    this.resends = map
  }

  /** The original receipt of a resent text id, if it is one. */
  receipt(clientId: string): string | undefined {
    return this.resends?.get(clientId)
  }

  /** Message ids are the client's: one that restarts its counter per chat must not have its first messages taken for resends from the last chat. */
  forgetIds() {
    this.resends = null
  }

  /** A text of the partner's (client id `id`) was kept with `seq`. */
  received(seq: number, id: string) {
    const cap = Math.max(1, this.maxFrames)
    if (this.inLen < cap) {
      const i = (this.inHead + this.inLen) % cap
      this.inSeqs[i] = seq
      this.inIds[i] = id
      this.inLen++
    } else {
      // Full: the oldest makes room.
      this.inSeqs[this.inHead] = seq
      this.inIds[this.inHead] = id
      this.inHead = (this.inHead + 1) % cap
    }
  }

  /** Ring index of the k-th oldest entry. */
  private slot(k: number): number {
    return (this.inHead + k) % Math.max(1, this.maxFrames)
  }

  /** The partner's client id of the text this session got as `seq`, if it is one of this chat's. */
  inboundId(seq: number): string | undefined {
    for (let k = this.inLen - 1; k >= 0; k--) {
      const i = this.slot(k)
      const at = this.inSeqs[i]!
      if (at === seq) return this.inIds[i]
      if (at < seq) return undefined
    }
    return undefined
  }

  /**
   * The client has shown everything up to `seq`: the partner's client id of the newest text this
   * newly covers (null when it covers none: a regress, a repeat, or only non-text frames), or an
   * error message when `seq` was never sent.
   */
  seen(seq: number): { id: string | null } | { error: string } {
    if (seq > this.seq) return { error: `seen: seq ${seq} has not been sent yet (latest is ${this.seq})` }
    if (seq <= this.seenUpTo) return { id: null }
    const before = this.seenUpTo
    this.seenUpTo = seq
    for (let k = this.inLen - 1; k >= 0; k--) {
      const i = this.slot(k)
      const at = this.inSeqs[i]!
      if (at <= before) break
      if (at <= seq) return { id: this.inIds[i]! }
    }
    return { id: null }
  }

  /** The partner's texts this session's client neither acknowledged nor said it saw (client ids, oldest first). */
  unconfirmed(): string[] {
    const from = Math.max(this.seq - this.outbox.length, this.seenUpTo)
    const out: string[] = []
    for (let k = 0; k < this.inLen; k++) {
      const i = this.slot(k)
      if (this.inSeqs[i]! > from) out.push(this.inIds[i]!)
    }
    return out
  }

  /** The partner's texts of this chat, oldest first (for a restart snapshot). */
  get inbound(): Array<[number, string]> {
    const out: Array<[number, string]> = []
    for (let k = 0; k < this.inLen; k++) {
      const i = this.slot(k)
      out.push([this.inSeqs[i]!, this.inIds[i]!])
    }
    return out
  }

  /** Puts a snapshot's list back (oldest first). */
  set inbound(list: Array<[number, string]>) {
    this.inSeqs = []
    this.inIds = []
    this.inHead = 0
    this.inLen = 0
    for (const [seq, id] of list) this.received(seq, id)
  }

  /** A chat began or ended: its texts and the receipts owed for them are no longer this session's to resolve. */
  newChat() {
    this.inSeqs = []
    this.inIds = []
    this.inHead = 0
    this.inLen = 0
    this.heldReceipts = null
  }
}
