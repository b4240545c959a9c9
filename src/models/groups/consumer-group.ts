// A Kafka consumer group: its members (each a fault target named <group>-<i>), its coordinator (on the broker
// leading the group's offsets partition; it moves when that broker dies), the group's event timeline
// (scale out/in, processing slowdowns, partition pause for backpressure), and the bookkeeping the report
// needs: lag per partition and per group (committed records below the high watermark minus the committed
// offset), who owns what, rebalance markers, and recovery after faults.
import { memberPauseStats } from "./parallel-processing.ts";
import type { World } from "../../runner/world.ts";
import type { Rng } from "../../kernel/rng.ts";
import { Op } from "../../history/history.ts";
import type { Cluster } from "../kafka/cluster.ts";
import type { Partition } from "../kafka/partition.ts";
import { isCooperative, tpKey, type TopicPartition } from "./assignors.ts";
import { GroupCoordinator, LEAVE_REASONS, REBALANCE_CAUSES, type CoordinatorHooks, type LeaveReason, type RebalanceCause } from "./group-coordinator.ts";
import { ConsumerProtocolCoordinator, type ConsumerProtocolSettings } from "./group-consumer-protocol.ts";
import { ConsumerMember } from "./consumer.ts";
import type { RecordProcessingHook } from "./consumer-data-path.ts";
import type { ConsumerGroupSpec } from "../../scenario/schema.ts";
import { groupTopics } from "../../scenario/group-topics.ts";
import { GroupMetrics } from "../../metrics/group-metrics.ts";
import type { GroupRunMetrics } from "../../report/result-types.ts";

export class ConsumerGroup {
  readonly actorId: number;
  readonly members: ConsumerMember[] = [];
  /** The classic coordinator, or the consumer protocol's (KIP-848) when `protocol: consumer`. */
  readonly coordinator: GroupCoordinator | ConsumerProtocolCoordinator;
  /** Broker settings of the consumer protocol; undefined in classic groups. */
  readonly consumerProtocol: ConsumerProtocolSettings | undefined;
  /** Incremental: members keep what they own while a rebalance runs (cooperative-sticky, or the consumer protocol). */
  readonly cooperative: boolean;
  readonly topics: string[];
  private readonly partitionsPerTopic = new Map<string, number>();
  /** Index of each subscribed partition in the per-partition arrays. */
  private readonly index = new Map<string, number>();
  private readonly tps: TopicPartition[] = [];
  /** Records committed (below the HW) and the group's committed offset, per partition. */
  private readonly endOffset: Float64Array;
  private readonly committedOffset: Float64Array;
  lag = 0;
  private readonly paused = new Map<string, number>();
  private slowdowns: { untilUs: number; factor: number }[] = [];
  readonly metrics: GroupMetrics;
  private readonly rng: Rng;
  private readonly eventKind: number;
  /** Set by a stream processor built on this group (src/streams/): it sees every record its members process. */
  recordHook: RecordProcessingHook | undefined;

  constructor(
    readonly world: World,
    private readonly cluster: Cluster,
    readonly spec: ConsumerGroupSpec,
    readonly groupIndex: number,
  ) {
    const { history, sim } = world;
    this.actorId = history.actor(spec.name, "group");
    this.rng = world.rng.fork(`group/${spec.name}`);
    this.consumerProtocol =
      spec.protocol === "consumer"
        ? { assignor: spec.serverAssignor, heartbeatIntervalUs: spec.consumerHeartbeatInterval, sessionTimeoutUs: spec.consumerSessionTimeout }
        : undefined;
    this.cooperative = this.consumerProtocol !== undefined || isCooperative(spec.assignor);
    const all = new Set([...groupTopics(spec), ...(spec.memberTopics ?? []).flat()]);
    this.topics = [...all];
    // The lag tables also hold the partitions the scenario adds later (from their creation on), so the group's
    // lag counts records written there before the group notices them.
    const existing = new Set<number>();
    for (const name of [...all].sort()) {
      const topic = cluster.topics.get(name)!;
      this.partitionsPerTopic.set(name, topic.partitionCount);
      const eventually = finalPartitionCount(world, name, topic.partitionCount);
      for (let p = 0; p < eventually; p++) {
        if (p < topic.partitionCount) existing.add(this.tps.length);
        this.index.set(tpKey({ topic: name, partition: p }), this.tps.length);
        this.tps.push({ topic: name, partition: p });
      }
      topic.appendListeners.push((partition) => this.onCommittedRecord(name, partition));
    }
    this.endOffset = new Float64Array(this.tps.length);
    this.committedOffset = new Float64Array(this.tps.length);
    this.metrics = new GroupMetrics(
      spec.name,
      this.tps,
      world.metrics.bucketUs,
      world.metrics.bucketCount,
      spec.recovery.lagThreshold,
      this.consumerProtocol ? "consumer" : this.cooperative ? "cooperative" : "eager",
      existing,
    );
    cluster.onPartitionsAdded((topic, before, count) => {
      for (let p = before; p < count; p++) {
        const i = this.index.get(tpKey({ topic, partition: p }));
        if (i !== undefined) this.metrics.partitionCreated(i, sim.nowUs);
      }
    });
    const liveness = {
      brokers: cluster.brokers,
      isAlive: (id: number) => cluster.isAlive(id),
    };
    const hooks: CoordinatorHooks = {
      rebalanceStarted: (cause: RebalanceCause, generation: number) => this.metrics.rebalanceStarted(sim.nowUs, REBALANCE_CAUSES[cause], generation),
      stable: (generation: number) => this.metrics.rebalanceEnded(sim.nowUs, generation),
      committed: (tp: TopicPartition, offset: number) => this.onCommit(tp, offset),
      memberRemoved: (_client, _reason: LeaveReason) => undefined,
    };
    this.coordinator = this.consumerProtocol
      ? new ConsumerProtocolCoordinator(world, spec.name, this.consumerProtocol, this.partitionsPerTopic, liveness, hooks)
      : new GroupCoordinator(world, spec.name, spec.assignor, this.partitionsPerTopic, spec.initialRebalanceDelay, liveness, this.rng.fork("coordinator"), hooks);
    this.eventKind = sim.registerKind("group.event");
    const hostKind = sim.registerKind("group.coordinator-check");
    cluster.onBrokerEvent((e) => {
      if (e.kind === "crash") this.metrics.fault(`crash ${e.broker}`, e.atUs);
      // The cluster tells listeners before the broker is marked down; look once the event has settled.
      sim.after(0, this.onBrokerChange, undefined, hostKind, this.actorId);
    });
    for (let i = 0; i < spec.members; i++) this.addMember();
    spec.events.forEach((e, i) => sim.at(e.at, this.onEvent, i, this.eventKind, this.actorId));
  }

  /** The cluster (read-process-write members build their transactional producers on it). */
  get kafka(): Cluster {
    return this.cluster;
  }

  /** The classic coordinator (members call this only in classic groups). */
  get classic(): GroupCoordinator {
    if (!(this.coordinator instanceof GroupCoordinator)) throw new Error(`group ${this.spec.name} uses the consumer protocol`);
    return this.coordinator;
  }

  /** The consumer protocol's coordinator (members call this only in `protocol: consumer` groups). */
  get consumerCoordinator(): ConsumerProtocolCoordinator {
    if (!(this.coordinator instanceof ConsumerProtocolCoordinator)) throw new Error(`group ${this.spec.name} uses the classic protocol`);
    return this.coordinator;
  }

  /** OffsetCommit goes to either coordinator; the member epoch travels where the generation does. */
  get commitHandler(): (r: Parameters<GroupCoordinator["handleCommit"]>[0]) => void {
    return this.coordinator.handleCommitFromNet as (r: Parameters<GroupCoordinator["handleCommit"]>[0]) => void;
  }

  private readonly onBrokerChange = (): void => {
    if (!this.coordinator.refreshHost() || !this.coordinator.available) return;
    // Members find the new coordinator (FindCoordinator) and re-send what was waiting on the old one.
    for (const m of this.members) m.coordinatorMoved();
  };

  private addMember(): ConsumerMember {
    const i = this.members.length;
    const name = `${this.spec.name}-${i}`;
    const topics = this.spec.memberTopics?.[i] ?? groupTopics(this.spec);
    const m = new ConsumerMember(this, name, topics, this.rng.fork(name));
    this.members.push(m);
    this.world.targets.register(m);
    return m;
  }

  start(): void {
    const c = this.coordinator;
    if (c instanceof ConsumerProtocolCoordinator) {
      if (!this.spec.startsStable || this.members.length === 0) {
        for (const m of this.members) m.start();
        return;
      }
      const ids = this.members.map((m) => m.kip848!.newMemberId());
      c.bootstrap(this.members.map((m, i) => ({ client: m.kip848!, memberId: ids[i], instanceId: m.instanceId, topics: m.topics, rebalanceTimeoutUs: this.spec.maxPollInterval })));
      this.members.forEach((m, i) => m.start({ memberId: ids[i], generation: c.groupEpoch, assignment: c.assignmentOf(ids[i]) }));
      return;
    }
    if (this.spec.startsStable && this.members.length > 0) {
      const ids = c.bootstrap(
        this.members.map((m) => ({
          client: m,
          memberId: "",
          instanceId: m.instanceId,
          topics: m.topics,
          owned: [],
          ownedGeneration: -1,
          rebalanceTimeoutUs: this.spec.maxPollInterval,
          sessionTimeoutUs: this.spec.sessionTimeout,
        })),
      );
      for (const m of this.members) {
        const memberId = ids.get(m.name)!;
        m.start({ memberId, generation: c.generation, assignment: c.assignmentOf(memberId) });
      }
    } else for (const m of this.members) m.start();
  }

  // ---------- what members ask of the group ----------

  /** What members' metadata refreshes read: the topics' partition counts now. */
  get clusterCounts(): { partitionCount(topic: string): number } {
    return this.cluster;
  }

  /**
   * A member's metadata refresh saw `topic` grow. Only the leader acts (ConsumerCoordinator compares its
   * metadata snapshot with the one it assigned from): the group's view takes the new count and the leader
   * rejoins, so the next assignment includes the new partitions.
   */
  metadataChanged(member: ConsumerMember, topic: string, count: number): void {
    const c = this.coordinator;
    if (c instanceof ConsumerProtocolCoordinator) {
      // KIP-848: the broker assigns, so the coordinator takes the new count and bumps the group epoch. (The real
      // coordinator sees the metadata change at once; here the first member refresh that notices it tells it.)
      if (count <= (this.partitionsPerTopic.get(topic) ?? 0)) return;
      this.partitionsPerTopic.set(topic, count);
      return c.metadataChanged();
    }
    if (!(c instanceof GroupCoordinator) || !c.isLeader(member.memberId)) return;
    if (count <= (this.partitionsPerTopic.get(topic) ?? 0)) return;
    this.partitionsPerTopic.set(topic, count);
    member.requestRejoin();
  }

  partition(tp: TopicPartition): Partition {
    return this.cluster.topics.get(tp.topic)!.logs[tp.partition];
  }

  leaderNameFor(client: string, tp: TopicPartition): string {
    const leader = this.cluster.leaderFor(client, this.partition(tp));
    return (leader ?? this.cluster.brokers.find((b) => b.alive) ?? this.cluster.brokers[0]).name;
  }

  /** Whether any partition was ever paused by the scenario (else isPaused is false for every partition). */
  get anyPaused(): boolean {
    return this.paused.size > 0;
  }

  isPaused(tp: TopicPartition): boolean {
    const until = this.paused.get(tpKey(tp));
    return until !== undefined && this.world.sim.nowUs < until;
  }

  slowdownFactor(): number {
    const now = this.world.sim.nowUs;
    let f = 1;
    for (const s of this.slowdowns) if (now < s.untilUs) f *= s.factor;
    return f;
  }

  /** A member started (`owner`) or stopped (`undefined`) owning tp. */
  ownerChanged(tp: TopicPartition, owner: ConsumerMember | undefined, _previous?: ConsumerMember): void {
    const i = this.index.get(tpKey(tp));
    if (i !== undefined) this.metrics.onOwner(i, owner ? 1 : -1, this.world.sim.nowUs);
  }

  // ---------- lag ----------

  private onCommittedRecord(topic: string, partition: number): void {
    const i = this.index.get(tpKey({ topic, partition }));
    if (i === undefined) return;
    this.endOffset[i]++;
    this.lag++;
    this.lagChanged(i);
  }

  private onCommit(tp: TopicPartition, offset: number): void {
    const i = this.index.get(tpKey(tp));
    if (i === undefined) return;
    this.lag += this.committedOffset[i] - offset;
    this.committedOffset[i] = offset;
    this.lagChanged(i);
  }

  private lagChanged(i: number): void {
    const now = this.world.sim.nowUs;
    this.metrics.onPartitionLag(i, Math.max(0, this.endOffset[i] - this.committedOffset[i]), now);
    this.metrics.onGroupLag(this.lag, now);
    this.world.metrics.onLag(this.groupIndex, this.lag, now);
  }

  // ---------- the group's timeline ----------

  private readonly onEvent = (i: number): void => {
    const e = this.spec.events[i];
    const now = this.world.sim.nowUs;
    this.world.history.record(Op.GroupEvent, now, -1, this.actorId, i, -1, this.actorId);
    if (e.scale !== undefined) {
      const live = this.members.filter((m) => m.alive);
      this.metrics.fault(`scale ${live.length}→${e.scale}`, now);
      for (let k = live.length; k < e.scale; k++) this.addMember().start();
      // Scale in closes the highest-numbered members.
      for (const m of live.slice(e.scale).reverse()) m.close();
    } else if (e.slowdown) {
      this.metrics.fault(`slowdown ×${e.slowdown.factor}`, now);
      this.slowdowns = this.slowdowns.filter((s) => now < s.untilUs);
      this.slowdowns.push({ untilUs: now + e.slowdown.for, factor: e.slowdown.factor });
    } else if (e.pausePartitions) {
      const topic = e.pausePartitions.topic ?? this.topics[0];
      for (const partition of e.pausePartitions.partitions) this.paused.set(tpKey({ topic, partition }), now + e.pausePartitions.for);
    }
  };

  /** Consumer faults call this so recovery is measured from them. */
  noteFault(label: string): void {
    this.metrics.fault(label, this.world.sim.nowUs);
  }

  finish(externalFaults: { label: string; startUs: number }[]): GroupRunMetrics {
    // Another group's consumer faults are not this group's to recover from.
    const mine = new Set(this.members.map((m) => m.name));
    const others = this.world.targets.names("consumer").filter((n) => !mine.has(n));
    const relevant = externalFaults.filter((f) => !others.some((n) => new RegExp(`(^|\\s)${n.replace(/[.]/g, "\\.")}($|\\s)`).test(f.label)));
    const m = this.metrics.finish(this.world.sim.nowUs, relevant);
    const pauses = this.spec.processing.concurrency > 1 ? memberPauseStats(this.world.history, this.actorId, this.world.sim.nowUs) : [];
    return pauses.length > 0 ? { ...m, memberPauses: pauses } : m;
  }
}

export { LEAVE_REASONS };

/** The most partitions `topic` will have in this run: its count now, raised by the scenario's addPartitions events. */
function finalPartitionCount(world: World, topic: string, now: number): number {
  let count = now;
  for (const f of world.scenario?.faults ?? []) if ("addPartitions" in f && f.addPartitions.topic === topic) count = Math.max(count, f.addPartitions.count);
  return count;
}
