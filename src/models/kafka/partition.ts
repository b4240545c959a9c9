// A topic partition as the cluster sees it: its replica assignment (preferred leader first), the leader and
// ISR the controller last decided, and the consumer-facing view of the data. Consumers read the current
// leader's log only below its high watermark; while the partition is offline (no leader) nothing advances.
//
// For consumers: `highWatermark`, `read(offset)` (returns -1 when not readable), `onAppend(fn)` /
// `removeWaiter(fn)` (one-shot wake-up on the next high-watermark advance) and `isOutOfRange(position)`:
// true when the position is past the leader's log end (after an unclean election truncated it). Kafka answers
// such a fetch with OFFSET_OUT_OF_RANGE and the consumer resets by auto.offset.reset.
import { PartitionLog } from "./partition-log.ts";
import { TxnIndex } from "./txn-index.ts";

/** What `readCommitted` answers for a record a read_committed consumer passes over (a control marker or an aborted record). */
export const SKIPPED = -2;

export class Partition {
  /** Broker ids in assignment order; the first is the preferred leader. */
  readonly replicas: number[];
  /** Controller state: leader broker id (-1 = offline), its epoch, the in-sync replicas. */
  leader = -1;
  leaderEpoch = 0;
  isr: number[];
  /** Bumped on every leader or ISR change; brokers ignore older updates. */
  partitionEpoch = 0;
  /**
   * KIP-966 eligible leader replicas (only with the cluster feature on): replicas that left the ISR while it
   * was below min.insync.replicas. The HW does not advance then, so they hold every committed record and may
   * lead cleanly once the ISR is empty. `lastKnownLeader`: the leader when the ISR first became empty.
   */
  eligibleLeaderReplicas = false;
  elr: number[] = [];
  lastKnownLeader = -1;
  /** The log consumers read: the current (or, while offline, the last) leader's replica log. */
  log: PartitionLog;
  private waiters: (() => void)[] = [];
  /** Open and aborted transactions (read_committed reads and the last stable offset). */
  readonly txn = new TxnIndex();
  /** Per committed offset, like the single-replica model did on every append (consumer lag bookkeeping). */
  readonly hwListeners: ((partition: number, offset: number) => void)[];

  constructor(
    readonly topic: string,
    readonly topicActor: number,
    readonly partition: number,
    replicas: number[],
    readonly minInsyncReplicas: number,
    readonly uncleanLeaderElection: boolean,
    hwListeners: ((partition: number, offset: number) => void)[],
  ) {
    this.replicas = replicas;
    this.isr = [...replicas];
    this.hwListeners = hwListeners;
    this.log = new PartitionLog(topic, partition);
  }

  get name(): string {
    return `${this.topic}/${this.partition}`;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  read(offset: number): number {
    return this.log.read(offset);
  }

  /** The last stable offset: read_committed consumers read only below it (semantics.md §1). */
  get lastStableOffset(): number {
    return this.txn.lastStableOffset(this.log.highWatermark);
  }

  /** The read_uncommitted view: everything below the HW but control markers, which no application is given. */
  readUncommitted(offset: number): number {
    const msg = this.log.read(offset);
    return msg >= 0 && this.txn.used && this.log.isControlAt(offset) ? SKIPPED : msg;
  }

  /** The read_committed view of a record: its message id, SKIPPED (control marker, aborted), or -1 at/after the LSO. */
  readCommitted(offset: number): number {
    if (offset >= this.lastStableOffset) return -1;
    const msg = this.log.read(offset);
    if (msg < 0 || !this.txn.used) return msg;
    const pid = this.log.pidAt(offset);
    if (pid < 0) return msg;
    if (this.log.isControlAt(offset) || this.txn.isAborted(pid, offset)) return SKIPPED;
    return msg;
  }

  isOutOfRange(position: number): boolean {
    return this.log.isOutOfRange(position);
  }

  onAppend(fn: () => void): void {
    this.waiters.push(fn);
  }

  removeWaiter(fn: () => void): void {
    const i = this.waiters.indexOf(fn);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** Offsets below this were already announced to hwListeners (a new leader's HW may restart lower). */
  private announcedUpTo = 0;

  /** After an election: offsets at or above the new leader's log end will be new records, announced again. */
  leaderChanged(newLeaderLogEnd: number): void {
    this.announcedUpTo = Math.min(this.announcedUpTo, newLeaderLogEnd);
  }

  /** Called by the leader replica when its high watermark moved from `from` to `to`. */
  committed(from: number, to: number): void {
    const start = Math.max(from, this.announcedUpTo);
    if (to > this.announcedUpTo) this.announcedUpTo = to;
    if (this.hwListeners.length > 0) for (let o = start; o < to; o++) for (const l of this.hwListeners) l(this.partition, o);
    if (this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
  }
}
