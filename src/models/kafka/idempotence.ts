// Broker-side state of idempotent producers for one partition replica (Kafka's ProducerStateManager with
// ProducerAppendInfo's checks, reduced to what decides an append). Per producer id: its current epoch and
// the last 5 batches it wrote in that epoch (NUM_BATCHES_TO_RETAIN). In the order Kafka checks a batch:
// - a batch equal to one of those 5, in the same epoch, is a duplicate, answered with its original offset;
// - an older epoch is refused with InvalidProducerEpoch (nothing appended);
// - a newer epoch must start at sequence 0 (else OutOfOrderSequence) and then replaces the entry;
// - in the same epoch the batch must start at lastSeq + 1 (Int.MAX wraps to 0), else OutOfOrderSequence;
// - a producer id with no state here (never seen, or all its batches truncated or deleted) is accepted at any
//   sequence: Kafka stopped answering UnknownProducerId for this (ProducerAppendInfo.checkSequence, "accept
//   writes with any sequence number" when there is no current producer epoch).
// The producer epoch of every batch is kept in the log, so a rebuild from the log restores epochs too.
import type { PartitionLog } from "./partition-log.ts";

export const BATCHES_RETAINED = 5;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMeta[];
}

export type SequenceCheck =
  | { kind: "append" }
  | { kind: "duplicate"; firstOffset: number }
  | { kind: "out-of-order"; expected: number }
  | { kind: "invalid-epoch"; current: number };

/** The common answer, shared: check() runs for every idempotent batch. */
const APPEND: SequenceCheck = Object.freeze({ kind: "append" });

export class ProducerStateTable {
  private readonly byPid = new Map<number, ProducerEntry>();

  /** The epoch this replica holds for a producer id, or -1 when it has no state for it. */
  epochOf(pid: number): number {
    return this.byPid.get(pid)?.epoch ?? -1;
  }

  check(pid: number, firstSeq: number, count: number, epoch = 0): SequenceCheck {
    const e = this.byPid.get(pid);
    if (!e) return APPEND;
    const lastSeq = firstSeq + count - 1;
    if (epoch === e.epoch) {
      for (const b of e.batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: "duplicate", firstOffset: b.firstOffset };
    }
    if (epoch < e.epoch) return { kind: "invalid-epoch", current: e.epoch };
    if (epoch > e.epoch) return firstSeq === 0 ? APPEND : { kind: "out-of-order", expected: 0 };
    if (e.batches.length === 0) return APPEND;
    const expected = (e.batches[e.batches.length - 1].lastSeq + 1) | 0;
    // Sequences are 32-bit and wrap from Int.MAX to 0.
    return firstSeq === (expected < 0 ? 0 : expected) ? APPEND : { kind: "out-of-order", expected };
  }

  onAppend(pid: number, firstSeq: number, count: number, firstOffset: number, epoch = 0): void {
    let e = this.byPid.get(pid);
    if (!e) this.byPid.set(pid, (e = { epoch, batches: [] }));
    // A new epoch starts a new entry: duplicates are recognised within one epoch only.
    if (e.epoch !== epoch) {
      e.epoch = epoch;
      e.batches = [];
    }
    e.batches.push({ firstSeq, lastSeq: firstSeq + count - 1, firstOffset });
    if (e.batches.length > BATCHES_RETAINED) e.batches.shift();
  }

  /**
   * A transaction marker of `epoch` for the producer id: a newer epoch (the coordinator fenced or aborted) replaces
   * the entry, so writes of older epochs are refused; markers carry no sequence, so the sequences go on.
   */
  onMarker(pid: number, epoch: number): void {
    const e = this.byPid.get(pid);
    if (!e) this.byPid.set(pid, { epoch, batches: [] });
    else if (epoch > e.epoch) {
      e.epoch = epoch;
      e.batches = [];
    }
  }

  /** Rebuilds the table from the log (after truncation), as Kafka reloads producer state from the log. */
  rebuild(log: PartitionLog): void {
    this.byPid.clear();
    const found = new Map<number, ProducerEntry>();
    let end = log.logEndOffset;
    for (let o = log.logEndOffset - 1; o >= log.logStartOffset; o--) {
      if (!log.isBatchStart(o)) continue;
      const pid = log.pidAt(o);
      if (pid >= 0 && log.seqAt(o) < 0) {
        // A control marker: only its epoch matters, and only if nothing newer was met.
        if (!found.has(pid)) found.set(pid, { epoch: log.producerEpochAt(o), batches: [] });
      } else if (pid >= 0) {
        const epoch = log.producerEpochAt(o);
        let e = found.get(pid);
        // Scanning backwards, the first batch met carries the producer's current epoch; older epochs are history.
        if (!e) found.set(pid, (e = { epoch, batches: [] }));
        if (epoch === e.epoch && e.batches.length < BATCHES_RETAINED) {
          e.batches.unshift({ firstSeq: log.seqAt(o), lastSeq: log.seqAt(o) + (end - o) - 1, firstOffset: o });
        }
      }
      end = o;
    }
    for (const pid of [...found.keys()].sort((a, b) => a - b)) this.byPid.set(pid, found.get(pid)!);
  }

  /** Applies the producer batches of a replicated range [from, log end). */
  onReplicated(log: PartitionLog, from: number): void {
    let o = from;
    while (o < log.logEndOffset) {
      let end = o + 1;
      while (end < log.logEndOffset && !log.isBatchStart(end)) end++;
      const pid = log.pidAt(o);
      if (pid >= 0 && log.seqAt(o) < 0) this.onMarker(pid, log.producerEpochAt(o));
      else if (pid >= 0) this.onAppend(pid, log.seqAt(o), end - o, o, log.producerEpochAt(o));
      o = end;
    }
  }
}
