// One replica's copy of a partition: an append-only log in growable typed arrays. Per record it keeps the
// message id and whether a producer batch starts there; per run of records written together (a batch, or the
// part of one a replication fetch carried) the leader epoch it was written in (how replicas find where their
// logs diverge, as Kafka's leader-epoch cache does), and the idempotent producer id, epoch and sequence (so a
// follower that becomes leader still recognises duplicates). Offsets start at 0; logEndOffset (LEO) is the
// next offset to write.
//
// The high watermark is set by the replica layer (HW = min LEO over the ISR, on the leader). Consumers read
// only below it. After an unclean election a log can be truncated below offsets it once held, and retention
// (log-segments.ts) deletes whole old segments, moving the log start offset up: `read(offset)` never throws,
// it returns -1 outside [logStartOffset, highWatermark), and `isOutOfRange(position)` says whether a
// consumer's position is below the log start or past the log end — Kafka answers such a fetch with
// OFFSET_OUT_OF_RANGE and the consumer applies auto.offset.reset. Deleted records stay in the arrays (offsets
// index them directly); only the log start offset says they are gone.
import { grow, growInPlace } from "../../kernel/typed-arrays.ts";
import { LogSegments, type RecordMeta, type RetentionConfig } from "./log-segments.ts";

/**
 * A slice of a log as shipped in a replication fetch: whole batches, copied at the leader when answered, as
 * plain arrays (young-generation garbage, no off-heap buffer): per record the message id and the batch-start
 * bit; per run of records that share their batch's attributes, where it starts and those attributes.
 */
export interface LogChunk {
  baseOffset: number;
  msgs: number[];
  batchStarts: number[];
  runStarts: number[];
  runEpochs: number[];
  runPids: number[];
  /** The sequence of the run's first record, unwrapped (-1: none). */
  runSeqs: number[];
  runProducerEpochs: number[];
}

export class PartitionLog {
  private msgIds = new Int32Array(64);
  private batchStart = new Uint8Array(64);
  /**
   * Runs of records written together, in offset order: each starts at runStart and ends where the next begins
   * (the last at the LEO). A batch's records share its epoch, producer id and producer epoch, and their
   * sequences follow on from its first, so a run holds them once instead of once per record.
   */
  private runCount = 0;
  private runStart = new Float64Array(16);
  private runEpoch = new Int32Array(16);
  private runPid = new Int32Array(16);
  /** The first record's sequence as given (not wrapped to 32 bits), or -1 for records without one. */
  private runSeq = new Float64Array(16);
  private runProducerEpoch = new Uint16Array(16);
  logEndOffset = 0;
  highWatermark = 0;
  /** The first offset still in the log; records below it were deleted by retention. */
  logStartOffset = 0;
  /** Segment bookkeeping, only when the topic's retention can delete something in this run. */
  segments: LogSegments | undefined;
  /** Records below this offset reached disk; a crash that loses unflushed data truncates to it. */
  flushedOffset = 0;
  /** One-shot callbacks for the next high-watermark advance (long-poll fetches wait on these). */
  private waiters: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Turns on segment bookkeeping and retention for this log (before anything is appended). */
  configureRetention(config: RetentionConfig, meta: RecordMeta): void {
    if (this.logEndOffset !== 0) throw new Error("retention must be configured on an empty log");
    this.segments = new LogSegments(config, meta);
  }

  /**
   * One retention check at `nowUs` (log.retention.check.interval): deletes the segments retention.ms /
   * retention.bytes allow and moves the log start offset. Returns how many records were deleted.
   */
  deleteOldSegments(nowUs: number): number {
    if (!this.segments) return 0;
    const start = this.segments.deleteOld(nowUs, this.highWatermark, this.logEndOffset);
    if (start <= this.logStartOffset) return 0;
    const deleted = start - this.logStartOffset;
    this.logStartOffset = start;
    return deleted;
  }

  private ensure(need: number): void {
    if (need <= this.msgIds.length) return;
    this.msgIds = growInPlace(this.msgIds, need);
    this.batchStart = growInPlace(this.batchStart, need);
  }

  /** Starts a run at the LEO (the records are appended after). */
  private addRun(epoch: number, pid: number, seq: number, producerEpoch: number): void {
    const i = this.runCount;
    if (i === this.runStart.length) {
      const n = 2 * i;
      this.runStart = grow(this.runStart, n);
      this.runEpoch = grow(this.runEpoch, n);
      this.runPid = grow(this.runPid, n);
      this.runSeq = grow(this.runSeq, n);
      this.runProducerEpoch = grow(this.runProducerEpoch, n);
    }
    this.runStart[i] = this.logEndOffset;
    this.runEpoch[i] = epoch;
    this.runPid[i] = pid;
    this.runSeq[i] = seq;
    this.runProducerEpoch[i] = producerEpoch;
    this.runCount = i + 1;
  }

  /** The run holding a stored offset (most lookups are near the end: that is checked first). */
  private runOf(offset: number): number {
    let hi = this.runCount - 1;
    if (offset >= this.runStart[hi]) return hi;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.runStart[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Appends one record as a batch of its own (single-replica use and tests). Returns its offset. */
  append(msgId: number, leaderEpoch = 0): number {
    const offset = this.appendBatch([msgId], leaderEpoch, -1, -1);
    // A log used alone (no replication layer) commits on append, as a single-replica partition does.
    this.setHighWatermark(this.logEndOffset);
    return offset;
  }

  /** Appends a producer batch written by the leader in `leaderEpoch`; returns the base offset. */
  appendBatch(msgs: ArrayLike<number>, leaderEpoch: number, producerId: number, baseSequence: number, producerEpoch = 0): number {
    const base = this.logEndOffset;
    const n = msgs.length;
    this.ensure(base + n);
    this.segments?.onBatch(base, msgs);
    if (n > 0) this.addRun(leaderEpoch, producerId, baseSequence < 0 ? -1 : baseSequence, producerEpoch);
    for (let i = 0; i < n; i++) {
      this.msgIds[base + i] = msgs[i];
      this.batchStart[base + i] = i === 0 ? 1 : 0;
    }
    this.logEndOffset = base + n;
    return base;
  }

  /** Copies whole batches from `from` (up to `maxRecords`, at least one batch) for a follower's fetch. */
  chunk(from: number, maxRecords: number): LogChunk | undefined {
    if (from >= this.logEndOffset) return undefined;
    let end = Math.min(this.logEndOffset, from + maxRecords);
    // Never split a batch: extend to the next batch start.
    while (end < this.logEndOffset && this.batchStart[end] === 0) end++;
    const c: LogChunk = { baseOffset: from, msgs: [], batchStarts: [], runStarts: [], runEpochs: [], runPids: [], runSeqs: [], runProducerEpochs: [] };
    for (let o = from; o < end; o++) {
      c.msgs.push(this.msgIds[o]);
      c.batchStarts.push(this.batchStart[o]);
    }
    for (let r = this.runOf(from); r < this.runCount && this.runStart[r] < end; r++) {
      // The first run may have begun before `from`: it ships from `from`, its sequence moved on to match.
      const start = Math.max(this.runStart[r], from);
      const seq = this.runSeq[r];
      c.runStarts.push(start);
      c.runEpochs.push(this.runEpoch[r]);
      c.runPids.push(this.runPid[r]);
      c.runSeqs.push(seq < 0 ? -1 : seq + (start - this.runStart[r]));
      c.runProducerEpochs.push(this.runProducerEpoch[r]);
    }
    return c;
  }

  /** Appends a chunk replicated from the leader; it must start at this log's end. */
  appendChunk(c: LogChunk): void {
    if (c.baseOffset !== this.logEndOffset) throw new Error(`chunk at ${c.baseOffset} does not start at LEO ${this.logEndOffset}`);
    const n = c.msgs.length;
    this.ensure(this.logEndOffset + n);
    const b = this.logEndOffset;
    if (this.segments) {
      // A follower rolls its own segments, batch by batch, as the leader did.
      let from = 0;
      for (let i = 1; i <= n; i++) {
        if (i < n && c.batchStarts[i] === 0) continue;
        this.segments.onBatch(b + from, c.msgs, from, i);
        from = i;
      }
    }
    for (let r = 0; r < c.runStarts.length; r++) {
      // addRun starts a run at the LEO: move it to each run's start in turn.
      this.logEndOffset = c.runStarts[r];
      this.addRun(c.runEpochs[r], c.runPids[r], c.runSeqs[r], c.runProducerEpochs[r]);
    }
    for (let i = 0; i < n; i++) {
      this.msgIds[b + i] = c.msgs[i];
      this.batchStart[b + i] = c.batchStarts[i];
    }
    this.logEndOffset = b + n;
  }

  /** Removes every record at or above `offset`. The high watermark never stays above the log end. */
  truncateTo(offset: number): number {
    if (offset >= this.logEndOffset) return 0;
    const removed = this.logEndOffset - offset;
    this.logEndOffset = offset;
    while (this.runCount > 0 && this.runStart[this.runCount - 1] >= offset) this.runCount--;
    if (this.highWatermark > offset) this.highWatermark = offset;
    if (this.flushedOffset > offset) this.flushedOffset = offset;
    // Cut below the log start (a new leader with less than we had deleted): start over at `offset`, empty.
    if (this.logStartOffset > offset) this.logStartOffset = offset;
    this.segments?.truncate(this.logStartOffset, offset);
    return removed;
  }

  /** Moves the high watermark (never above the LEO) and wakes long-poll waiters when it advanced. */
  setHighWatermark(hw: number): void {
    const v = Math.min(hw, this.logEndOffset);
    const advanced = v > this.highWatermark;
    this.highWatermark = v;
    if (advanced && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
  }

  /** The message id at an offset below the high watermark, or -1 when the offset is not readable. */
  read(offset: number): number {
    if (offset < this.logStartOffset || offset >= this.highWatermark) return -1;
    return this.msgIds[offset];
  }

  /** Any stored record, committed or not (replication and tests; consumers use `read`). */
  msgAt(offset: number): number {
    return offset >= 0 && offset < this.logEndOffset ? this.msgIds[offset] : -1;
  }

  epochAt(offset: number): number {
    return offset >= 0 && offset < this.logEndOffset ? this.runEpoch[this.runOf(offset)] : -1;
  }

  pidAt(offset: number): number {
    return this.runPid[this.runOf(offset)];
  }

  /** The record's sequence, as a 32-bit column would hold it (a sequence past Int.MAX wraps), or -1. */
  seqAt(offset: number): number {
    const r = this.runOf(offset);
    const seq = this.runSeq[r];
    return seq < 0 ? -1 : (seq + (offset - this.runStart[r])) | 0;
  }

  producerEpochAt(offset: number): number {
    return this.runProducerEpoch[this.runOf(offset)];
  }

  /** A transaction control marker: written with a producer id but no sequence (idempotent batches always have one). */
  isControlAt(offset: number): boolean {
    return this.pidAt(offset) >= 0 && this.seqAt(offset) < 0;
  }

  isBatchStart(offset: number): boolean {
    return this.batchStart[offset] === 1;
  }

  /** The leader epoch of the last record, or -1 for an empty log. */
  get lastEpoch(): number {
    return this.logEndOffset === 0 ? -1 : this.runEpoch[this.runCount - 1];
  }

  /** Where the log's last stretch of records written in `epoch` starts (the LEO when the last record is of another). */
  epochStartOffset(epoch: number): number {
    let start = this.logEndOffset;
    for (let r = this.runCount - 1; r >= 0 && this.runEpoch[r] === epoch; r--) start = this.runStart[r];
    return start;
  }

  /**
   * Where this log stops agreeing with `leader`: the first offset whose record differs. Logs that hold the same
   * epoch at an offset hold the same records below it (a leader writes each offset once per epoch), so the
   * agreeing offsets form a prefix and a binary search finds its end — what OffsetsForLeaderEpoch computes.
   */
  divergenceFrom(leader: PartitionLog): number {
    let lo = 0;
    let hi = Math.min(this.logEndOffset, leader.logEndOffset);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.epochAt(mid) === leader.epochAt(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Leader-epoch ranges of the log: [epoch, startOffset] pairs in offset order (the epoch cache). They start at
   * offset 0 even after retention: the final log checkers read says which writes survived replication, and a
   * record retention deleted was durably written (its deletion is explained by the group checkers instead).
   */
  epochRanges(): [number, number][] {
    const out: [number, number][] = [];
    let prev = -2;
    for (let r = 0; r < this.runCount; r++) {
      const e = this.runEpoch[r];
      if (e !== prev) {
        out.push([e, this.runStart[r]]);
        prev = e;
      }
    }
    return out;
  }

  /** Registers a one-shot callback for the next high-watermark advance. */
  onAppend(fn: () => void): void {
    this.waiters.push(fn);
  }

  removeWaiter(fn: () => void): void {
    const i = this.waiters.indexOf(fn);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** True when a consumer at `position` would get OFFSET_OUT_OF_RANGE: below the log start (retention) or past the log end (truncation). */
  isOutOfRange(position: number): boolean {
    return position < this.logStartOffset || position > this.logEndOffset;
  }
}
