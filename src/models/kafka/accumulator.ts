// The producer's RecordAccumulator: per partition a queue of batches. A record joins the partition's last
// open batch while it fits in batch.size, else starts a new one. A partition's head batch is ready when it is
// full, has waited linger.ms, has a batch queued behind it, or its retry backoff is over.
import type { Partition } from "./partition.ts";

export class ProducerBatch {
  readonly msgs: number[] = [];
  bytes = 0;
  attempts = 0;
  producerId = -1;
  producerEpoch = 0;
  baseSequence = -1;
  /** The sequence was re-numbered after an epoch bump (Java's sequenceHasBeenReset). */
  sequenceReset = false;
  /** Some attempt may have been written (timeout, lost answer, NotEnoughReplicasAfterAppend). */
  maybeWritten = false;
  retryAtUs = 0;
  constructor(
    readonly partition: Partition,
    readonly createdUs: number,
  ) {}
}

const FOREIGN_SLOT_BASE = 1 << 20;

/** One producer's accumulator: the partitions of its topic (and of any other topic a transaction also writes). */
export class RecordAccumulator {
  // Queues by partition number for lookups, and in creation order for every pass over them (the sender drains
  // partitions in that order, so it is part of the event order). A Map keyed by the Partition object cost a
  // hash lookup per partition per sender wake-up.
  private readonly byNumber: (ProducerBatch[] | undefined)[] = [];
  private readonly queues: ProducerBatch[][] = [];
  private readonly parts: Partition[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly lingerUs: number,
  ) {}

  /** Partitions of topics other than the first one seen (a transactional producer that also writes a changelog), by slot. */
  private readonly foreign = new Map<Partition, number>();

  /**
   * The index of a partition's queue: its number for the topic the accumulator saw first; for another topic's
   * partitions, a slot of their own above FOREIGN_SLOT_BASE (rare, so the common path stays an array lookup).
   */
  slot(p: Partition): number {
    if (this.parts.length === 0 || this.parts[0].topic === p.topic) return p.partition;
    let s = this.foreign.get(p);
    if (s === undefined) this.foreign.set(p, (s = FOREIGN_SLOT_BASE + this.foreign.size));
    return s;
  }

  private createQueue(p: Partition): ProducerBatch[] {
    const q: ProducerBatch[] = [];
    this.byNumber[this.slot(p)] = q;
    this.queues.push(q);
    this.parts.push(p);
    return q;
  }

  /** Adds a record; returns its batch (no result object: this runs once per record). */
  append(p: Partition, msg: number, bytes: number, nowUs: number): ProducerBatch {
    const q = this.byNumber[this.slot(p)] ?? this.createQueue(p);
    let b = q.length > 0 ? q[q.length - 1] : undefined;
    if (!b || b.attempts > 0 || (b.bytes > 0 && b.bytes + bytes > this.batchSize)) {
      b = new ProducerBatch(p, nowUs);
      q.push(b);
    }
    b.msgs.push(msg);
    b.bytes += bytes;
    return b;
  }

  isFull(b: ProducerBatch): boolean {
    return b.bytes >= this.batchSize;
  }

  queueDepth(p: Partition): number {
    return this.byNumber[this.slot(p)]?.length ?? 0;
  }

  /** The head batch if it may be sent now. */
  readyHead(p: Partition, nowUs: number): ProducerBatch | undefined {
    const q = this.byNumber[this.slot(p)];
    return q ? this.readyIn(q, nowUs) : undefined;
  }

  /** readyHead of the i-th partition of partitions(): the sender's pass visits them all by position. */
  readyHeadAt(i: number, nowUs: number): ProducerBatch | undefined {
    return this.readyIn(this.queues[i], nowUs);
  }

  private readyIn(q: ProducerBatch[], nowUs: number): ProducerBatch | undefined {
    if (q.length === 0) return undefined;
    const b = q[0];
    if (b.retryAtUs > nowUs) return undefined;
    if (b.attempts > 0 || q.length > 1 || b.bytes >= this.batchSize || nowUs - b.createdUs >= this.lingerUs) return b;
    return undefined;
  }

  /** Set by computeNextTimes(): when something next becomes ready (linger or backoff ends), and the oldest head's creation time. */
  nextReadyUs = Infinity;
  oldestHeadUs = Infinity;

  /** Both times in one pass, into nextReadyUs and oldestHeadUs (the sender asks after every pass). */
  computeNextTimes(): void {
    let t = Infinity;
    let oldest = Infinity;
    const lingerUs = this.lingerUs;
    const batchSize = this.batchSize;
    for (const q of this.queues) {
      if (q.length === 0) continue;
      const b = q[0];
      const at = b.attempts > 0 || q.length > 1 || b.bytes >= batchSize ? b.retryAtUs : Math.max(b.retryAtUs, b.createdUs + lingerUs);
      if (at < t) t = at;
      if (b.createdUs < oldest) oldest = b.createdUs;
    }
    this.nextReadyUs = t;
    this.oldestHeadUs = oldest;
  }

  /** The partitions with a queue, in the order their first record arrived. */
  partitions(): readonly Partition[] {
    return this.parts;
  }

  shift(p: Partition): ProducerBatch | undefined {
    return this.byNumber[this.slot(p)]?.shift();
  }

  /** shift of the i-th partition of partitions(). */
  shiftAt(i: number): ProducerBatch | undefined {
    return this.queues[i].shift();
  }

  /**
   * Puts a failed batch back. Without idempotence at the front (Kafka's addFirst), so a batch sent later may
   * already have landed: that is the reordering. With idempotence in sequence order, so order is restored.
   */
  reenqueue(b: ProducerBatch, bySequence: boolean): void {
    const q = this.byNumber[this.slot(b.partition)] ?? this.createQueue(b.partition);
    if (!bySequence) {
      q.unshift(b);
      return;
    }
    let i = 0;
    while (i < q.length && q[i].baseSequence >= 0 && q[i].baseSequence < b.baseSequence) i++;
    q.splice(i, 0, b);
  }

  /** Removes and returns every batch that has waited longer than `deadlineUs` allows (delivery.timeout). */
  expire(nowUs: number, deliveryTimeoutUs: number): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.queues) {
      while (q.length > 0 && nowUs - q[0].createdUs >= deliveryTimeoutUs) out.push(q.shift()!);
    }
    return out;
  }

  /** Empties everything (a producer crash). */
  drainAll(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.queues) out.push(...q.splice(0));
    return out;
  }

}
