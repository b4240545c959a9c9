// The segment layout of one replica's log, kept only when the topic's retention can matter in the run.
// Kafka stores a partition as segment files; retention deletes whole segments, oldest first, and the log
// start offset becomes the base offset of the first segment left. The rules (UnifiedLog, LogSegment):
//
// - Roll: before appending a batch to a non-empty active segment, start a new one when the segment would pass
//   segment.bytes (size > segment.bytes - batch size) or when the batch's largest timestamp is more than
//   segment.ms after the segment's first batch's timestamp. A roll happens only on append.
// - Deletable, oldest first, stopping at the first segment that is not: its records all lie below the high
//   watermark (the next segment's base, or the log end for the last, is <= HW) and it breaches a limit:
//   time: now - (largest record timestamp in it) > retention.ms; size: (log size - retention.bytes) still
//   >= its size after the segments before it went. An empty last segment is never deletable.
// - If every segment goes, a new empty one is rolled first, so the active segment can be deleted too (a quiet
//   partition whose records are all old loses them all and keeps its log end offset).
// Record timestamps are CreateTime (message.timestamp.type default): the producer's send time.

export interface RetentionConfig {
  /** retention.ms in µs; -1 keeps records forever. */
  retentionUs: number;
  /** retention.bytes per partition; -1 = no size limit. */
  retentionBytes: number;
  segmentUs: number;
  segmentBytes: number;
}

/** Where a record's CreateTime and size come from (the history and the producer's record size). */
export interface RecordMeta {
  timestampUs(msg: number): number;
  bytes(msg: number): number;
}

interface Segment {
  base: number;
  bytes: number;
  maxTimestampUs: number;
  /** The first batch's largest timestamp: what segment.ms counts from. */
  rollTimestampUs: number;
}

const emptySegment = (base: number): Segment => ({ base, bytes: 0, maxTimestampUs: -Infinity, rollTimestampUs: NaN });

export class LogSegments {
  /** Oldest first; the last is the active segment. Never empty. */
  readonly segments: Segment[] = [emptySegment(0)];
  // Per record, so a truncation can rebuild the active segment's figures.
  private ts = new Float64Array(64);
  private sizes = new Int32Array(64);

  constructor(
    readonly config: RetentionConfig,
    private readonly meta: RecordMeta,
  ) {}

  get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** One producer batch (or one batch of a replicated chunk) about to be appended at `base`. */
  onBatch(base: number, msgs: ArrayLike<number>, from = 0, to = msgs.length): void {
    let batchBytes = 0;
    let batchMaxTs = -Infinity;
    this.ensure(base + (to - from));
    for (let i = from; i < to; i++) {
      const m = msgs[i];
      const t = this.meta.timestampUs(m);
      const b = this.meta.bytes(m);
      this.ts[base + i - from] = t;
      this.sizes[base + i - from] = b;
      batchBytes += b;
      if (t > batchMaxTs) batchMaxTs = t;
    }
    let a = this.active;
    const c = this.config;
    if (a.bytes > 0 && (a.bytes > c.segmentBytes - batchBytes || batchMaxTs - a.rollTimestampUs > c.segmentUs)) {
      a = emptySegment(base);
      this.segments.push(a);
    }
    if (a.bytes === 0) a.rollTimestampUs = batchMaxTs;
    a.bytes += batchBytes;
    if (batchMaxTs > a.maxTimestampUs) a.maxTimestampUs = batchMaxTs;
  }

  private ensure(need: number): void {
    if (need <= this.ts.length) return;
    let n = this.ts.length * 2;
    while (n < need) n *= 2;
    const ts = new Float64Array(n);
    ts.set(this.ts);
    const sizes = new Int32Array(n);
    sizes.set(this.sizes);
    this.ts = ts;
    this.sizes = sizes;
  }

  /** The log was cut back to `logEnd` (and its start is `logStart`): drop and rebuild the segments above. */
  truncate(logStart: number, logEnd: number): void {
    while (this.segments.length > 1 && this.active.base >= logEnd) this.segments.pop();
    const a = this.active;
    if (a.base >= logEnd || a.base < logStart) {
      this.segments.length = 0;
      this.segments.push(emptySegment(logEnd));
      return;
    }
    // The rebuilt segment counts from its first record (a close stand-in for its first batch's timestamp).
    a.bytes = 0;
    a.maxTimestampUs = -Infinity;
    a.rollTimestampUs = NaN;
    for (let o = a.base; o < logEnd; o++) {
      if (o === a.base) a.rollTimestampUs = this.ts[o];
      a.bytes += this.sizes[o];
      if (this.ts[o] > a.maxTimestampUs) a.maxTimestampUs = this.ts[o];
    }
  }

  /**
   * Kafka's retention passes (time, then size) at `nowUs`. Returns the new log start offset (the first kept
   * segment's base), which is unchanged when nothing was deletable.
   */
  deleteOld(nowUs: number, highWatermark: number, logEnd: number): number {
    const c = this.config;
    if (c.retentionUs >= 0) this.deleteWhile(highWatermark, logEnd, (s) => nowUs - s.maxTimestampUs > c.retentionUs);
    if (c.retentionBytes >= 0) {
      let diff = this.segments.reduce((n, s) => n + s.bytes, 0) - c.retentionBytes;
      this.deleteWhile(highWatermark, logEnd, (s) => {
        if (diff - s.bytes < 0) return false;
        diff -= s.bytes;
        return true;
      });
    }
    return this.segments[0].base;
  }

  private deleteWhile(highWatermark: number, logEnd: number, breached: (s: Segment) => boolean): void {
    let n = 0;
    while (n < this.segments.length) {
      const s = this.segments[n];
      const last = n === this.segments.length - 1;
      const upperBound = last ? logEnd : this.segments[n + 1].base;
      if (last && s.bytes === 0) break;
      // The log start offset may never pass the high watermark.
      if (highWatermark < upperBound || !breached(s)) break;
      n++;
    }
    if (n === 0) return;
    // At least one segment always remains: deleting them all first rolls an empty one at the log end.
    if (n === this.segments.length) this.segments.push(emptySegment(logEnd));
    this.segments.splice(0, n);
  }
}
