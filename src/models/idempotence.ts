// Broker-side state of idempotent producers for one partition replica (Kafka's ProducerStateManager, reduced
// to what decides an append): per producer id the last 5 batches it wrote (NUM_BATCHES_TO_RETAIN). A batch
// equal to one of them is a duplicate and is answered with its original offset; the next batch must start at
// lastSeq + 1; anything else is OutOfOrderSequence. A new producer id must start at sequence 0.
// Producer epochs are folded into the id: a producer that restarts or resets its sequences takes a new id.
import type { PartitionLog } from "./partition-log.ts";

export const BATCHES_RETAINED = 5;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
}

export type SequenceCheck = { kind: "append" } | { kind: "duplicate"; firstOffset: number } | { kind: "out-of-order"; expected: number };

export class ProducerStateTable {
  private readonly byPid = new Map<number, BatchMeta[]>();

  check(pid: number, firstSeq: number, count: number): SequenceCheck {
    const batches = this.byPid.get(pid);
    const lastSeq = firstSeq + count - 1;
    if (!batches || batches.length === 0) return firstSeq === 0 ? { kind: "append" } : { kind: "out-of-order", expected: 0 };
    for (const b of batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: "duplicate", firstOffset: b.firstOffset };
    const expected = (batches[batches.length - 1].lastSeq + 1) | 0;
    // Sequences are 32-bit and wrap from Int.MAX to 0.
    return firstSeq === (expected < 0 ? 0 : expected) ? { kind: "append" } : { kind: "out-of-order", expected };
  }

  onAppend(pid: number, firstSeq: number, count: number, firstOffset: number): void {
    let batches = this.byPid.get(pid);
    if (!batches) this.byPid.set(pid, (batches = []));
    batches.push({ firstSeq, lastSeq: firstSeq + count - 1, firstOffset });
    if (batches.length > BATCHES_RETAINED) batches.shift();
  }

  /** Rebuilds the table from the log (after truncation), as Kafka reloads producer state from the log. */
  rebuild(log: PartitionLog): void {
    this.byPid.clear();
    const found = new Map<number, BatchMeta[]>();
    let end = log.logEndOffset;
    for (let o = log.logEndOffset - 1; o >= 0; o--) {
      if (!log.isBatchStart(o)) continue;
      const pid = log.pidAt(o);
      if (pid >= 0) {
        let list = found.get(pid);
        if (!list) found.set(pid, (list = []));
        if (list.length < BATCHES_RETAINED) list.unshift({ firstSeq: log.seqAt(o), lastSeq: log.seqAt(o) + (end - o) - 1, firstOffset: o });
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
      if (pid >= 0) this.onAppend(pid, log.seqAt(o), end - o, o);
      o = end;
    }
  }
}
