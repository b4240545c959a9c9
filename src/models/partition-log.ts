// One partition's append-only log. Offsets start at 0; logEndOffset is the next offset to write and the
// high watermark bounds what consumers may read (equal to the LEO while a partition has a single replica).

export class PartitionLog {
  private msgIds = new Int32Array(256);
  logEndOffset = 0;
  highWatermark = 0;
  /** Called once after each append that moved the high watermark (long-poll fetches wait on this). */
  private waiters: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  append(msgId: number): number {
    const offset = this.logEndOffset;
    if (offset >= this.msgIds.length) {
      const next = new Int32Array(this.msgIds.length * 2);
      next.set(this.msgIds);
      this.msgIds = next;
    }
    this.msgIds[offset] = msgId;
    this.logEndOffset = offset + 1;
    this.highWatermark = this.logEndOffset;
    if (this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
    return offset;
  }

  /** The message id stored at an offset below the high watermark. */
  read(offset: number): number {
    if (offset < 0 || offset >= this.highWatermark) {
      throw new RangeError(`${this.topic}/${this.partition}: offset ${offset} outside [0, ${this.highWatermark})`);
    }
    return this.msgIds[offset];
  }

  /** Registers a one-shot callback for the next high-watermark advance. */
  onAppend(fn: () => void): void {
    this.waiters.push(fn);
  }

  removeWaiter(fn: () => void): void {
    const i = this.waiters.indexOf(fn);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
