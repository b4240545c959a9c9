// A Kafka Streams application on the simulated cluster. Its instances are the members of a real consumer group
// (group.id = application.id, the cooperative assignor Streams builds on, auto-commit every commit.interval of
// what has been processed); each input partition is a task. Every record a member processes goes through the
// topology here: filters, then a windowed aggregation or a stream–stream join whose store changes go to a
// changelog topic and whose results go to the sink topic, both through the instance's Kafka producers. Nothing is injected: after a
// crash, records processed since the last commit are fetched and processed again by the task's new owner,
// whose store was restored from the changelog, so at-least-once double counting emerges from the model.
// Under exactly_once_v2 the group is a read-process-write group instead: each member's transactional producer
// carries the sink and changelog records, which commit with the offsets after every processed batch.
import { Op } from "../history/history.ts";
import type { World } from "../runner/world.ts";
import type { Cluster } from "../models/kafka/cluster.ts";
import { ConsumerGroup } from "../models/groups/consumer-group.ts";
import type { DataPathHost, FetchedRecord, RecordProcessingHook } from "../models/groups/consumer-data-path.ts";
import type { ReadProcessWrite } from "../models/groups/read-process-write.ts";
import { Producer } from "../models/kafka/producer.ts";
import { zConsumerGroup, zProducer } from "../scenario/schema.ts";
import type { ProcessorSpec } from "../scenario/schema-streams.ts";
import { MetricsCollector } from "../metrics/collector.ts";
import { Changelog, changelogTopicName } from "./changelog.ts";
import { StreamTask } from "./stream-task.ts";
import { WindowedAggregation, type AggResult } from "./window-aggregation.ts";
import { StreamStreamJoin, type JoinResult } from "./stream-join.ts";
import { StreamTableJoin } from "./table-join.ts";
import { FlinkWindowOperator, combinedWatermark } from "./flink-windows.ts";
import { InstanceTargets } from "./instance-targets.ts";
import { eventTimes } from "./event-time.ts";
import { processorTopology, type ProcessorTopology } from "./topology.ts";
import { ProcessorStats } from "./processor-stats.ts";
import { KeyPartitionCache } from "../models/kafka/partitioner.ts";
import { zTopic } from "../scenario/schema.ts";
import type { Topic } from "../models/kafka/cluster.ts";

export class StreamsApplication implements RecordProcessingHook {
  readonly group: ConsumerGroup;
  readonly topology: ProcessorTopology;
  readonly actorId: number;
  readonly changelog: Changelog;
  readonly tasks: StreamTask<WindowedAggregation | StreamStreamJoin | StreamTableJoin | FlinkWindowOperator>[];
  readonly stats: ProcessorStats;
  private readonly sinkProducers: Producer[] = [];
  private readonly changelogProducers: Producer[] = [];
  /** Flink's late side output (sideOutputLateData), when the scenario names a topic for it. */
  private readonly lateProducers: Producer[] = [];
  private readonly instanceIndex = new Map<string, number>();
  private readonly groupMetrics: MetricsCollector;
  private readonly valueBytes = new Map<number, number>();
  /** Crashes seen per instance (from the history), and how far the history has been scanned for them. */
  private readonly crashes = new Map<number, number>();
  private crashScan = 0;
  private readonly restoreKind: number;

  constructor(
    private readonly world: World,
    cluster: Cluster,
    readonly spec: ProcessorSpec,
  ) {
    this.topology = processorTopology(spec);
    const us = (v: number): string => `${v}us`;
    const op = this.topology.operator;
    const eos = spec.processingGuarantee === "exactly_once_v2";
    this.writesOwnOutputs = eos;
    // Under exactly_once_v2 the transaction commits every commit.interval (100 ms by default), not per batch.
    this.commitIntervalUs = eos ? (spec.commitInterval ?? 100_000) : undefined;
    // StreamsConfig: commit.interval.ms 30 s, or 100 ms under exactly_once_v2.
    const commitIntervalUs = spec.commitInterval ?? (eos ? 100_000 : 30_000_000);
    const source = world.scenario.topics.find((t) => t.name === this.topology.source)!;
    // A key re-map: the re-keyed records go through <applicationId>-<name>-repartition (as many partitions as the
    // source), which the same group reads back; its partitions are the aggregating tasks.
    const rep = this.topology.repartition;
    this.repartitionTopic = rep
      ? cluster.addTopic(zTopic.parse({ name: rep.topic, partitions: source.partitions, replicationFactor: source.replicationFactor, minInsyncReplicas: Math.min(source.minInsyncReplicas, source.replicationFactor) }))
      : undefined;
    this.repartitionPartitioner = new KeyPartitionCache(source.partitions);
    const groupSpec = zConsumerGroup.parse({
      name: spec.applicationId,
      topics: rep ? [...this.topology.inputs, rep.topic] : this.topology.inputs,
      members: spec.instances,
      // StreamsPartitionAssignor is cooperative and sticky and keeps co-partitioned partitions in one task; range
      // gives partition p of both join inputs to the same member. Streams consumers read from earliest, 1000 a poll.
      assignor: op.kind === "join" ? "range" : "cooperative-sticky",
      autoOffsetReset: "earliest",
      maxPollRecords: 1000,
      sessionTimeout: us(spec.sessionTimeout),
      heartbeatInterval: us(spec.heartbeatInterval),
      commit: eos ? { mode: "sync-after-processing" } : { mode: "auto", interval: us(commitIntervalUs) },
      // exactly_once_v2: each member's transactional producer (transactional.id <applicationId>-<i>) commits the
      // sink and changelog records with the offsets; Streams sets transaction.timeout.ms to 10 s.
      ...(eos ? { isolationLevel: "read_committed", transactional: { outputTopic: this.topology.sink, transactionTimeout: "10s" } } : {}),
      processing: { time: us(spec.processingTime) },
    });
    // The group's lag and latency go to a collector of their own, not the run's consumer-group figures.
    this.groupMetrics = new MetricsCollector(world.endUs, [spec.applicationId], world.metrics.bucketUs);
    const producersOf = (member: string): Producer[] => {
      const i = this.instanceIndex.get(member);
      return i === undefined ? [] : [this.sinkProducers[i], this.changelogProducers[i], ...(this.lateProducers[i] ? [this.lateProducers[i]] : []), ...(this.repartitionProducers[i] ? [this.repartitionProducers[i]] : [])];
    };
    const appWorld: World = { ...world, metrics: this.groupMetrics, targets: new InstanceTargets(world.targets, producersOf) };
    this.group = new ConsumerGroup(appWorld, cluster, groupSpec, 0);
    this.group.recordHook = this;
    this.actorId = this.group.actorId;
    this.changelog = new Changelog(cluster, changelogTopicName(spec.applicationId, op.store), source, eos, spec.changelog);
    const flink = spec.timeModel === "flink" && op.kind === "aggregate" ? spec.flink : undefined;
    const processor = (): WindowedAggregation | StreamStreamJoin | StreamTableJoin | FlinkWindowOperator => {
      if (op.kind === "join" && op.table) return new StreamTableJoin(op.join.type);
      if (op.kind === "join") return new StreamStreamJoin(op.join.type, op.windowMs, op.windowMs, op.graceMs);
      if (!flink) return new WindowedAggregation(op.window, op.graceMs, op.aggregate.suppress === "untilWindowCloses");
      const w = op.window;
      const size = w.type === "hopping" || w.type === "tumbling" ? w.sizeMs : 1;
      return new FlinkWindowOperator(size, w.type === "hopping" ? w.advanceMs : size, Math.floor(flink.outOfOrderness / 1000), Math.floor(flink.allowedLateness / 1000));
    };
    this.tasks = Array.from({ length: source.partitions }, (_, p) => new StreamTask(p, processor, this.changelog));
    const sink = cluster.topics.get(this.topology.sink)!;
    for (let i = 0; i < spec.instances; i++) {
      const name = `${spec.applicationId}-${i}`;
      this.instanceIndex.set(name, i);
      const producer = (suffix: string, topic: typeof sink): Producer =>
        new Producer(appWorld, cluster, topic, zProducer.parse({ name: `${name}-${suffix}`, topic: topic.name, rate: "0/s", acks: "all" }));
      this.sinkProducers.push(producer("sink-producer", sink));
      this.changelogProducers.push(producer("changelog-producer", this.changelog.topic));
      if (flink?.lateOutput) this.lateProducers.push(producer("late-output-producer", cluster.topics.get(flink.lateOutput)!));
      if (this.repartitionTopic) this.repartitionProducers.push(producer("repartition-producer", this.repartitionTopic));
    }
    for (const p of world.scenario.producers) this.valueBytes.set(world.history.actor(p.name, "producer"), p.messageBytes);
    this.stats = new ProcessorStats(spec.applicationId, source.partitions, world.metrics.bucketUs, world.metrics.bucketCount);
    this.restoreKind = world.sim.registerKind("streams.restore-end");
    this.watermarkKind = world.sim.registerKind("streams.watermark");
    this.watermarkIntervalUs = flink ? Math.max(1000, flink.autoWatermarkInterval) : 0;
  }

  /** exactly_once_v2: results and store changes go through the member's transactional producer. */
  readonly writesOwnOutputs: boolean;
  /** exactly_once_v2: how often the member's transaction commits (commit.interval.ms). */
  readonly commitIntervalUs: number | undefined;
  private readonly txnProducers: (Producer | undefined)[] = [];

  private readonly repartitionTopic: Topic | undefined;
  private readonly repartitionPartitioner: KeyPartitionCache;
  private readonly repartitionProducers: Producer[] = [];
  /** A repartition record → the source record it re-keys (a sum reads the original's value). */
  private readonly repartitionOrigin = new Map<number, number>();

  private readonly watermarkKind: number;
  private readonly watermarkIntervalUs: number;

  /** Every autoWatermarkInterval of processing time, the windows of each running task take the combined watermark. */
  private readonly emitWatermarks = (): void => {
    const combined = combinedWatermark(this.tasks, this.world.sim.nowUs, this.spec.flink.idleness);
    for (const task of this.tasks) {
      const p = task.processor;
      if (!(p instanceof FlinkWindowOperator) || !task.owner) continue;
      const actor = this.world.history.actorId(task.owner.name) ?? -1;
      // A crashed instance emits nothing; the task's next owner restores it and carries on.
      if (this.crashCount(actor) !== task.owner.crashes || task.restoringUntilUs > this.world.sim.nowUs) continue;
      if (combined !== undefined) this.apply(this.instanceIndex.get(task.owner.name) ?? 0, task, -1, p.advanceWatermark(combined));
    }
    if (this.world.sim.nowUs + this.watermarkIntervalUs < this.world.endUs) this.world.sim.after(this.watermarkIntervalUs, this.emitWatermarks, undefined, this.watermarkKind, this.actorId);
  };

  start(): void {
    for (const p of [...this.sinkProducers, ...this.changelogProducers, ...this.lateProducers, ...this.repartitionProducers]) p.start();
    this.group.start();
    if (this.watermarkIntervalUs > 0) this.world.sim.after(this.watermarkIntervalUs, this.emitWatermarks, undefined, this.watermarkKind, this.actorId);
  }

  private crashCount(actor: number): number {
    const h = this.world.history;
    for (; this.crashScan < h.opCount; this.crashScan++) {
      if (h.opKind[this.crashScan] === Op.ConsumerCrashed) this.crashes.set(h.opActor[this.crashScan], (this.crashes.get(h.opActor[this.crashScan]) ?? 0) + 1);
    }
    return this.crashes.get(actor) ?? 0;
  }

  // ---------- the hook the consumer's data path calls ----------

  before(host: DataPathHost, r: FetchedRecord): number {
    // The first sub-topology (filter, re-key, write to the repartition topic) is stateless: nothing to restore.
    if (this.repartitionTopic && r.tp.topic === this.topology.source) return 0;
    const task = this.tasks[r.tp.partition];
    const now = this.world.sim.nowUs;
    const crashes = this.crashCount(host.actorId);
    if (task.isOwner(host.name, crashes)) return Math.max(0, task.restoringUntilUs - now);
    const first = task.owner === undefined;
    const plan = task.moveTo({ name: host.name, crashes }, this.spec.restoreRate);
    this.chooseStandbys(task);
    task.restoringUntilUs = now + plan.durationUs;
    if (first && plan.records === 0) return 0;
    const h = this.world.history;
    h.record(Op.RestoreStart, now, -1, host.actorId, task.partition, plan.records, this.actorId);
    this.world.sim.after(plan.durationUs, () => h.record(Op.RestoreEnd, this.world.sim.nowUs, -1, host.actorId, task.partition, plan.records, this.actorId), undefined, this.restoreKind, this.actorId);
    this.stats.restore(host.name, task.partition, now, now + plan.durationUs, plan.records, plan.fromStandby);
    return plan.durationUs;
  }

  /** num.standby.replicas: the next instances after the active one (in instance order) keep warm copies. */
  private chooseStandbys(task: StreamTask): void {
    const k = Math.min(this.spec.numStandbyReplicas, this.spec.instances - 1);
    const active = this.instanceIndex.get(task.owner!.name) ?? 0;
    task.standbys = [];
    for (let j = 1; j <= k; j++) {
      const name = `${this.spec.applicationId}-${(active + j) % this.spec.instances}`;
      const actor = this.world.history.actorId(name) ?? -1;
      task.standbys.push({ name, crashes: this.crashCount(actor) });
    }
  }

  /** The member's transaction aborted (a zombie's offsets refused, a failed send): its stores are wiped. */
  aborted(host: DataPathHost): void {
    for (const task of this.tasks) task.wipe(host.name);
  }

  after(host: DataPathHost, r: FetchedRecord, eos?: ReadProcessWrite): void {
    const h = this.world.history;
    if (this.writesOwnOutputs && eos) this.txnProducers[this.instanceIndex.get(host.name) ?? 0] = eos.producer;
    const key = h.keyOf(r.msg);
    // Windowed aggregations drop records with a null key.
    if (this.repartitionTopic && r.tp.topic === this.topology.source) return this.repartition(host, r, key);
    const task = this.tasks[r.tp.partition];
    const ts = eventTimes(h)[r.msg];
    const p = task.processor;
    // Flink generates watermarks at the source: every record of the split counts, even one a filter drops next.
    if (p instanceof FlinkWindowOperator) p.observe(ts, this.world.sim.nowUs);
    if (key === "" || (!this.repartitionTopic && !this.topology.keep(key))) return;
    if (p instanceof StreamStreamJoin || p instanceof StreamTableJoin) return this.applyJoin(host, task, p.process(r.tp.topic === this.topology.source ? "left" : "right", key, ts, r.msg));
    const op = this.topology.operator;
    const origin = this.repartitionOrigin.get(r.msg) ?? r.msg;
    const value = op.kind === "aggregate" && op.aggregate.function === "sum" ? (this.valueBytes.get(h.msgProducer[origin]) ?? 0) : 1;
    this.apply(this.instanceIndex.get(host.name) ?? 0, task, r.msg, p.process(key, ts, value));
  }

  /** Sub-topology 0: filter, re-key, and write the record to the repartition topic with its event time. */
  private repartition(host: DataPathHost, r: FetchedRecord, key: string): void {
    if (key === "" || !this.topology.keep(key)) return;
    const newKey = this.topology.repartition!.rekey(key);
    const ts = eventTimes(this.world.history)[r.msg];
    const i = this.instanceIndex.get(host.name) ?? 0;
    const txn = this.txnProducers[i];
    const out = txn
      ? txn.sendRecord(newKey, ts, this.repartitionPartitioner.partition(newKey), this.repartitionTopic)
      : this.repartitionProducers[i].sendRecord(newKey, ts);
    this.repartitionOrigin.set(out, r.msg);
  }

  /** Store changes go to the changelog partition of the task, written by the instance's changelog producer. */
  private writeChanges(i: number, task: StreamTask, result: AggResult | JoinResult): void {
    const now = this.world.sim.nowUs;
    const st = task.processor.streamTimeMs;
    this.stats.streamTime(task.partition, now, st);
    const txn = this.txnProducers[i];
    for (const c of result.changes) this.changelog.written(txn ? txn.sendRecord(c.storeKey, st, task.partition, this.changelog.topic) : this.changelogProducers[i].sendRecord(c.storeKey, st, task.partition), c);
    this.stats.changelogSize(task.partition, this.changelog.endOffset(task.partition));
  }

  private applyJoin(host: DataPathHost, task: StreamTask, result: JoinResult): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const i = this.instanceIndex.get(host.name) ?? 0;
    this.writeChanges(i, task, result);
    for (const e of result.events) {
      if (e.kind === "drop") {
        h.record(Op.StreamRecordDropped, now, e.msg, this.actorId, -1, e.streamTimeMs, -1);
        this.stats.drop(now);
        continue;
      }
      const out = this.sinkProducer(i).sendRecord(e.key, e.ts);
      const [left, right] = e.kind === "pair" ? [e.left, e.right] : e.side === "left" ? [e.msg, -1] : [-1, e.msg];
      h.record(Op.JoinResult, now, out, this.actorId, left, task.partition, right);
    }
  }

  private apply(i: number, task: StreamTask, input: number, result: AggResult): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const st = task.processor.streamTimeMs;
    this.writeChanges(i, task, result);
    for (const e of result.events) {
      if (e.kind === "drop") {
        h.record(Op.StreamRecordDropped, now, input, this.actorId, e.window?.start ?? -1, e.streamTimeMs, e.window?.end ?? -1);
        this.lateProducers[i]?.sendRecord(e.key, e.ts);
        this.stats.drop(now);
      } else if (e.kind === "emit") {
        const out = this.sinkProducer(i).sendRecord(e.key, st);
        h.record(Op.WindowResult, now, out, this.actorId, e.window.start, e.value, e.window.end);
      } else {
        const out = this.sinkProducer(i).sendRecord(e.key, st);
        h.record(Op.WindowRetracted, now, out, this.actorId, e.window.start, -1, e.window.end);
      }
    }
  }

  private sinkProducer(i: number): Producer {
    return this.txnProducers[i] ?? this.sinkProducers[i];
  }

  finish(): void {
    this.groupMetrics.destroy();
  }
}
