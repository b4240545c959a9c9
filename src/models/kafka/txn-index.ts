// A partition's transaction index: what the leader needs to answer read_committed fetches (semantics.md §1).
// - Open transactions: per producer id, the first offset it wrote in its current transaction. The last stable
//   offset (LSO) is the first offset of the earliest transaction that is not complete, capped by the high
//   watermark. A transaction is complete once its control marker is below the high watermark (replicated):
//   until then a read_committed consumer could not tell commit from abort.
// - Aborted transactions: per producer id, the offset ranges [first, marker) whose marker said ABORT
//   (Kafka's aborted-transaction index); read_committed consumers skip records in them.
// - Control markers themselves are recognisable in the log: a producer id with no sequence (PartitionLog).
// The index is kept for the partition as a whole rather than per replica: Kafka rebuilds it on every replica
// from the replicated log, and the model keeps one copy. Deviation: a marker later truncated away by an
// unclean election stays in the index.

interface OpenTxn {
  firstOffset: number;
  /** Offset of its control marker, -1 while the transaction is open. */
  markerOffset: number;
}

export class TxnIndex {
  private readonly open = new Map<number, OpenTxn>();
  /** Completing transactions (marker written, maybe not yet below the HW), in marker order. */
  private completing: OpenTxn[] = [];
  /** Producer id → aborted ranges [first, marker), in offset order. */
  private readonly aborted = new Map<number, number[]>();
  /** Any transactional write ever: lets non-transactional partitions skip all of this. */
  used = false;

  /** A transactional batch was appended at `offset`: the first one opens the producer's transaction here. */
  onTransactionalAppend(producerId: number, offset: number): void {
    this.used = true;
    if (!this.open.has(producerId)) this.open.set(producerId, { firstOffset: offset, markerOffset: -1 });
  }

  /** The coordinator's COMMIT/ABORT marker for `producerId` landed at `markerOffset`. */
  onMarker(producerId: number, markerOffset: number, commit: boolean): void {
    this.used = true;
    const t = this.open.get(producerId);
    if (!t) return;
    this.open.delete(producerId);
    t.markerOffset = markerOffset;
    this.completing.push(t);
    if (!commit) {
      let list = this.aborted.get(producerId);
      if (!list) this.aborted.set(producerId, (list = []));
      list.push(t.firstOffset, markerOffset);
    }
  }

  /** The first offset a read_committed consumer may not read yet: min(HW, first offset of the earliest unstable transaction). */
  lastStableOffset(highWatermark: number): number {
    if (!this.used) return highWatermark;
    let lso = highWatermark;
    for (const t of this.open.values()) if (t.firstOffset < lso) lso = t.firstOffset;
    if (this.completing.length > 0) {
      // Transactions whose marker is below the HW are done; drop them for good.
      this.completing = this.completing.filter((t) => t.markerOffset >= highWatermark);
      for (const t of this.completing) if (t.firstOffset < lso) lso = t.firstOffset;
    }
    return lso;
  }

  /** Whether the record at `offset` written by `producerId` belongs to an aborted transaction. */
  isAborted(producerId: number, offset: number): boolean {
    const list = this.aborted.get(producerId);
    if (!list) return false;
    // Ranges are in offset order; the recent ones are at the end.
    for (let i = list.length - 2; i >= 0; i -= 2) {
      if (offset >= list[i + 1]) return false;
      if (offset >= list[i]) return true;
    }
    return false;
  }
}
