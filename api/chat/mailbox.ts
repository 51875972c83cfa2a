// One session's mailbox on a single node: its seq counter, the JSON of every sequenced frame not
// yet acknowledged (replayed as is on resume), and the receipts of recent client text ids (so a
// resent message is answered, never relayed twice).
const SENT_IDS_KEPT = 256

export class Mailbox {
  seq = 0
  /**
   * Oldest first. Seqs are consecutive, so the last one is `seq` and the first is
   * seq - outbox.length + 1.
   */
  outbox: string[] = []
  /**
   * Two generations instead of evicting one by one: deleting from a Map on every message was the
   * most expensive line of the relay. Holds the last SENT_IDS_KEPT to 2 × SENT_IDS_KEPT ids.
   */
  private sent: Map<string, string> | null = null
  private sentOld: Map<string, string> | null = null

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
    return null
  }

  receipt(clientId: string): string | undefined {
    return this.sent?.get(clientId) ?? this.sentOld?.get(clientId)
  }

  remember(clientId: string, receipt: string) {
    if (!this.sent || this.sent.size >= SENT_IDS_KEPT) {
      this.sentOld = this.sent
      this.sent = new Map()
    }
    this.sent.set(clientId, receipt)
  }

  /** Message ids are the client's: one that restarts its counter per chat must not have its first messages taken for resends from the last chat. */
  forgetIds() {
    this.sent = this.sentOld = null
  }

  sentIds(): Array<[string, string]> {
    return [...(this.sentOld ?? []), ...(this.sent ?? [])]
  }

  restoreIds(ids: Array<[string, string]>) {
    this.sent = ids.length ? new Map(ids) : null
    this.sentOld = null
  }
}
