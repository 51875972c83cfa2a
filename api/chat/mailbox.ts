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
}
