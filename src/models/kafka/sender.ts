// The producer's Sender: drains ready batches into produce requests (one request per leader broker, at most
// one batch per partition, at most max.in.flight.requests.per.connection unanswered per broker), handles the
// answers, and retries failed batches after retry.backoff (doubling to retry.backoff.max, ±20% jitter) until
// delivery.timeout. Every record ends acked, failed (certainly not written) or unknown (maybe written).
// Idempotence (producer id, epoch, sequences, local epoch bumps) is kept by the TransactionManager.
import { Op } from "../../history/history.ts";
import type { Rng } from "../../kernel/rng.ts";
import type { World } from "../../runner/world.ts";
import type { ProducerSpec } from "../../scenario/schema.ts";
import type { Broker, ProduceBatch, ProduceRequest, ProduceResponse } from "./broker.ts";
import type { Cluster } from "./cluster.ts";
import type { RecordAccumulator, ProducerBatch } from "./accumulator.ts";
import type { ProduceError } from "./replica.ts";
import type { Partition } from "./partition.ts";
import { TransactionManager, type EpochBump } from "./transaction-manager.ts";

/** Codes stored in ProduceError rows (aux). */
export const PRODUCE_ERROR_CODES: Record<ProduceError, number> = {
  NOT_LEADER_OR_FOLLOWER: 1,
  NOT_ENOUGH_REPLICAS: 2,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 3,
  OUT_OF_ORDER_SEQUENCE: 4,
  REQUEST_TIMED_OUT: 5,
  NETWORK_EXCEPTION: 6,
  INVALID_PRODUCER_EPOCH: 7,
};
export const PRODUCE_ERROR_NAMES = Object.fromEntries(Object.entries(PRODUCE_ERROR_CODES).map(([k, v]) => [v, k])) as Record<number, ProduceError>;

/** Errors after which the batch may be in the log. */
// InvalidProducerEpoch is the one non-retriable answer here: the batch fails (not fatal for an idempotent
// producer; only ProducerFenced and authorization errors are) and its gap makes the producer bump its epoch.
const NOT_RETRIABLE = new Set<ProduceError>(["INVALID_PRODUCER_EPOCH"]);

const MAYBE_WRITTEN = new Set<ProduceError>(["NOT_ENOUGH_REPLICAS_AFTER_APPEND", "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION"]);

const REACH_UNKNOWN = 0;
const REACH_YES = 1;
const REACH_NO = 2;

/**
 * A produce request with what the sender keeps while it is unanswered. The sender finds its bookkeeping on the
 * request the answer names, instead of in a Map keyed by the request object (a hash per request and answer).
 */
class InFlight implements ProduceRequest {
  /** Still awaiting its answer or timeout (a late answer to a settled request is ignored). */
  open = false;
  timer = 0;
  constructor(
    readonly client: string,
    readonly acks: 0 | 1 | -1,
    readonly timeoutUs: number,
    readonly batches: ProduceBatch[],
    readonly onResponse: (r: ProduceResponse) => void,
    readonly broker: Broker,
    /** The producer's batches, in the order of `batches`. */
    readonly sent: ProducerBatch[],
  ) {}
}

export interface SenderConfig {
  acks: 0 | 1 | -1;
  idempotent: boolean;
  /** A transactional producer's hooks (producer-transactions.ts); undefined otherwise. */
  txn?: SenderTxnHooks;
  /** Told when each batch's send ends: acknowledged, or failed / outcome unknown (relays wait on it). */
  onDone?: (msgs: readonly number[], acked: boolean) => void;
}

/** What a transactional producer needs from its Sender. */
export interface SenderTxnHooks {
  /** A new batch may go out only once its partition was added to the open transaction (AddPartitionsToTxn). */
  mayDrain(p: Partition): boolean;
  /** The batch was written; the application's acknowledgement waits for the commit. */
  onAcked(b: ProducerBatch, baseOffset: number): void;
  /** The batch ended without being written for sure: the transaction must abort (or the producer was fenced). */
  onFinished(b: ProducerBatch, error: ProduceError | undefined): void;
}

export class Sender {
  /** Unanswered requests, oldest first. */
  private readonly inFlight: InFlight[] = [];
  /** Requests in flight per broker id, and batches on the wire per partition number (the producer's one topic). */
  private readonly perBroker: number[] = [];
  private readonly perPartition: number[] = [];
  /** A pass's drained batches by broker id, and the brokers in the order their first batch was drained. */
  private readonly drained: (ProducerBatch[] | undefined)[] = [];
  private readonly drainOrder: Broker[] = [];
  /** Per broker id during a pass: whether this client reaches it (REACH_*). */
  private readonly reach: Int8Array;
  private wakeTimer = 0;
  private wakeAtUs = Infinity;
  private nextExpiryUs = 0;
  /** Idempotence state; undefined without idempotence. */
  readonly tm: TransactionManager | undefined;
  private readonly kinds: { wake: number; timeout: number };
  stopped = false;

  constructor(
    private readonly world: World,
    private readonly cluster: Cluster,
    private readonly acc: RecordAccumulator,
    private readonly spec: ProducerSpec,
    readonly cfg: SenderConfig,
    private readonly actorId: number,
    private readonly rng: Rng,
    newProducerId: () => number,
  ) {
    this.reach = new Int8Array(cluster.brokers.length);
    this.tm = cfg.idempotent ? new TransactionManager(newProducerId, this.onEpochBump, cfg.txn === undefined) : undefined;
    this.kinds = { wake: world.sim.registerKind("producer.sender"), timeout: world.sim.registerKind("producer.request-timeout") };
    cluster.onBrokerEvent((e) => {
      // The reset reaches us over the link, after any answer the broker had already sent.
      if (e.kind === "crash") world.net.send(e.broker, spec.name, this.connectionLost, cluster.brokers[e.brokerId], e.brokerId);
    });
  }

  get producerId(): number {
    return this.tm ? this.tm.producerId : -1;
  }

  get producerEpoch(): number {
    return this.tm ? this.tm.epoch : -1;
  }

  /** History: msg = new epoch (as election rows carry leader epochs), offset = producer id, partition/aux = the partition that asked. */
  private readonly onEpochBump = (b: EpochBump): void => {
    this.world.history.record(Op.ProducerEpochBump, this.world.sim.nowUs, b.epoch, this.actorId, b.partition.partition, b.producerId, b.partition.topicActor);
  };

  /** Makes sure the sender runs at or before `atUs`. */
  wake(atUs: number): void {
    if (this.stopped || atUs >= this.wakeAtUs) return;
    if (this.wakeTimer !== 0) this.world.sim.cancel(this.wakeTimer);
    this.wakeAtUs = Math.max(atUs, this.world.sim.nowUs);
    this.wakeTimer = this.world.sim.at(this.wakeAtUs, this.run, undefined, this.kinds.wake, this.actorId);
  }

  private readonly run = (): void => {
    this.wakeTimer = 0;
    this.wakeAtUs = Infinity;
    const now = this.world.sim.nowUs;
    if (now >= this.nextExpiryUs) for (const b of this.acc.expire(now, this.spec.deliveryTimeout)) this.finish(b, undefined);
    const tm = this.tm;
    tm?.beforeDrain();
    const acc = this.acc;
    const parts = acc.partitions();
    const maxInFlight = this.spec.maxInFlight;
    for (let b = 0; b < this.reach.length; b++) this.reach[b] = REACH_UNKNOWN;
    let blocked = false;
    for (let i = 0; i < parts.length; i++) {
      const head = acc.readyHeadAt(i, now);
      if (!head) continue;
      const p = parts[i];
      if (tm) {
        // Settled, a head without a sequence: the common case, nothing to re-number or to wait for.
        if (tm.settled && head.baseSequence < 0) {
          if (this.cfg.txn !== undefined && !this.cfg.txn.mayDrain(p)) continue;
        } else if (this.holdForSequences(i, p, head, tm)) continue;
      }
      const leader = this.leaderFor(p);
      // No leader, or its broker refuses connections: the batch waits (and may expire).
      if (!leader || !leader.alive) {
        blocked = true;
        continue;
      }
      if ((this.perBroker[leader.id] ?? 0) >= maxInFlight) continue;
      let list = this.drained[leader.id];
      if (list === undefined) {
        this.drained[leader.id] = list = [];
        this.drainOrder.push(leader);
      }
      list.push(acc.shiftAt(i)!);
    }
    if (this.drainOrder.length > 0) this.sendDrained();
    acc.computeNextTimes();
    let next = acc.nextReadyUs;
    // Something ready but not sent waits for an in-flight slot: an answer or a timeout wakes us then.
    if (next <= now) next = Infinity;
    if (blocked) next = Math.min(next, now + this.spec.retryBackoffMax);
    // Heads are the oldest batches of their partitions, so the first expiry is the oldest head's.
    const oldestUs = acc.oldestHeadUs;
    this.nextExpiryUs = oldestUs + this.spec.deliveryTimeout;
    if (oldestUs < Infinity) next = Math.min(next, this.nextExpiryUs);
    if (next < Infinity) this.wake(Math.max(next, now + (next <= now ? 1 : 0)));
  };

  /** Idempotence's drain rules for a partition's head; true when it stays (or was found acknowledged). */
  private holdForSequences(i: number, p: Partition, head: ProducerBatch, tm: TransactionManager): boolean {
    const onWire = (this.perPartition[this.acc.slot(p)] ?? 0) > 0;
    // With nothing of the partition on the wire, re-number after an epoch bump first (it may give the head
    // a new sequence); new batches wait while the partition is unresolved or still on an old epoch.
    const mayDrainNew = tm.settled || (onWire ? tm.mayDrainNew(p) : tm.prepare(p));
    if (head.baseSequence < 0 && (!mayDrainNew || (this.cfg.txn !== undefined && !this.cfg.txn.mayDrain(p)))) return true;
    // A batch being retried keeps its sequence and goes alone, once nothing of its partition is on the
    // wire; new batches wait behind it. So the broker sees sequences in order (Kafka's drain rule).
    if (head.baseSequence >= 0) {
      if (onWire) return true;
      // A later sequence of this id and epoch was accepted, so the broker holds this batch (it only accepts
      // sequences in order); it fell out of the broker's last-5 cache, so a retry would be refused. Done.
      if (tm.isAckedAlready(head)) {
        this.acc.shiftAt(i);
        this.ack(head, -1);
        return true;
      }
    }
    return false;
  }

  /** One produce request per broker, in the order the pass first drained a batch for each. */
  private sendDrained(): void {
    const order = this.drainOrder;
    for (let k = 0; k < order.length; k++) {
      const broker = order[k];
      const batches = this.drained[broker.id]!;
      this.drained[broker.id] = undefined;
      this.sendRequest(broker, batches);
    }
    order.length = 0;
  }

  /**
   * cluster.leaderFor, with whether the client reaches a broker asked once per broker per pass: a stalled producer
   * (every connection at max.in.flight) passes over every partition on each wake-up, and the network's
   * reachability cannot change during a pass.
   */
  private leaderFor(p: Partition): Broker | undefined {
    const brokers = this.cluster.brokers;
    const id = p.leader;
    if (id >= 0 && this.reaches(id)) return brokers[id];
    for (const b of p.replicas) {
      const broker = brokers[b];
      if (broker.alive && broker.replicas.get(p)!.isLeader && this.reaches(b)) return broker;
    }
    return id >= 0 ? brokers[id] : undefined;
  }

  private reaches(brokerId: number): boolean {
    let r = this.reach[brokerId];
    if (r === REACH_UNKNOWN) this.reach[brokerId] = r = this.world.net.canReach(this.spec.name, this.cluster.brokers[brokerId].name) ? REACH_YES : REACH_NO;
    return r === REACH_YES;
  }

  private sendRequest(broker: Broker, batches: ProducerBatch[]): void {
    const sim = this.world.sim;
    const h = this.world.history;
    const now = sim.nowUs;
    for (const b of batches) {
      if (this.tm && b.baseSequence < 0) this.tm.assign(b);
      b.attempts++;
      if (b.attempts > 1) for (const m of b.msgs) h.record(Op.ProduceRetry, now, m, this.actorId, b.partition.partition, -1, b.attempts);
    }
    const produceBatches: ProduceBatch[] = new Array(batches.length);
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i];
      produceBatches[i] = { partition: b.partition, msgs: b.msgs, producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, transactional: this.cfg.txn !== undefined };
    }
    const request = new InFlight(this.spec.name, this.cfg.acks, this.spec.requestTimeout, produceBatches, this.onResponse, broker, batches);
    this.world.net.send(this.spec.name, broker.name, broker.onProduceRequest, request, this.actorId);
    if (this.cfg.acks === 0) {
      // Fire and forget: done once handed to the network; the offset is unknown (-1).
      for (const b of batches) this.ack(b, -1);
      return;
    }
    // In-flight batches also expire at delivery.timeout, which may come before request.timeout.
    let waitUs = this.spec.requestTimeout;
    for (const b of batches) waitUs = Math.min(waitUs, Math.max(1, b.createdUs + this.spec.deliveryTimeout - now));
    request.timer = sim.after(waitUs, this.onTimeout, request, this.kinds.timeout, this.actorId);
    request.open = true;
    this.inFlight.push(request);
    this.perBroker[broker.id] = (this.perBroker[broker.id] ?? 0) + 1;
    for (const b of batches) this.perPartition[this.acc.slot(b.partition)] = (this.perPartition[this.acc.slot(b.partition)] ?? 0) + 1;
  }

  private settle(request: ProduceRequest): InFlight | undefined {
    const f = request as InFlight;
    if (!f.open) return undefined;
    f.open = false;
    this.inFlight.splice(this.inFlight.indexOf(f), 1);
    this.world.sim.cancel(f.timer);
    this.perBroker[f.broker.id]--;
    for (const b of f.sent) this.perPartition[this.acc.slot(b.partition)]--;
    return f;
  }

  private readonly onResponse = (r: ProduceResponse): void => {
    const f = this.settle(r.request);
    if (!f) return;
    for (let i = 0; i < f.sent.length; i++) {
      const res = r.results[i];
      if (res.error === undefined) this.ack(f.sent[i], res.baseOffset);
      else this.failAttempt(f.sent[i], res.error);
    }
    this.wake(this.world.sim.nowUs);
  };

  private readonly onTimeout = (request: ProduceRequest): void => {
    const f = this.settle(request);
    if (!f) return;
    for (const b of f.sent) this.failAttempt(b, "REQUEST_TIMED_OUT");
    this.wake(this.world.sim.nowUs);
  };

  /** The broker died: its connection reset, so requests in flight to it have an unknown outcome. */
  private readonly connectionLost = (broker: Broker): void => {
    for (const f of this.inFlight.slice()) {
      if (f.broker !== broker) continue;
      this.settle(f);
      for (const b of f.sent) this.failAttempt(b, "NETWORK_EXCEPTION");
    }
    this.wake(this.world.sim.nowUs);
  };

  private failAttempt(b: ProducerBatch, error: ProduceError): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const code = PRODUCE_ERROR_CODES[error];
    for (const m of b.msgs) h.record(Op.ProduceError, now, m, this.actorId, b.partition.partition, -1, code);
    if (MAYBE_WRITTEN.has(error)) b.maybeWritten = true;
    if (error === "OUT_OF_ORDER_SEQUENCE") this.tm?.onOutOfOrder(b);
    const backoff = this.backoffUs(b.attempts);
    if (NOT_RETRIABLE.has(error) || b.attempts > this.spec.retries || now + backoff - b.createdUs >= this.spec.deliveryTimeout) {
      this.finish(b, error);
      return;
    }
    b.retryAtUs = now + backoff;
    this.acc.reenqueue(b, this.cfg.idempotent);
  }

  private backoffUs(attempts: number): number {
    const base = Math.min(this.spec.retryBackoff * 2 ** Math.max(0, attempts - 1), this.spec.retryBackoffMax);
    return Math.round(base * this.rng.uniform(0.8, 1.2));
  }

  private ack(b: ProducerBatch, baseOffset: number): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    this.tm?.onAcked(b);
    if (this.cfg.txn) return this.cfg.txn.onAcked(b, baseOffset);
    // aux = the producer epoch the batch was written under (-1 without idempotence).
    const epoch = this.tm ? b.producerEpoch : -1;
    for (let k = 0; k < b.msgs.length; k++) {
      h.record(Op.Ack, now, b.msgs[k], this.actorId, b.partition.partition, baseOffset < 0 ? -1 : baseOffset + k, epoch);
      this.world.metrics.onAcknowledged();
    }
    this.cfg.onDone?.(b.msgs, true);
  }

  /** Gives up on a batch: unknown if some attempt may have been written, else a definite failure. */
  finish(b: ProducerBatch, _error: ProduceError | undefined): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const kind = b.maybeWritten ? Op.ProduceUnknown : Op.ProduceFail;
    for (const m of b.msgs) h.record(kind, now, m, this.actorId, b.partition.partition);
    // The abandoned sequence leaves a gap or an unknown: the TransactionManager decides on an epoch bump.
    this.tm?.onAbandoned(b, b.maybeWritten, b.attempts <= this.spec.retries);
    this.cfg.txn?.onFinished(b, _error);
    this.cfg.onDone?.(b.msgs, false);
  }

  /** A restart: InitProducerId again, a new producer id at epoch 0. */
  resetProducerId(): void {
    this.tm?.reset();
  }

  /** A producer crash: everything in flight or queued ends now (unknown if it may have been written). */
  abandonAll(): void {
    for (const f of this.inFlight.slice()) {
      this.settle(f);
      for (const b of f.sent) {
        b.maybeWritten = true;
        this.finish(b, "NETWORK_EXCEPTION");
      }
    }
    for (const b of this.acc.drainAll()) this.finish(b, undefined);
    if (this.wakeTimer !== 0) this.world.sim.cancel(this.wakeTimer);
    this.wakeTimer = 0;
    this.wakeAtUs = Infinity;
  }
}
