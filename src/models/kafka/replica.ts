// One broker's replica of one partition, with that broker's own (possibly stale) view of who leads it.
// As leader it appends produce batches, tracks each follower's log end offset from its fetches, keeps the
// high watermark at min LEO over the ISR, parks acks=all requests until the HW covers them, and proposes ISR
// changes (shrink after replica.lag.time.max, expand once caught up) to the controller. As follower it
// copies the leader's log and truncates a divergent suffix when its leader epoch changes.
import { PartitionLog, type LogChunk } from "./partition-log.ts";
import { ProducerStateTable } from "./idempotence.ts";
import type { Partition } from "./partition.ts";

/** An acks=all batch appended at `lastOffset`, answered once the HW passes it. */
export interface DelayedProduce {
  requiredOffset: number;
  baseOffset: number;
  deadlineUs: number;
  complete: (error: ProduceError | undefined, baseOffset: number) => void;
}

export type ProduceError =
  | "NOT_LEADER_OR_FOLLOWER"
  | "NOT_ENOUGH_REPLICAS"
  | "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
  | "OUT_OF_ORDER_SEQUENCE"
  | "INVALID_PRODUCER_EPOCH"
  | "REQUEST_TIMED_OUT"
  | "NETWORK_EXCEPTION";

interface FollowerState {
  leo: number;
  lastCaughtUpUs: number;
  lastFetchUs: number;
  leaderLeoAtLastFetch: number;
}

export class Replica {
  readonly log: PartitionLog;
  readonly producers = new ProducerStateTable();
  // This broker's view of the partition (from the controller's metadata pushes).
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  isr: number[] = [];
  /** Set when the leader epoch changed: the next fetch first asks where our log diverges. */
  needsTruncation = true;
  // Leader-only state.
  readonly followers = new Map<number, FollowerState>();
  private delayed: DelayedProduce[] = [];
  /** An AlterPartition is on its way to the controller; do not send another until it is answered. */
  alterPending = false;

  constructor(
    readonly brokerId: number,
    readonly partition: Partition,
  ) {
    this.log = new PartitionLog(partition.topic, partition.partition);
  }

  get isLeader(): boolean {
    return this.leaderId === this.brokerId;
  }

  /** Adopts the controller's decision. Returns what changed for the broker to act on. */
  applyState(leader: number, leaderEpoch: number, isr: number[], partitionEpoch: number, nowUs: number): "leader" | "follower" | "isr" | "stale" {
    // Any answer from the controller settles an AlterPartition in flight, even one that changed nothing.
    this.alterPending = false;
    if (partitionEpoch <= this.partitionEpoch) return "stale";
    this.partitionEpoch = partitionEpoch;
    const epochChanged = leaderEpoch !== this.leaderEpoch;
    const wasLeader = this.isLeader;
    this.leaderId = leader;
    this.leaderEpoch = leaderEpoch;
    this.isr = isr;
    if (leader === this.brokerId) {
      if (epochChanged || !wasLeader) {
        this.followers.clear();
        for (const b of this.partition.replicas) {
          if (b === this.brokerId) continue;
          // A new leader does not know its followers' LEOs until they fetch; the ISR ones count as caught up now.
          this.followers.set(b, { leo: 0, lastCaughtUpUs: nowUs, lastFetchUs: nowUs, leaderLeoAtLastFetch: 0 });
        }
        return "leader";
      }
      this.maybeAdvanceHighWatermark();
      return "isr";
    }
    if (wasLeader) this.failDelayed("NOT_LEADER_OR_FOLLOWER");
    if (epochChanged) this.needsTruncation = true;
    return "follower";
  }

  /** Leader: appends a producer batch and returns its base offset. */
  appendAsLeader(msgs: ArrayLike<number>, producerId: number, baseSequence: number, producerEpoch = 0): number {
    const base = this.log.appendBatch(msgs, this.leaderEpoch, producerId, baseSequence, producerEpoch);
    if (producerId >= 0) this.producers.onAppend(producerId, baseSequence, msgs.length, base, producerEpoch);
    this.maybeAdvanceHighWatermark();
    return base;
  }

  /** Leader: appends a transaction control marker (one offset, no sequence); returns its offset. */
  appendControlAsLeader(markerMsg: number, producerId: number, producerEpoch: number): number {
    const offset = this.log.appendBatch([markerMsg], this.leaderEpoch, producerId, -1, producerEpoch);
    this.producers.onMarker(producerId, producerEpoch);
    this.maybeAdvanceHighWatermark();
    return offset;
  }

  park(d: DelayedProduce): void {
    this.delayed.push(d);
    this.completeDelayed();
  }

  /** Leader: records a follower's fetch at `fetchOffset` (its LEO) and says whether it may rejoin the ISR. */
  onFollowerFetch(follower: number, fetchOffset: number, nowUs: number): boolean {
    let f = this.followers.get(follower);
    if (!f) this.followers.set(follower, (f = { leo: 0, lastCaughtUpUs: nowUs, lastFetchUs: nowUs, leaderLeoAtLastFetch: 0 }));
    const leo = this.log.logEndOffset;
    // Kafka's rule: caught up now if the fetch reached our LEO, else as of the last fetch if it reached the LEO we had then.
    if (fetchOffset >= leo) f.lastCaughtUpUs = nowUs;
    else if (fetchOffset >= f.leaderLeoAtLastFetch) f.lastCaughtUpUs = f.lastFetchUs;
    f.leo = Math.min(fetchOffset, leo);
    f.lastFetchUs = nowUs;
    f.leaderLeoAtLastFetch = leo;
    this.maybeAdvanceHighWatermark();
    // Rejoin once caught up to the HW and within the current leader epoch.
    return !this.isr.includes(follower) && f.leo >= this.log.highWatermark && f.leo >= this.epochStartOffset();
  }

  private epochStartOffset(): number {
    return this.log.epochStartOffset(this.leaderEpoch);
  }

  /** ISR members whose last caught-up time is older than replica.lag.time.max. */
  laggingFollowers(nowUs: number, lagMaxUs: number): number[] {
    const out: number[] = [];
    for (const b of this.isr) {
      if (b === this.brokerId) continue;
      const f = this.followers.get(b);
      if (f && nowUs - f.lastCaughtUpUs > lagMaxUs) out.push(b);
    }
    return out;
  }

  /**
   * HW = min LEO over the ISR (the leader's view); it never moves back while this replica leads. With eligible
   * leader replicas on (KIP-966) it does not advance at all while the ISR is below min.insync.replicas, so the
   * replicas that left the ISR meanwhile still hold everything committed.
   */
  maybeAdvanceHighWatermark(): void {
    if (!this.isLeader) return;
    if (this.partition.eligibleLeaderReplicas && this.isr.length < this.partition.minInsyncReplicas) return;
    let hw = this.log.logEndOffset;
    for (const b of this.isr) {
      if (b === this.brokerId) continue;
      const f = this.followers.get(b);
      hw = Math.min(hw, f ? f.leo : 0);
    }
    const before = this.log.highWatermark;
    if (hw > before) {
      this.log.setHighWatermark(hw);
      if (this.partition.log === this.log) this.partition.committed(before, hw);
      this.completeDelayed();
    }
  }

  private completeDelayed(): void {
    if (this.delayed.length === 0) return;
    const hw = this.log.highWatermark;
    // Called on every park and high-watermark move: most calls complete nothing, and then allocate nothing.
    let any = false;
    for (let i = 0; i < this.delayed.length && !any; i++) any = this.delayed[i].requiredOffset <= hw;
    if (!any) return;
    const keep: DelayedProduce[] = [];
    const done: DelayedProduce[] = [];
    for (const d of this.delayed) (d.requiredOffset <= hw ? done : keep).push(d);
    this.delayed = keep;
    // The record is in the log either way; with the ISR below min.insync.replicas Kafka still reports an error.
    const short = this.isr.length < this.partition.minInsyncReplicas;
    for (const d of done) d.complete(short ? "NOT_ENOUGH_REPLICAS_AFTER_APPEND" : undefined, d.baseOffset);
  }

  /** Drops parked requests whose producer has given up (request.timeout), answering REQUEST_TIMED_OUT. */
  expireDelayed(nowUs: number): void {
    if (this.delayed.length === 0) return;
    const keep: DelayedProduce[] = [];
    for (const d of this.delayed) {
      if (d.deadlineUs <= nowUs) d.complete("REQUEST_TIMED_OUT", d.baseOffset);
      else keep.push(d);
    }
    this.delayed = keep;
  }

  failDelayed(error: ProduceError): void {
    const d = this.delayed;
    this.delayed = [];
    for (const x of d) x.complete(error, x.baseOffset);
  }

  /** Drops everything volatile (a crash): the log stays, optionally cut back to what was flushed. */
  crash(loseUnflushed: boolean): number {
    this.delayed = [];
    this.followers.clear();
    this.leaderId = -1;
    this.leaderEpoch = -1;
    this.partitionEpoch = -1;
    this.alterPending = false;
    this.needsTruncation = true;
    let removed = 0;
    if (loseUnflushed) removed = this.log.truncateTo(this.log.flushedOffset);
    // A restarted broker recovers its HW from the checkpoint; treat it as unknown (0 is safe: it only rises).
    this.log.highWatermark = Math.min(this.log.highWatermark, this.log.logEndOffset);
    if (removed > 0) this.producers.rebuild(this.log);
    return removed;
  }

  /** Follower: applies a fetch answer. Returns the number of records removed by truncation. */
  applyFetch(truncateTo: number | undefined, chunk: LogChunk | undefined, leaderHw: number): number {
    let removed = 0;
    if (truncateTo !== undefined) {
      removed = this.log.truncateTo(truncateTo);
      this.needsTruncation = false;
      if (removed > 0) this.producers.rebuild(this.log);
    }
    if (chunk && chunk.baseOffset === this.log.logEndOffset) {
      const from = this.log.logEndOffset;
      this.log.appendChunk(chunk);
      this.producers.onReplicated(this.log, from);
    }
    const hw = Math.min(leaderHw, this.log.logEndOffset);
    if (hw > this.log.highWatermark) this.log.setHighWatermark(hw);
    return removed;
  }
}
