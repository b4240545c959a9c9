// A consumer group with a fixed range assignment. Each member runs Kafka's poll loop: fetch (the leader
// answers at once when records are below the high watermark, else after fetch.max.wait or the next append),
// process the returned records one by one, commit the positions synchronously, poll again. The committed
// offset is the next offset to read (lastProcessed + 1).
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import { makeSampler } from "../kernel/distributions.ts";
import { Op, type History } from "../history/history.ts";
import type { Network } from "../net/network.ts";
import type { Cluster, Topic } from "./broker.ts";
import { rangeAssign } from "./assignors.ts";
import type { ConsumerGroupSpec } from "../scenario/schema.ts";
import type { MetricsCollector } from "../metrics/collector.ts";

interface FetchedRecord {
  partition: number;
  offset: number;
  msg: number;
}

/** Java's String.hashCode, used to place the group coordinator as Kafka does (abs(hash) % 50 offsets partitions). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export class ConsumerGroup {
  readonly actorId: number;
  readonly members: ConsumerMember[] = [];
  /** Committed offset (next to read) per partition. */
  readonly committed: Float64Array;
  /** Records in partitions not yet covered by a commit: high watermark minus committed, summed. */
  lag = 0;
  readonly coordinator: string;

  constructor(
    readonly sim: Simulation,
    rng: Rng,
    readonly history: History,
    readonly net: Network,
    readonly cluster: Cluster,
    readonly topic: Topic,
    readonly spec: ConsumerGroupSpec,
    readonly metrics: MetricsCollector,
    readonly index: number,
  ) {
    this.actorId = history.actor(spec.name, "group");
    this.committed = new Float64Array(topic.partitionCount);
    const offsetsPartition = (Math.abs(javaStringHash(spec.name)) | 0) % 50;
    this.coordinator = cluster.brokers[offsetsPartition % cluster.brokers.length].name;
    const names = Array.from({ length: spec.members }, (_, i) => `${spec.name}-${i}`);
    const assignment = rangeAssign(
      names.map((memberId) => ({ memberId, topics: [topic.name] })),
      new Map([[topic.name, topic.partitionCount]]),
    );
    for (const name of names) {
      const partitions = assignment.get(name)!.map((tp) => tp.partition);
      this.members.push(new ConsumerMember(this, name, partitions, rng.fork(name)));
    }
    for (let p = 0; p < topic.partitionCount; p++) {
      const start = spec.autoOffsetReset === "latest" ? topic.logs[p].highWatermark : 0;
      this.committed[p] = start;
      this.lag += topic.logs[p].highWatermark - start;
    }
    topic.appendListeners.push(this.onAppend);
    metrics.onLag(index, this.lag, sim.nowUs);
  }

  private readonly onAppend = (): void => {
    this.lag += 1;
    this.metrics.onLag(this.index, this.lag, this.sim.nowUs);
  };

  start(): void {
    for (const m of this.members) m.start(this.committed);
  }

  /** Applies a commit at the coordinator: offsets only move forward here since one member owns each partition. */
  commit(member: ConsumerMember, offsets: Map<number, number>): void {
    const now = this.sim.nowUs;
    for (const [p, offset] of offsets) {
      const before = this.committed[p];
      if (offset === before) continue;
      this.committed[p] = offset;
      this.lag -= offset - before;
      this.history.record(Op.Commit, now, -1, member.actorId, p, offset, this.actorId);
    }
    this.metrics.onLag(this.index, this.lag, now);
  }
}

export class ConsumerMember {
  readonly actorId: number;
  private readonly position = new Map<number, number>();
  private readonly processSample: () => number;
  private batch: FetchedRecord[] = [];
  private batchIndex = 0;
  /** Rotates the partition a fetch starts from, so one busy partition cannot starve the others. */
  private nextPartition = 0;
  private readonly fetchKind: number;
  private readonly processKind: number;

  constructor(
    private readonly group: ConsumerGroup,
    readonly name: string,
    readonly partitions: number[],
    rng: Rng,
  ) {
    this.actorId = group.history.actor(name, "consumer");
    this.processSample = makeSampler(group.spec.processing.time, rng.fork("processing"));
    this.fetchKind = group.sim.registerKind("consumer.fetch-timeout");
    this.processKind = group.sim.registerKind("consumer.process-end");
  }

  start(committed: Float64Array): void {
    for (const p of this.partitions) this.position.set(p, committed[p]);
    // A member without partitions has nothing to fetch; Kafka's would poll empty-handed forever.
    if (this.partitions.length > 0) this.poll();
  }

  private get broker(): string {
    return this.group.cluster.leaderOf(this.group.topic, this.partitions[0]).name;
  }

  private poll(): void {
    this.group.net.send(this.name, this.broker, this.onFetchAtBroker, undefined, this.actorId);
  }

  /** Reads up to max.poll.records below the high watermark, starting from a rotating partition. */
  private readAvailable(): FetchedRecord[] {
    const out: FetchedRecord[] = [];
    const max = this.group.spec.maxPollRecords;
    const n = this.partitions.length;
    for (let k = 0; k < n && out.length < max; k++) {
      const p = this.partitions[(this.nextPartition + k) % n];
      const log = this.group.topic.logs[p];
      let offset = this.position.get(p)!;
      while (offset < log.highWatermark && out.length < max) {
        out.push({ partition: p, offset, msg: log.read(offset) });
        offset++;
      }
    }
    this.nextPartition = (this.nextPartition + 1) % n;
    return out;
  }

  private readonly onFetchAtBroker = (): void => {
    const records = this.readAvailable();
    if (records.length > 0) {
      this.respond(records);
      return;
    }
    // Long poll: answer on the first append to any assigned partition, or empty after fetch.max.wait.
    const sim = this.group.sim;
    let done = false;
    const logs = this.partitions.map((p) => this.group.topic.logs[p]);
    const finish = (): void => {
      if (done) return;
      done = true;
      sim.cancel(timer);
      for (const log of logs) log.removeWaiter(finish);
      this.respond(this.readAvailable());
    };
    const timer = sim.after(this.group.spec.fetchMaxWait, finish, undefined, this.fetchKind, this.actorId);
    for (const log of logs) log.onAppend(finish);
  };

  private respond(records: FetchedRecord[]): void {
    this.group.net.send(this.broker, this.name, this.onFetchResponse, records, this.actorId);
  }

  private readonly onFetchResponse = (records: FetchedRecord[]): void => {
    if (records.length === 0) {
      this.poll();
      return;
    }
    const h = this.group.history;
    const now = this.group.sim.nowUs;
    for (const r of records) {
      h.record(Op.Deliver, now, r.msg, this.actorId, r.partition, r.offset, this.group.actorId);
      this.position.set(r.partition, r.offset + 1);
    }
    this.batch = records;
    this.batchIndex = 0;
    this.startProcessing();
  };

  private startProcessing(): void {
    const r = this.batch[this.batchIndex];
    const sim = this.group.sim;
    this.group.history.record(Op.ProcessStart, sim.nowUs, r.msg, this.actorId, r.partition, r.offset, this.group.actorId);
    const t = Math.max(0, Math.round(this.processSample()));
    sim.after(t, this.onProcessed, undefined, this.processKind, r.msg);
  }

  private readonly onProcessed = (): void => {
    const r = this.batch[this.batchIndex];
    const g = this.group;
    const now = g.sim.nowUs;
    g.history.record(Op.ProcessEnd, now, r.msg, this.actorId, r.partition, r.offset, g.actorId);
    g.metrics.onProcessed(now, now - g.history.msgCreatedUs[r.msg]);
    this.batchIndex++;
    if (this.batchIndex < this.batch.length) {
      this.startProcessing();
      return;
    }
    this.commitSync();
  };

  private commitSync(): void {
    const offsets = new Map<number, number>();
    for (const r of this.batch) offsets.set(r.partition, r.offset + 1);
    this.batch = [];
    const g = this.group;
    g.net.send(
      this.name,
      g.coordinator,
      () => {
        g.commit(this, offsets);
        g.net.send(g.coordinator, this.name, () => this.poll(), undefined, this.actorId);
      },
      undefined,
      this.actorId,
    );
  }
}
