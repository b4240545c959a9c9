// A state store's changelog topic, <application.id>-<store>-changelog, on the simulated cluster: one partition
// per task, written by the task's instance through a Kafka producer, read back by a task that has to rebuild
// its store. What a record holds (the store entry) is kept here by message id: the cluster only moves ids.
// The topic is compacted (cleanup.policy=compact): a restore from the log start reads what the log cleaner left
// (compaction.ts), the latest record per store key in the cleaned segments and everything after them.
import type { Cluster, Topic } from "../models/kafka/cluster.ts";
import type { StoreChange } from "./window-aggregation.ts";
import { zTopic, type TopicSpec } from "../scenario/schema.ts";
import { compactedLength, type CompactionConfig } from "./compaction.ts";

export function changelogTopicName(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}

export class Changelog {
  readonly topic: Topic;
  private readonly entries = new Map<number, StoreChange>();

  /**
   * `readCommitted` (exactly_once_v2): the restore consumer reads with isolation.level read_committed, so it stops
   * at the last stable offset and passes over control markers and records of aborted transactions.
   */
  constructor(cluster: Cluster, name: string, source: TopicSpec, private readonly readCommitted = false, private readonly compaction?: CompactionConfig) {
    // Internal topics take the source's partition count and replication (replication.factor -1: broker default).
    const spec = zTopic.parse({
      name,
      partitions: source.partitions,
      replicationFactor: source.replicationFactor,
      minInsyncReplicas: Math.min(source.minInsyncReplicas, source.replicationFactor),
    });
    this.topic = cluster.addTopic(spec);
  }

  written(msg: number, change: StoreChange): void {
    this.entries.set(msg, change);
  }

  /** Records a restore of `partition` can read now: up to the high watermark (read_committed: the last stable offset). */
  endOffset(partition: number): number {
    const p = this.topic.logs[partition];
    return this.readCommitted ? p.lastStableOffset : p.highWatermark;
  }

  startOffset(partition: number): number {
    return this.topic.logs[partition].log.logStartOffset;
  }

  /**
   * Records a restore from the log start reads: after the log cleaner's work, the distinct store keys of the
   * cleaned part plus every record after it (before and after: endOffset − startOffset and this).
   */
  compactedRecords(partition: number): { before: number; after: number } {
    const before = this.endOffset(partition) - this.startOffset(partition);
    // No segment can have rolled yet (every record is at least 77 bytes): nothing was cleaned.
    if (!this.compaction || before * 77 <= this.compaction.segmentBytes) return { before, after: before };
    const changes = this.replay(partition);
    // Markers and aborted records are not store changes; they are read past but cost nothing to apply.
    return { before, after: compactedLength(changes.map((c) => c.storeKey), this.compaction) + (before - changes.length) };
  }

  /** The changes in the partition's log, in offset order, as a restoring consumer reads them. */
  replay(partition: number, from = this.startOffset(partition)): StoreChange[] {
    const p = this.topic.logs[partition];
    const out: StoreChange[] = [];
    const end = this.endOffset(partition);
    for (let o = Math.max(from, this.startOffset(partition)); o < end; o++) {
      const msg = this.readCommitted ? p.readCommitted(o) : p.read(o);
      const c = msg >= 0 ? this.entries.get(msg) : undefined;
      if (c) out.push(c);
    }
    return out;
  }
}
