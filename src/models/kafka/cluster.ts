// The cluster: brokers, topics with their partitions and replica placement, and the controller. It is what
// clients ask for metadata (who leads a partition, reachable from where) and what other models subscribe to
// for broker crash/restart events (the group coordinator lives on a broker and must move when it dies).
//
// Placement: partition p of a topic with replication factor RF lives on brokers (p + i) mod N, i = 0..RF-1,
// the first being the preferred leader. (Kafka starts the round-robin at a random broker and shifts followers;
// a fixed start keeps "partition p is led by broker p mod N" in healthy runs.)
import { makeSampler } from "../../kernel/distributions.ts";
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { Scenario, TopicSpec } from "../../scenario/schema.ts";
import { Broker } from "./broker.ts";
import { Controller } from "./controller.ts";
import { Partition } from "./partition.ts";
import type { Replica } from "./replica.ts";
import { configureLogRetention, recordMetaOf } from "./log-retention.ts";
import type { RecordMeta } from "./log-segments.ts";

export interface ClusterConfig {
  replicaLagTimeMaxUs: number;
  replicaFetchWaitMaxUs: number;
  replicaFetchBackoffUs: number;
  replicaSocketTimeoutUs: number;
  replicaFetchMaxRecords: number;
  brokerHeartbeatIntervalUs: number;
  brokerSessionTimeoutUs: number;
  sessionCheckIntervalUs: number;
  flushIntervalUs: number;
  housekeepingIntervalUs: number;
}

export function clusterConfig(c: Scenario["cluster"]): ClusterConfig {
  return {
    replicaLagTimeMaxUs: c.replicaLagTimeMax,
    replicaFetchWaitMaxUs: c.replicaFetchWaitMax,
    replicaFetchBackoffUs: c.replicaFetchBackoff,
    replicaSocketTimeoutUs: c.replicaSocketTimeout,
    replicaFetchMaxRecords: 10_000,
    brokerHeartbeatIntervalUs: c.brokerHeartbeatInterval,
    brokerSessionTimeoutUs: c.brokerSessionTimeout,
    sessionCheckIntervalUs: Math.max(1000, Math.min(500_000, Math.floor(c.brokerSessionTimeout / 10))),
    flushIntervalUs: c.flushInterval,
    housekeepingIntervalUs: Math.max(1000, Math.min(c.flushInterval, Math.floor(c.replicaLagTimeMax / 2), 1_000_000)),
  };
}

export class Topic {
  /** The partitions, as consumers see them (`highWatermark`, `read`, `onAppend`, ...). */
  readonly logs: Partition[];
  /** Called once per offset that becomes committed (below the HW), e.g. for consumer-group lag. */
  readonly appendListeners: ((partition: number, offset: number) => void)[] = [];
  constructor(
    readonly name: string,
    readonly actorId: number,
    readonly spec: TopicSpec,
    brokers: number,
  ) {
    const rf = spec.replicationFactor;
    this.logs = Array.from(
      { length: spec.partitions },
      (_, p) =>
        new Partition(
          name,
          actorId,
          p,
          Array.from({ length: rf }, (_, i) => (p + i) % brokers),
          spec.minInsyncReplicas,
          spec.uncleanLeaderElection,
          this.appendListeners,
        ),
    );
  }
  get partitionCount(): number {
    return this.logs.length;
  }
}

export type BrokerEvent = { kind: "crash" | "restart"; broker: string; brokerId: number; atUs: number };

export class Cluster {
  readonly brokers: Broker[];
  readonly topics = new Map<string, Topic>();
  readonly controller: Controller;
  readonly config: ClusterConfig;
  readonly appendSample: () => number;
  private readonly listeners: ((e: BrokerEvent) => void)[] = [];
  private started = false;
  private producerIds = 1000;
  private readonly recordMeta: RecordMeta;
  private readonly partitionsAddedListeners: ((topic: string, before: number, count: number) => void)[] = [];

  constructor(private readonly world: World) {
    const c = world.scenario.cluster;
    this.config = clusterConfig(c);
    this.appendSample = makeSampler(c.appendTime, world.rng.fork("cluster/append"));
    this.brokers = Array.from({ length: c.brokers }, (_, i) => new Broker(i, this, world));
    for (const b of this.brokers) world.targets.register(b);
    this.controller = new Controller(this, world);
    this.recordMeta = recordMetaOf(world);
    for (const t of world.scenario.topics) this.addTopic(t);
  }

  addTopic(spec: TopicSpec): Topic {
    if (this.started) throw new Error("topics must be added before the cluster starts");
    const t = new Topic(spec.name, this.world.history.actor(spec.name, "topic"), spec, this.brokers.length);
    for (const p of t.logs) for (const b of p.replicas) configureLogRetention(this.brokers[b].addReplica(p).log, spec, this.world, this.recordMeta);
    this.topics.set(spec.name, t);
    return t;
  }

  /** Partitions a topic has now (clients see this only through their metadata refresh). */
  partitionCount(topic: string): number {
    return this.topics.get(topic)?.partitionCount ?? 0;
  }

  /**
   * CreatePartitions at run time: raises the topic to `count` partitions, placed like the first ones, with a
   * leader elected by the controller. Existing partitions and their data do not move.
   */
  addPartitions(topic: string, count: number): void {
    const t = this.topics.get(topic);
    if (!t || count <= t.partitionCount) return;
    const before = t.partitionCount;
    const n = this.brokers.length;
    const rf = t.spec.replicationFactor;
    for (let p = before; p < count; p++) {
      const part = new Partition(t.name, t.actorId, p, Array.from({ length: rf }, (_, i) => (p + i) % n), t.spec.minInsyncReplicas, t.spec.uncleanLeaderElection, t.appendListeners);
      for (const b of part.replicas) configureLogRetention(this.brokers[b].addReplica(part).log, t.spec, this.world, this.recordMeta);
      t.logs.push(part);
      this.controller.addPartition(part);
    }
    this.world.history.record(Op.PartitionsAdded, this.world.sim.nowUs, -1, t.actorId, count, before, t.actorId);
    for (const fn of this.partitionsAddedListeners) fn(topic, before, count);
  }

  /** Subscribes to partitions being added: the topic, its count before and after. */
  onPartitionsAdded(fn: (topic: string, before: number, count: number) => void): void {
    this.partitionsAddedListeners.push(fn);
  }

  /** Elects the preferred leaders and starts heartbeats; call once, before the run. */
  start(): void {
    this.started = true;
    this.controller.start();
    for (const b of this.brokers) b.start();
  }

  /** InitProducerId for an idempotent producer: a fresh producer id (its epoch starts at 0). */
  nextProducerId(): number {
    return this.producerIds++;
  }

  *partitions(): Iterable<Partition> {
    for (const t of this.topics.values()) yield* t.logs;
  }

  replicaOf(broker: number, p: Partition): Replica {
    return this.brokers[broker].replicas.get(p)!;
  }

  private topicOf(topic: Topic | string): Topic | undefined {
    return typeof topic === "string" ? this.topics.get(topic) : topic;
  }

  /** The partition's leader as the controller last decided, or undefined while it is offline. */
  leaderOf(topic: Topic | string, partition: number): Broker | undefined {
    const p = this.topicOf(topic)?.logs[partition];
    return p && p.leader >= 0 ? this.brokers[p.leader] : undefined;
  }

  /**
   * The leader a client would learn from a metadata request: the controller's choice when the client can
   * reach it; otherwise a reachable broker that still believes it leads (a stale view behind a partition).
   */
  leaderFor(client: string, p: Partition): Broker | undefined {
    const net = this.world.net;
    if (p.leader >= 0 && net.canReach(client, this.brokers[p.leader].name)) return this.brokers[p.leader];
    for (const b of p.replicas) {
      const broker = this.brokers[b];
      if (broker.alive && broker.replicas.get(p)!.isLeader && net.canReach(client, broker.name)) return broker;
    }
    return p.leader >= 0 ? this.brokers[p.leader] : undefined;
  }

  isAlive(broker: string | number): boolean {
    const b = typeof broker === "number" ? this.brokers[broker] : this.brokers.find((x) => x.name === broker);
    return b !== undefined && b.alive;
  }

  /** Subscribes to broker crashes and restarts (the process, not the controller's later fencing). */
  onBrokerEvent(fn: (e: BrokerEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Called as a broker dies, while its links still carry what it sent; listeners get the event at once. */
  brokerCrashed(b: Broker): void {
    for (const other of this.brokers) {
      if (other !== b && other.alive) this.world.net.send(b.name, other.name, other.onPeerCrash, b.id, b.id);
    }
    const e: BrokerEvent = { kind: "crash", broker: b.name, brokerId: b.id, atUs: this.world.sim.nowUs };
    for (const l of this.listeners) l(e);
  }

  brokerRestarted(b: Broker): void {
    const e: BrokerEvent = { kind: "restart", broker: b.name, brokerId: b.id, atUs: this.world.sim.nowUs };
    for (const l of this.listeners) l(e);
  }

  /**
   * Writes each partition's final log to the history as leader-epoch ranges, so checkers can tell which
   * appended records survived: an Append at (offset, epoch) survived iff the final log has that epoch there.
   * The final log is the leader's; for an offline partition, the last leader's.
   */
  recordFinalLogs(): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    for (const p of this.partitions()) {
      const ranges = p.log.epochRanges();
      ranges.forEach(([epoch, start], i) => {
        const end = i + 1 < ranges.length ? ranges[i + 1][1] : p.log.logEndOffset;
        h.record(Op.FinalLogRange, now, end, p.topicActor, p.partition, start, epoch);
      });
    }
  }
}
