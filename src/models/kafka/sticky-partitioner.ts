// Kafka's built-in partitioner for records without a key (KIP-794, "uniform sticky"): stay on one partition
// until at least batch.size bytes went to it and its batch is ready to go, or unconditionally after
// 2 × batch.size; then pick the next uniformly among partitions that have a leader, weighted towards short
// queues when queue depths differ (adaptive partitioning: weight = maxQueue + 1 − queue).
import type { Rng } from "../../kernel/rng.ts";
import type { Partition } from "./partition.ts";

export class UniformStickyPartitioner {
  private current: Partition | undefined;
  private producedBytes = 0;
  /** How many times the partition changed (tests and the report). */
  switches = 0;

  constructor(
    private readonly rng: Rng,
    private readonly batchSize: number,
  ) {}

  partition(all: readonly Partition[], queueDepth: (p: Partition) => number): Partition {
    if (!this.current) this.current = this.pick(all, queueDepth);
    return this.current;
  }

  /** After a record of `bytes` joined the current partition; `batchReady` = its batch is full (or was sent). */
  onAppend(bytes: number, batchReady: boolean, all: readonly Partition[], queueDepth: (p: Partition) => number): void {
    this.producedBytes += bytes;
    if ((this.producedBytes >= this.batchSize && batchReady) || this.producedBytes >= 2 * this.batchSize) {
      this.current = this.pick(all, queueDepth);
      this.producedBytes = 0;
      this.switches++;
    }
  }

  private pick(all: readonly Partition[], queueDepth: (p: Partition) => number): Partition {
    const available = all.filter((p) => p.leader >= 0);
    const from = available.length > 0 ? available : all;
    const depths = from.map(queueDepth);
    const max = Math.max(...depths);
    if (depths.every((d) => d === max)) return from[this.rng.int(from.length)];
    const weights = depths.map((d) => max + 1 - d);
    let r = this.rng.next() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < from.length; i++) {
      r -= weights[i];
      if (r < 0) return from[i];
    }
    return from[from.length - 1];
  }
}
