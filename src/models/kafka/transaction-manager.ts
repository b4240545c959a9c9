// The producer's idempotence bookkeeping, after the Java client's TransactionManager (KIP-360) for an
// idempotent, non-transactional producer. The producer id and epoch come from InitProducerId (a run-wide
// counter here); per partition it keeps the id/epoch its sequences belong to, the next sequence, the last
// acknowledged one and the "in-flight" batches (a sequence assigned, not yet completed: on the wire or
// waiting to be retried), in sequence order.
//
// Epoch bumps happen locally, without asking the broker:
// - OutOfOrderSequence for the batch right after the last acknowledged one (a real gap), or right after a
//   batch whose outcome is unresolved → bump, and that partition's in-flight batches are re-numbered from 0
//   under the new epoch before they are sent again (startSequencesAtBeginning);
// - a batch abandoned after some attempt reached the broker (delivery timeout with an unknown outcome) leaves
//   the partition "unresolved": no new batch is given a sequence there until its in-flight batches settle;
//   if a later one was acknowledged the lost one did land (brokers accept sequences only in order) and all is
//   well, otherwise the epoch is bumped (maybeResolveSequences);
// - a batch that failed for certain (not written) while retries were left, e.g. InvalidProducerEpoch, leaves
//   a gap: bump (handleFailedBatch with adjustSequenceNumbers).
// Other partitions keep their old epoch until their in-flight batches are done, then restart at 0 with the
// new one (maybeUpdateProducerIdAndEpoch). At epoch 32767 a bump takes a new producer id instead.
// Deviation: Java re-numbers a partition's batches the moment the epoch is bumped, even those still on the
// wire; here it waits until nothing of the partition is on the wire (they are not re-sent before that in
// either case), so an old attempt's late answer never meets a re-numbered batch. Java marks a batch
// unresolved only if it expired after being re-enqueued for retry (and bumps at once when an error answer
// comes past the deadline); here every batch given up with an unknown outcome is unresolved, which never
// re-numbers a batch that may have landed and avoids an endless OutOfOrderSequence loop behind it.
import type { ProducerBatch } from "./accumulator.ts";
import type { Partition } from "./partition.ts";

export const MAX_PRODUCER_EPOCH = 32767;

class PartitionEntry {
  producerId = -1;
  epoch = -1;
  nextSequence = 0;
  lastAckedSequence = -1;
  /** Batches with a sequence that have not completed, by sequence. */
  inflight: ProducerBatch[] = [];
}

export interface EpochBump {
  producerId: number;
  epoch: number;
  /** The partition whose trouble asked for it. */
  partition: Partition;
}

export class TransactionManager {
  producerId: number;
  epoch = 0;
  /** An epoch was bumped since the producer id was issued. */
  private bumped = false;
  private readonly entries = new Map<Partition, PartitionEntry>();
  /** Partition → the sequence right after the abandoned batch whose outcome is unknown. */
  private readonly unresolved = new Map<Partition, number>();
  /** Partitions whose in-flight batches are re-numbered under the new epoch (once nothing of them is on the wire). */
  private readonly toRewrite = new Set<Partition>();
  private bumpFor: Partition | undefined;

  constructor(
    private readonly newProducerId: () => number,
    private readonly onBump: (b: EpochBump) => void = () => {},
    /** false for a transactional producer: only the coordinator bumps its epoch (InitProducerId). */
    private readonly localBumps = true,
  ) {
    this.producerId = newProducerId();
  }

  private entry(p: Partition): PartitionEntry {
    let e = this.entries.get(p);
    if (!e) this.entries.set(p, (e = new PartitionEntry()));
    return e;
  }

  /**
   * No epoch bump since the producer id was issued and no partition unresolved: every partition's state is on the
   * current id and epoch, so prepare() and mayDrainNew() would say yes for every partition (the sender skips them).
   */
  get settled(): boolean {
    return !this.bumped && this.unresolved.size === 0;
  }

  private isStale(e: PartitionEntry): boolean {
    return e.producerId !== this.producerId || e.epoch !== this.epoch;
  }

  /** A producer restart: InitProducerId gives a new id at epoch 0 and all per-partition state goes. */
  reset(): void {
    this.producerId = this.newProducerId();
    this.epoch = 0;
    this.bumped = false;
    this.entries.clear();
    this.unresolved.clear();
    this.toRewrite.clear();
    this.bumpFor = undefined;
  }

  /** A transactional producer's InitProducerId answer: this id and epoch from now on; per-partition state starts over. */
  adopt(producerId: number, epoch: number): void {
    this.reset();
    this.producerId = producerId;
    this.epoch = epoch;
  }

  hasUnresolved(p: Partition): boolean {
    return this.unresolved.has(p);
  }

  lastAckedSequence(p: Partition): number {
    return this.entries.get(p)?.lastAckedSequence ?? -1;
  }

  /** At the start of every sender pass: settle unresolved partitions, then bump if something asked for it. */
  beforeDrain(): void {
    // Runs on every sender wake-up: no copy of the (almost always empty) unresolved set unless it has entries.
    if (this.unresolved.size > 0) this.resolvePending();
    if (this.bumpFor === undefined) return;
    const p = this.bumpFor;
    this.bumpFor = undefined;
    this.bumped = true;
    if (this.epoch >= MAX_PRODUCER_EPOCH) {
      this.producerId = this.newProducerId();
      this.epoch = 0;
    } else this.epoch++;
    this.onBump({ producerId: this.producerId, epoch: this.epoch, partition: p });
  }

  /** Partitions whose lost batch's outcome is now known: nothing of them is in flight any more. */
  private resolvePending(): void {
    for (const [p, _next] of [...this.unresolved]) {
      const e = this.entry(p);
      if (e.inflight.length > 0) continue;
      this.unresolved.delete(p);
      // Everything after the lost batch was acknowledged: it did land. Otherwise there is a gap.
      if (e.nextSequence - e.lastAckedSequence !== 1) this.requestBump(p);
    }
  }

  private requestBump(p: Partition): void {
    if (!this.localBumps) return;
    this.toRewrite.add(p);
    if (this.bumpFor === undefined) this.bumpFor = p;
  }

  /**
   * Called when the partition has nothing on the wire: re-numbers what must be re-numbered. Returns whether a
   * new batch (no sequence yet) may be drained for the partition now.
   */
  prepare(p: Partition): boolean {
    const e = this.entries.get(p);
    if (!e) return true;
    if (this.isStale(e) && (this.toRewrite.has(p) || e.inflight.length === 0)) this.startAtBeginning(p, e);
    return !this.isStale(e) && !this.unresolved.has(p);
  }

  /** Whether a new batch may get a sequence while the partition still has requests on the wire. */
  mayDrainNew(p: Partition): boolean {
    const e = this.entries.get(p);
    if (!e) return true;
    if (e.inflight.length > 0 && this.isStale(e)) return false;
    return !this.unresolved.has(p);
  }

  private startAtBeginning(p: Partition, e: PartitionEntry): void {
    // The partition's sequences now belong to the current epoch: nothing left to re-number or resolve.
    this.toRewrite.delete(p);
    this.unresolved.delete(p);
    let seq = 0;
    for (const b of e.inflight) {
      b.producerId = this.producerId;
      b.producerEpoch = this.epoch;
      b.baseSequence = seq;
      b.sequenceReset = true;
      seq += b.msgs.length;
    }
    e.producerId = this.producerId;
    e.epoch = this.epoch;
    e.nextSequence = seq;
    e.lastAckedSequence = -1;
  }

  /** Gives a new batch the producer id, epoch and the partition's next sequence. */
  assign(b: ProducerBatch): void {
    const e = this.entry(b.partition);
    if (this.isStale(e) && e.inflight.length === 0) this.startAtBeginning(b.partition, e);
    b.producerId = this.producerId;
    b.producerEpoch = this.epoch;
    b.baseSequence = e.nextSequence;
    e.nextSequence += b.msgs.length;
    e.inflight.push(b);
  }

  private remove(b: ProducerBatch): void {
    const e = this.entries.get(b.partition);
    if (!e) return;
    const i = e.inflight.indexOf(b);
    if (i >= 0) e.inflight.splice(i, 1);
  }

  /** A later sequence of the same id and epoch was acknowledged, so the broker holds this batch too. */
  isAckedAlready(b: ProducerBatch): boolean {
    const e = this.entries.get(b.partition);
    if (!e || b.producerId !== e.producerId || b.producerEpoch !== e.epoch) return false;
    return b.baseSequence + b.msgs.length - 1 <= e.lastAckedSequence;
  }

  onAcked(b: ProducerBatch): void {
    const e = this.entry(b.partition);
    if (b.producerId === e.producerId && b.producerEpoch === e.epoch) {
      const last = b.baseSequence + b.msgs.length - 1;
      if (last > e.lastAckedSequence) e.lastAckedSequence = last;
    }
    this.remove(b);
  }

  /**
   * OutOfOrderSequence is always retried by an idempotent producer. It bumps the epoch when the batch is the one
   * right after the last acknowledged (a real gap) or right after the unresolved one; otherwise an earlier batch
   * is still pending and the sequence may yet fill in (TransactionManager.canRetry).
   */
  onOutOfOrder(b: ProducerBatch): void {
    const e = this.entry(b.partition);
    const p = b.partition;
    const isNext = b.baseSequence - e.lastAckedSequence === 1;
    if (!this.unresolved.has(p) && (b.sequenceReset || !isNext)) return;
    if (!this.unresolved.has(p) || this.unresolved.get(p) === b.baseSequence) this.requestBump(p);
  }

  /**
   * A batch with a sequence ended without an acknowledgement. Unknown outcome → the partition is unresolved;
   * a certain failure with retries left → a gap, so bump (adjustSequenceNumbers).
   */
  onAbandoned(b: ProducerBatch, maybeWritten: boolean, retriesLeft: boolean): void {
    this.remove(b);
    if (b.baseSequence < 0) return;
    const p = b.partition;
    if (maybeWritten && b.attempts > 0) {
      const next = b.baseSequence + b.msgs.length;
      this.unresolved.set(p, Math.max(this.unresolved.get(p) ?? 0, next));
    } else if (retriesLeft) this.requestBump(p);
  }
}
