// A Kafka producer client: sends messages to a topic at a rate profile (constant or Poisson arrivals, with
// step/burst changes), picks partitions with Kafka's keyed partitioner (murmur2) or, for null keys, the
// uniform sticky partitioner, and hands records to the accumulator; the Sender batches, sends, retries.
// History: produce-attempt when send() is called, then exactly one of ack / produce-fail / produce-unknown.
// It is a fault target: a crash ends everything buffered or in flight; a restart takes a new producer id.
import type { Rng } from "../../kernel/rng.ts";
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { Cluster, Topic } from "./cluster.ts";
import { KeyPartitionCache, partitionForKey } from "./partitioner.ts";
import type { ProducerSpec } from "../../scenario/schema.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import { RecordAccumulator } from "./accumulator.ts";
import { UniformStickyPartitioner } from "./sticky-partitioner.ts";
import { Sender } from "./sender.ts";
import type { Partition } from "./partition.ts";
import { resolveIdempotence } from "../../scenario/schema-kafka.ts";
import { ClientMetadata } from "./client-metadata.ts";
import { ProducerTransactions } from "./producer-transactions.ts";
import type { ProducerSerializer } from "../../schema/producer-serializer.ts";
import { EventTimeStamper, stampEventTime } from "../../streams/event-time.ts";
import { grow } from "../../kernel/typed-arrays.ts";

export { resolveIdempotence };

export interface RateStep {
  atUs: number;
  ratePerS: number;
}

/** The rate profile as sorted steps starting at 0. */
export function rateSteps(spec: Pick<ProducerSpec, "rate" | "schedule">): RateStep[] {
  const steps: RateStep[] = [{ atUs: 0, ratePerS: spec.rate }];
  for (const s of [...spec.schedule].sort((a, b) => a.at - b.at)) {
    if (s.at === 0) steps[0] = { atUs: 0, ratePerS: s.rate };
    else steps.push({ atUs: s.at, ratePerS: s.rate });
  }
  return steps;
}

/** Draws keys from the scenario's key space. */
export class KeyChooser {
  private nextSequential = 0;
  private readonly zipf?: { sample(): number };
  constructor(
    private readonly spec: ProducerSpec["keys"],
    private readonly rng: Rng,
  ) {
    if (spec.distribution === "zipf") this.zipf = rng.zipf(spec.count, spec.zipfExponent);
  }
  nextIndex(): number {
    switch (this.spec.distribution) {
      case "sequential":
        return this.nextSequential++ % this.spec.count;
      case "zipf":
        return this.zipf!.sample();
      default:
        return this.rng.int(this.spec.count);
    }
  }
}

/**
 * Per key index of the producer's key space, side by side in one typed column (a key drawn at random costs one
 * cache line): the key's history id, its partition + 1 (0 = not hashed yet) and its length (0 = key not seen;
 * a key is never empty, its index is part of it). A plain array filled at random indices turned sparse (a
 * dictionary), and reading the key string's length for each record missed the cache.
 */
const KS_ID = 0;
const KS_PARTITION = 1;
const KS_LENGTH = 2;
const KS_STRIDE = 4;

class KeySpaceCache {
  cells = new Int32Array(0);
  has(index: number): boolean {
    const at = index * KS_STRIDE + KS_LENGTH;
    return at < this.cells.length && this.cells[at] > 0;
  }
  keyId(index: number): number {
    return this.cells[index * KS_STRIDE + KS_ID];
  }
  keyLength(index: number): number {
    return this.cells[index * KS_STRIDE + KS_LENGTH];
  }
  /** The partition, or -1 when not hashed yet. */
  partition(index: number): number {
    return this.cells[index * KS_STRIDE + KS_PARTITION] - 1;
  }
  setPartition(index: number, p: number): void {
    this.cells[index * KS_STRIDE + KS_PARTITION] = p + 1;
  }
  set(index: number, keyId: number, length: number): void {
    this.cells = grow(this.cells, (index + 1) * KS_STRIDE);
    this.cells[index * KS_STRIDE + KS_ID] = keyId;
    this.cells[index * KS_STRIDE + KS_LENGTH] = length;
  }
  forgetPartitions(): void {
    for (let at = KS_PARTITION; at < this.cells.length; at += KS_STRIDE) this.cells[at] = 0;
  }
}

export class Producer implements FaultTarget {
  readonly name: string;
  readonly kind = "producer" as const;
  readonly actorId: number;
  readonly idempotent: boolean;
  private readonly steps: RateStep[];
  private readonly arrivalRng: Rng;
  private readonly keys: KeyChooser;
  private partitions: KeyPartitionCache;
  /** The topic's partitions as this producer's metadata knows them (added ones appear at a refresh). */
  private visible: Partition[];
  private readonly metadata: ClientMetadata;
  private readonly keySpace = new KeySpaceCache();
  private readonly nullKeyId: number;
  private readonly sticky: UniformStickyPartitioner;
  readonly accumulator: RecordAccumulator;
  readonly sender: Sender;
  private sent = 0;
  private alive = true;
  private arrivalTimer = 0;
  private readonly sendKind: number;
  private readonly depth: (p: Partition) => number;
  /** Told when each record's send ends (acknowledged or not): publishing relays wait on it. */
  onRecordDone: ((msg: number, acked: boolean) => void) | undefined;
  /** Transactions (transactionalId set): sends go through the open transaction. */
  readonly txn: ProducerTransactions | undefined;
  /** The value serializer when the producer uses a schema registry (src/schema). */
  private readonly serializer: ProducerSerializer | undefined;
  private readonly eventTime: EventTimeStamper | undefined;

  constructor(
    private readonly world: World,
    private readonly cluster: Cluster,
    private readonly topic: Topic,
    private readonly spec: ProducerSpec,
  ) {
    const rng = world.rng.fork(`producer/${spec.name}`);
    this.name = spec.name;
    this.actorId = world.history.actor(spec.name, "producer");
    this.steps = rateSteps(spec);
    this.arrivalRng = rng.fork("arrivals");
    this.keys = new KeyChooser(spec.keys, rng.fork("keys"));
    this.partitions = new KeyPartitionCache(topic.partitionCount);
    this.visible = topic.logs.slice();
    this.metadata = new ClientMetadata(world, this.actorId, [topic.name], cluster, spec.metadataMaxAge, (_t, count) => this.partitionsChanged(count));
    this.nullKeyId = world.history.key("");
    this.idempotent = resolveIdempotence(spec);
    this.accumulator = new RecordAccumulator(spec.batchSize, spec.lingerMs);
    this.sticky = new UniformStickyPartitioner(rng.fork("sticky"), spec.batchSize);
    this.depth = (p) => this.accumulator.queueDepth(p);
    // Producer ids come from the cluster in Kafka; a per-run counter keeps them deterministic and distinct.
    this.txn = spec.transactionalId !== undefined ? new ProducerTransactions(world, cluster, this, spec, rng.fork("txn")) : undefined;
    // A transactional producer's id and epoch come from its coordinator (InitProducerId), not from a local counter.
    const newProducerId = this.txn ? () => -1 : () => cluster.nextProducerId();
    this.sender = new Sender(world, cluster, this.accumulator, spec, { acks: spec.acks, idempotent: this.idempotent, txn: this.txn, onDone: (msgs, acked) => this.recordsDone(msgs, acked) }, this.actorId, rng.fork("retry"), newProducerId);
    this.txn?.attach(this.sender);
    this.sendKind = world.sim.registerKind("producer.send");
    this.eventTime = EventTimeStamper.of(world.history, this.actorId, spec, rng.fork("event-time"));
    world.targets.register(this);
    this.serializer = world.schemas?.serializerFor(spec.name, this.actorId, topic.name);
  }

  start(): void {
    this.metadata.start();
    this.scheduleNext(this.world.sim.nowUs, true);
  }

  /** A metadata refresh saw more partitions: keys now hash over the new count (a key may move partition). */
  private partitionsChanged(count: number): void {
    this.partitions = new KeyPartitionCache(count);
    this.keySpace.forgetPartitions();
    this.visible = this.topic.logs.slice(0, count);
  }

  /** Next send time at or after `fromUs`, honouring the step in force; rate 0 waits for the next step. */
  private nextArrivalUs(fromUs: number, first: boolean): number | undefined {
    let t = fromUs;
    for (;;) {
      const i = this.stepIndexAt(t);
      const step = this.steps[i];
      const nextStepUs = i + 1 < this.steps.length ? this.steps[i + 1].atUs : Infinity;
      if (step.ratePerS > 0) {
        const meanGapUs = 1e6 / step.ratePerS;
        // Constant arrivals send the first message of a run or step at its start; Poisson ones draw every gap.
        const gap =
          this.spec.arrivals === "constant" ? (first ? 0 : meanGapUs) : this.arrivalRng.exponential(meanGapUs);
        const at = Math.round(t + gap);
        // Poisson arrivals are memoryless, so a gap that crosses a step boundary is redrawn from the boundary.
        if (at < nextStepUs) return at;
      }
      if (nextStepUs === Infinity) return undefined;
      t = nextStepUs;
      first = true;
    }
  }

  private stepIndexAt(t: number): number {
    let i = 0;
    while (i + 1 < this.steps.length && this.steps[i + 1].atUs <= t) i++;
    return i;
  }

  private scheduleNext(fromUs: number, first: boolean): void {
    if (this.spec.maxMessages !== undefined && this.sent >= this.spec.maxMessages) return;
    const at = this.nextArrivalUs(fromUs, first);
    if (at === undefined || at >= this.world.stopUs) return;
    this.arrivalTimer = this.world.sim.at(at, this.send, undefined, this.sendKind, this.actorId);
  }

  /** The history id of the key at `index`; the key is made, registered and its length kept on its first draw. */
  private keyOf(index: number): number {
    const ks = this.keySpace;
    if (ks.has(index)) return ks.keyId(index);
    const name = `${this.spec.keys.prefix}${index}`;
    const id = this.world.history.key(name);
    ks.set(index, id, name.length);
    return id;
  }

  /** murmur2 of the key, computed once per key of the key space. */
  private keyedPartition(index: number, keyId: number): number {
    const ks = this.keySpace;
    let p = ks.partition(index);
    if (p < 0) {
      // Straight to the hash: this cache already holds it per key index, the partitioner's Map would only repeat it.
      p = partitionForKey(this.world.history.keyNames[keyId], this.partitions.numPartitions);
      ks.setPartition(index, p);
    }
    return p;
  }

  private readonly send = (): void => {
    const now = this.world.sim.nowUs;
    const h = this.world.history;
    const nullKey = this.spec.keys.none;
    const keyIndex = nullKey ? -1 : this.keys.nextIndex();
    const keyId = nullKey ? this.nullKeyId : this.keyOf(keyIndex);
    const msg = h.newMessage(this.actorId, keyId, this.topic.actorId, now);
    const all = this.visible;
    const p = nullKey ? this.sticky.partition(all, this.depth) : all[this.keyedPartition(keyIndex, keyId)];
    h.record(Op.ProduceAttempt, now, msg, this.actorId, p.partition);
    this.eventTime?.stamp(msg, now);
    this.world.metrics.onProduced(now);
    this.sent++;
    // A schema-registry serializer may hold the record while it registers its schema, or fail it (refused).
    // Record size as the batch counts it: value + key + ~a dozen bytes of record overhead.
    const bytes = this.spec.messageBytes + (nullKey ? 0 : this.keySpace.keyLength(keyIndex)) + 12;
    if (this.serializer !== undefined && !this.serializer.serialize(msg, () => this.enqueueRecord(msg, p, bytes))) return this.scheduleNext(now, false);
    this.enqueueRecord(msg, p, bytes);
    this.scheduleNext(now, false);
  };

  /** Hands a serialized record to the open transaction, or straight to the accumulator. */
  private enqueueRecord(msg: number, p: Partition, bytes: number): void {
    if (this.txn) this.txn.send(msg, p, bytes);
    else this.appendRecord(p, msg, bytes);
  }

  private recordsDone(msgs: readonly number[], acked: boolean): void {
    const fn = this.onRecordDone;
    if (fn) for (const m of msgs) fn(m, acked);
  }

  /**
   * send() of a message made elsewhere (a service's event): keyed by the message's key, recorded as an attempt.
   * Sending the same message again (a relay re-publishing) is another attempt of it.
   */
  publish(msg: number): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const key = h.keyNames[h.msgKey[msg]];
    const p = this.visible[this.partitions.partition(key)];
    h.record(Op.ProduceAttempt, now, msg, this.actorId, p.partition);
    this.world.metrics.onProduced(now);
    const bytes = this.spec.messageBytes + key.length + 12;
    if (this.txn) this.txn.send(msg, p, bytes);
    else this.appendRecord(p, msg, bytes);
  }

  /** Puts a record into the accumulator (a transactional producer's does so once the record is in a transaction). */
  appendRecord(p: Partition, msg: number, bytes: number): void {
    const now = this.world.sim.nowUs;
    const batch = this.accumulator.append(p, msg, bytes, now);
    const full = this.accumulator.isFull(batch);
    if (this.spec.keys.none) this.sticky.onAppend(bytes, full || batch.attempts > 0, this.visible, this.depth);
    this.sender.wake(full ? now : batch.createdUs + this.spec.lingerMs);
  }

  /** ProducerFenced is fatal: this instance sends nothing more (a zombie that lost its transactional.id). */
  fenced(): void {
    this.world.sim.cancel(this.arrivalTimer);
    this.metadata.stop();
    this.sender.abandonAll();
    this.sender.stopped = true;
  }

  /**
   * send() of one given record, as a stream processor's producer does: its key, its timestamp (ms), and the
   * partition when the caller picks it (a changelog record goes to its task's partition). Returns the message id.
   */
  sendRecord(keyName: string, timestampMs: number, partition?: number, topic?: Topic): number {
    const now = this.world.sim.nowUs;
    const h = this.world.history;
    const keyId = h.key(keyName);
    const msg = h.newMessage(this.actorId, keyId, (topic ?? this.topic).actorId, now);
    // Another topic (a transactional producer writing a changelog in the same transaction): the caller picks the partition.
    const p = topic ? topic.logs[partition ?? 0] : this.visible[partition ?? this.partitions.partition(keyName)];
    h.record(Op.ProduceAttempt, now, msg, this.actorId, p.partition);
    stampEventTime(h, msg, this.actorId, timestampMs, now);
    const bytes = this.spec.messageBytes + keyName.length + 12;
    if (this.txn) {
      this.txn.send(msg, p, bytes);
      return msg;
    }
    const batch = this.accumulator.append(p, msg, bytes, now);
    this.sender.wake(this.accumulator.isFull(batch) ? now : batch.createdUs + this.spec.lingerMs);
    return msg;
  }

  // ---- fault target ----

  crash(_opts: { loseUnflushed: boolean }): void {
    if (!this.alive) return;
    this.alive = false;
    this.world.sim.cancel(this.arrivalTimer);
    this.metadata.stop();
    this.txn?.crash();
    this.sender.abandonAll();
    this.serializer?.abandon();
    this.sender.stopped = true;
    this.world.net.setDown(this.name);
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.world.net.setUp(this.name);
    this.sender.stopped = false;
    this.sender.resetProducerId();
    this.txn?.restart();
    this.metadata.start();
    this.scheduleNext(this.world.sim.nowUs, true);
  }

  pause(durationUs: number): void {
    this.world.net.pause(this.name, this.world.sim.nowUs + durationUs);
  }
}
