// One replica's copy of a partition: an append-only log in growable typed arrays. Per record it keeps the
// message id, the leader epoch it was written in (how replicas find where their logs diverge, as Kafka's
// leader-epoch cache does), and the idempotent producer id and sequence (so a follower that becomes leader
// still recognises duplicates). Offsets start at 0; logEndOffset (LEO) is the next offset to write.
//
// The high watermark is set by the replica layer (HW = min LEO over the ISR, on the leader). Consumers read
// only below it. After an unclean election a log can be truncated below offsets it once held, and retention
// (log-segments.ts) deletes whole old segments, moving the log start offset up: `read(offset)` never throws,
// it returns -1 outside [logStartOffset, highWatermark), and `isOutOfRange(position)` says whether a
// consumer's position is below the log start or past the log end — Kafka answers such a fetch with
// OFFSET_OUT_OF_RANGE and the consumer applies auto.offset.reset. Deleted records stay in the arrays (offsets
// index them directly); only the log start offset says they are gone.
import { growInPlace } from "../../kernel/typed-arrays.ts";
import { LogSegments, type RecordMeta, type RetentionConfig } from "./log-segments.ts";

/**
 * A slice of a log as shipped in a replication fetch: whole batches, copied at the leader when answered. The
 * columns travel packed in one plain array of small integers, `length` records each: message ids, leader
 * epochs, producer ids, sequences, then the producer epoch (shifted left by one) with the batch-start bit. One
 * young-generation array per fetch; six typed-array slices each cost an off-heap allocation and a finaliser.
 */
export interface LogChunk {
  baseOffset: number;
  length: number;
  data: number[];
}

export class PartitionLog {
  private msgIds = new Int32Array(64);
  private epochs = new Int32Array(64);
  private pids = new Int32Array(64);
  private seqs = new Int32Array(64);
  private producerEpochs = new Uint16Array(64);
  private batchStart = new Uint8Array(64);
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
    this.epochs = growInPlace(this.epochs, need);
    this.pids = growInPlace(this.pids, need);
    this.seqs = growInPlace(this.seqs, need);
    this.producerEpochs = growInPlace(this.producerEpochs, need);
    this.batchStart = growInPlace(this.batchStart, need);
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
    for (let i = 0; i < n; i++) {
      this.msgIds[base + i] = msgs[i];
      this.epochs[base + i] = leaderEpoch;
      this.pids[base + i] = producerId;
      this.seqs[base + i] = baseSequence < 0 ? -1 : baseSequence + i;
      this.producerEpochs[base + i] = producerEpoch;
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
    const n = end - from;
    // Filled by push, column after column: an array made at its full length would be holey (or a dictionary when long).
    const data: number[] = [];
    for (let o = from; o < end; o++) data.push(this.msgIds[o]);
    for (let o = from; o < end; o++) data.push(this.epochs[o]);
    for (let o = from; o < end; o++) data.push(this.pids[o]);
    for (let o = from; o < end; o++) data.push(this.seqs[o]);
    for (let o = from; o < end; o++) data.push((this.producerEpochs[o] << 1) | this.batchStart[o]);
    return { baseOffset: from, length: n, data };
  }

  /** Appends a chunk replicated from the leader; it must start at this log's end. */
  appendChunk(c: LogChunk): void {
    if (c.baseOffset !== this.logEndOffset) throw new Error(`chunk at ${c.baseOffset} does not start at LEO ${this.logEndOffset}`);
    const n = c.length;
    const d = c.data;
    this.ensure(this.logEndOffset + n);
    const b = this.logEndOffset;
    if (this.segments) {
      // A follower rolls its own segments, batch by batch, as the leader did (message ids lead the packed data).
      let from = 0;
      for (let i = 1; i <= n; i++) {
        if (i < n && (d[4 * n + i] & 1) === 0) continue;
        this.segments.onBatch(b + from, d, from, i);
        from = i;
      }
    }
    for (let i = 0; i < n; i++) {
      const o = b + i;
      this.msgIds[o] = d[i];
      this.epochs[o] = d[n + i];
      this.pids[o] = d[2 * n + i];
      this.seqs[o] = d[3 * n + i];
      const packed = d[4 * n + i];
      this.producerEpochs[o] = packed >>> 1;
      this.batchStart[o] = packed & 1;
    }
    this.logEndOffset = b + n;
  }

  /** Removes every record at or above `offset`. The high watermark never stays above the log end. */
  truncateTo(offset: number): number {
    if (offset >= this.logEndOffset) return 0;
    const removed = this.logEndOffset - offset;
    this.logEndOffset = offset;
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
    return offset >= 0 && offset < this.logEndOffset ? this.epochs[offset] : -1;
  }

  pidAt(offset: number): number {
    return this.pids[offset];
  }

  seqAt(offset: number): number {
    return this.seqs[offset];
  }

  producerEpochAt(offset: number): number {
    return this.producerEpochs[offset];
  }

  /** A transaction control marker: written with a producer id but no sequence (idempotent batches always have one). */
  isControlAt(offset: number): boolean {
    return this.pids[offset] >= 0 && this.seqs[offset] < 0;
  }

  isBatchStart(offset: number): boolean {
    return this.batchStart[offset] === 1;
  }

  /** The leader epoch of the last record, or -1 for an empty log. */
  get lastEpoch(): number {
    return this.logEndOffset === 0 ? -1 : this.epochs[this.logEndOffset - 1];
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
      if (this.epochs[mid] === leader.epochs[mid]) lo = mid + 1;
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
    for (let o = 0; o < this.logEndOffset; o++) {
      const e = this.epochs[o];
      if (e !== prev) {
        out.push([e, o]);
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
