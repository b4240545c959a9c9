// Log retention on a broker: Kafka's LogManager runs a "kafka-log-retention" task 30 s after start-up and then
// every log.retention.check.interval.ms (default 5 min); each run deletes, on every replica the broker holds
// (leader or follower — each replica applies retention to its own log), the old segments retention.ms /
// retention.bytes allow, and moves the log start offset. Consumers whose position falls below it get
// OFFSET_OUT_OF_RANGE and apply auto.offset.reset.
//
// The segment bookkeeping costs memory per record, so a log keeps it only when retention can delete something
// within the run: retention.bytes is set, or retention.ms is shorter than the run. Otherwise (the default
// 7 days against a run of minutes) nothing could be deleted and the run is exactly what it was without it.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { TopicSpec } from "../../scenario/schema.ts";
import type { PartitionLog } from "./partition-log.ts";
import type { RecordMeta, RetentionConfig } from "./log-segments.ts";
import type { Replica } from "./replica.ts";

/** LogManager's InitialTaskDelayMs: the first retention check runs this long after the broker starts. */
export const RETENTION_INITIAL_DELAY_US = 30_000_000;

/** The topic's retention settings, or undefined when retention cannot delete anything before `endUs`. */
export function retentionConfigFor(spec: TopicSpec, endUs: number): RetentionConfig | undefined {
  const byTime = spec.retentionMs >= 0 && spec.retentionMs < endUs;
  if (!byTime && spec.retentionBytes < 0) return undefined;
  return { retentionUs: spec.retentionMs, retentionBytes: spec.retentionBytes, segmentUs: spec.segmentMs, segmentBytes: spec.segmentBytes };
}

/** CreateTime from the history; size as the producer's batch counts it (value + key + ~12 bytes of overhead). */
export function recordMetaOf(world: World): RecordMeta {
  const h = world.history;
  // Built at the first record, once the producers have their actor ids (the cluster is built before them).
  let valueBytes: Map<number, number> | undefined;
  const sizeOf = (producer: number): number => {
    if (!valueBytes) {
      valueBytes = new Map();
      for (const p of world.scenario.producers) {
        const id = h.actorId(p.name);
        if (id !== undefined) valueBytes.set(id, p.messageBytes);
      }
    }
    return valueBytes.get(producer) ?? 0;
  };
  return {
    timestampUs: (msg) => h.msgCreatedUs[msg],
    bytes: (msg) => sizeOf(h.msgProducer[msg]) + h.keyNames[h.msgKey[msg]].length + 12,
  };
}

/** Called for every replica log the cluster creates. */
export function configureLogRetention(log: PartitionLog, spec: TopicSpec, world: World, meta: RecordMeta): void {
  const config = retentionConfigFor(spec, world.endUs);
  if (config) log.configureRetention(config, meta);
}

/** One broker's retention task. */
export class LogRetentionTask {
  private timer = 0;
  private kind = -1;

  constructor(
    private readonly world: World,
    private readonly brokerActor: number,
    private readonly replicas: ReadonlyMap<unknown, Replica>,
    private readonly isAlive: () => boolean,
  ) {}

  /** Schedules the first check (on start and on every restart); nothing when no replica keeps segments. */
  start(): void {
    if (!this.hasRetention()) return;
    // Registered only when used, so runs without retention keep their event kinds and fingerprints.
    if (this.kind < 0) this.kind = this.world.sim.registerKind("broker.log-retention");
    this.timer = this.world.sim.after(RETENTION_INITIAL_DELAY_US, this.check, undefined, this.kind, this.brokerActor);
  }

  stop(): void {
    if (this.timer) this.world.sim.cancel(this.timer);
    this.timer = 0;
  }

  private hasRetention(): boolean {
    for (const r of this.replicas.values()) if (r.log.segments) return true;
    return false;
  }

  private readonly check = (): void => {
    this.timer = 0;
    if (!this.isAlive()) return;
    const now = this.world.sim.nowUs;
    for (const r of this.replicas.values()) {
      const deleted = r.log.deleteOldSegments(now);
      if (deleted > 0) this.world.history.record(Op.LogRetention, now, deleted, this.brokerActor, r.partition.partition, r.log.logStartOffset, r.partition.topicActor);
    }
    this.timer = this.world.sim.after(this.world.scenario.cluster.logRetentionCheckInterval, this.check, undefined, this.kind, this.brokerActor);
  };
}
