// A transactional producer's client side (KafkaProducer with transactional.id, semantics.md §1): it finds
// its transaction coordinator, gets its producer id and epoch from InitProducerId (fencing older instances of
// the id), and turns the workload into transactions: the first send after the last transaction ended begins
// one, every partition is registered with AddPartitionsToTxn before its first batch goes out, and after
// `transaction.records` sends or `transaction.interval` (whichever comes first) it commits — or aborts, for
// the share `transaction.abortRatio` of transactions and whenever a send in it failed. Sends made while a
// transaction is ending wait for the next one (the application blocks in commitTransaction()).
// Acknowledgements: a record is acknowledged to the application when its transaction commits (the history's
// Ack row carries the offset it was written at); records of an aborted transaction are never acknowledged.
// ProducerFenced — from the coordinator, or InvalidProducerEpoch from a partition whose marker carries a newer
// epoch — is fatal: the instance stops for good (a zombie).
import { Op } from "../../history/history.ts";
import type { Rng } from "../../kernel/rng.ts";
import type { World } from "../../runner/world.ts";
import type { ProducerSpec } from "../../scenario/schema.ts";
import type { ProducerBatch } from "./accumulator.ts";
import type { Cluster } from "./cluster.ts";
import type { Partition } from "./partition.ts";
import type { ProduceError } from "./replica.ts";
import type { Sender, SenderTxnHooks } from "./sender.ts";
import { TransactionCoordinator, TxnAbortReason } from "./transaction-coordinator.ts";
import { DEFAULT_TRANSACTION_INTERVAL_US } from "../../scenario/schema-txn.ts";

/** Where a producer learned it was fenced (ProducerFenced rows, aux). */
export const enum FencedBy {
  InitProducerId = 1,
  AddPartitions = 2,
  EndTxn = 3,
  Produce = 4,
}
export const FENCED_BY_NAMES: Record<number, string> = { 1: "InitProducerId", 2: "AddPartitionsToTxn", 3: "EndTxn", 4: "a produce request (InvalidProducerEpoch)" };

type State = "uninitialized" | "initializing" | "ready" | "in-txn" | "ending" | "fenced" | "dead";

interface Held {
  msg: number;
  p: Partition;
  bytes: number;
}

/** What the session needs from its producer: put a record into the accumulator; stop after fencing. */
export interface TransactionalClient {
  readonly name: string;
  readonly actorId: number;
  appendRecord(p: Partition, msg: number, bytes: number): void;
  fenced(): void;
}

export class ProducerTransactions implements SenderTxnHooks {
  private state: State = "uninitialized";
  private sender!: Sender;
  private readonly coord: TransactionCoordinator;
  private readonly transactionalId: string;
  private txn = 0;
  private producerId = -1;
  private epoch = -1;
  private recordsInTxn = 0;
  private outstanding = 0;
  private failed = false;
  private abortThis = false;
  private records: number[] = [];
  private readonly offsets = new Map<number, { partition: number; offset: number }>();
  private readonly added = new Set<Partition>();
  private toAdd: Partition[] = [];
  private held: Held[] = [];
  /** The coordinator request in flight (one at a time), by number; 0 = none. */
  private pending = 0;
  private pendingBroker = "";
  private pendingFail: (() => void) | undefined;
  private reqSeq = 0;
  private intervalTimer = 0;
  private incarnation = 0;
  private readonly kinds: { retry: number; timeout: number; interval: number };
  /** Manual boundaries (read-process-write): the caller ends each transaction with `commitManual`. */
  private manual = false;
  private endRequested = false;
  private pendingOffsets: { valid: () => boolean; apply: () => void } | undefined;
  private onEnded: ((committed: boolean) => void) | undefined;

  constructor(
    private readonly world: World,
    cluster: Cluster,
    private readonly client: TransactionalClient,
    private readonly spec: ProducerSpec,
    private readonly rng: Rng,
  ) {
    this.coord = TransactionCoordinator.of(world, cluster);
    this.transactionalId = spec.transactionalId!;
    const sim = world.sim;
    this.kinds = { retry: sim.registerKind("txn.client-retry"), timeout: sim.registerKind("txn.request-timeout"), interval: sim.registerKind("txn.interval") };
    // The application shuts down when the workload ends: close() commits the open transaction (or holds it to the end).
    sim.at(world.stopUs, () => {
      if (this.state === "in-txn" && !this.manual) this.beginEnd();
    }, undefined, this.kinds.interval);
    cluster.onBrokerEvent((e) => {
      // The connection to a coordinator that died resets: the request in flight failed.
      if (e.kind === "crash" && this.pending !== 0 && this.pendingBroker === e.broker) this.pendingFail?.();
    });
  }

  attach(sender: Sender): void {
    this.sender = sender;
  }

  /** The caller decides where transactions end (commitManual), as a read-process-write loop does. */
  setManual(): void {
    this.manual = true;
  }

  /**
   * Ends the open transaction: with `offsets`, sendOffsetsToTransaction first (refused offsets abort it);
   * `done(committed)` runs once the coordinator answered EndTxn (false: aborted or fenced).
   */
  commitManual(offsets: { valid: () => boolean; apply: () => void } | undefined, done: (committed: boolean) => void): void {
    this.pendingOffsets = offsets;
    this.onEnded = done;
    if (this.state === "in-txn") return this.beginEnd();
    if (this.state === "fenced" || this.state === "dead") return this.ended(false);
    // Records still held (InitProducerId or the previous transaction in progress): end once they are in.
    if (this.held.length > 0) this.endRequested = true;
    else this.ended(true);
  }

  private ended(committed: boolean): void {
    const cb = this.onEnded;
    this.onEnded = undefined;
    this.pendingOffsets = undefined;
    cb?.(committed);
  }

  private get now(): number {
    return this.world.sim.nowUs;
  }

  private get cfg() {
    return this.spec.transaction;
  }

  /** The producer's send(): into the open transaction, or held until one can begin. */
  send(msg: number, p: Partition, bytes: number): void {
    if (this.state === "fenced" || this.state === "dead") return this.failHeld([{ msg, p, bytes }]);
    if (this.state === "in-txn") return this.accept({ msg, p, bytes });
    this.held.push({ msg, p, bytes });
    if (this.state === "uninitialized") this.init();
    else if (this.state === "ready") this.beginWithHeld();
  }

  // ---------- requests to the coordinator ----------

  /** Sends one request to the coordinator; `onAnswer(undefined)` when it timed out or the connection reset. */
  private call<A>(handle: (broker: string) => A, onAnswer: (a: A | undefined) => void): void {
    const broker = this.coord.coordinatorName(this.transactionalId);
    const inc = this.incarnation;
    if (broker === "") {
      // FindCoordinator found nobody: try again after the backoff.
      this.pending = -1;
      this.pendingBroker = "";
      this.world.sim.after(this.spec.retryBackoff, () => {
        if (inc !== this.incarnation) return;
        this.pending = 0;
        onAnswer(undefined);
      }, undefined, this.kinds.retry);
      return;
    }
    const seq = ++this.reqSeq;
    this.pending = seq;
    this.pendingBroker = broker;
    const done = (a: A | undefined): void => {
      if (this.pending !== seq || inc !== this.incarnation) return;
      this.pending = 0;
      this.pendingFail = undefined;
      onAnswer(a);
    };
    this.pendingFail = () => done(undefined);
    const net = this.world.net;
    net.send(this.client.name, broker, () => {
      const a = handle(broker);
      net.send(broker, this.client.name, () => done(a), undefined, this.client.actorId);
    }, undefined, this.client.actorId);
    this.world.sim.after(this.spec.requestTimeout, () => done(undefined), undefined, this.kinds.timeout);
  }

  private retryLater(fn: () => void): void {
    const inc = this.incarnation;
    this.pending = -1;
    this.world.sim.after(this.spec.retryBackoff, () => {
      if (inc !== this.incarnation) return;
      this.pending = 0;
      fn();
    }, undefined, this.kinds.retry);
  }

  // ---------- InitProducerId ----------

  private init(): void {
    this.state = "initializing";
    this.call(
      (broker) => this.coord.initProducerId(this.transactionalId, broker, this.spec.transactionTimeout, this.client.actorId),
      (a) => {
        if (!a || a.error) return this.retryLater(() => this.init());
        this.producerId = a.producerId;
        this.epoch = a.epoch;
        this.sender.tm!.adopt(a.producerId, a.epoch);
        this.state = "ready";
        this.beginWithHeld();
      },
    );
  }

  // ---------- the transaction ----------

  private beginWithHeld(): void {
    if (this.state !== "ready" || this.held.length === 0) return;
    this.txn = this.coord.newTxnNumber();
    this.state = "in-txn";
    this.recordsInTxn = 0;
    this.outstanding = 0;
    this.failed = false;
    this.records = [];
    this.offsets.clear();
    this.added.clear();
    this.toAdd = [];
    this.abortThis = this.cfg.abortRatio > 0 && this.rng.bernoulli(this.cfg.abortRatio);
    this.world.history.record(Op.TxnBegin, this.now, -1, this.client.actorId, this.epoch, this.txn);
    const interval = this.manual ? undefined : this.cfg.interval ?? (this.cfg.records === undefined ? DEFAULT_TRANSACTION_INTERVAL_US : undefined);
    if (interval !== undefined) this.intervalTimer = this.world.sim.after(interval, this.intervalElapsed, this.txn, this.kinds.interval);
    const held = this.held;
    this.held = [];
    for (let i = 0; i < held.length; i++) {
      if (this.state !== "in-txn") {
        this.held.push(...held.slice(i));
        break;
      }
      this.accept(held[i]);
    }
    if (this.endRequested && this.state === "in-txn") {
      this.endRequested = false;
      this.beginEnd();
    }
  }

  private readonly intervalElapsed = (txn: number): void => {
    if (txn === this.txn && this.state === "in-txn") this.beginEnd();
  };

  private accept(r: Held): void {
    this.recordsInTxn++;
    this.outstanding++;
    this.records.push(r.msg);
    this.world.history.record(Op.TxnRecord, this.now, r.msg, this.client.actorId, r.p.partition, this.txn, this.epoch);
    if (!this.added.has(r.p) && !this.toAdd.includes(r.p)) {
      this.toAdd.push(r.p);
      this.sendAdd();
    }
    this.client.appendRecord(r.p, r.msg, r.bytes);
    if (!this.manual && this.cfg.records !== undefined && this.recordsInTxn >= this.cfg.records) this.beginEnd();
  }

  private sendAdd(): void {
    if (this.pending !== 0 || this.toAdd.length === 0) return;
    const parts = this.toAdd;
    this.toAdd = [];
    const { producerId, epoch, txn } = this;
    this.call(
      (broker) => ({ error: this.coord.addPartitions(this.transactionalId, broker, producerId, epoch, txn, parts, this.client.actorId) }),
      (a) => {
        if (a?.error === "PRODUCER_FENCED") return this.fence(FencedBy.AddPartitions);
        if (a === undefined || a.error !== undefined) {
          // Timed out or a retriable error (NOT_COORDINATOR, CONCURRENT_TRANSACTIONS): the partitions go back in front.
          this.toAdd = [...parts, ...this.toAdd];
          return this.retryLater(() => this.sendAdd());
        }
        for (const p of parts) this.added.add(p);
        this.sender.wake(this.now);
        this.sendAdd();
        this.maybeEnd();
      },
    );
  }

  private beginEnd(): void {
    this.state = "ending";
    this.world.sim.cancel(this.intervalTimer);
    this.maybeEnd();
  }

  /** EndTxn once every record of the transaction is settled and nothing else is asked of the coordinator. */
  private maybeEnd(): void {
    if (this.state !== "ending" || this.pending !== 0 || this.toAdd.length > 0 || this.outstanding > 0) return;
    if (this.pendingOffsets && !this.failed) return this.sendOffsets(this.pendingOffsets);
    const commit = !this.failed && !this.abortThis;
    const reason = this.staleGeneration ? TxnAbortReason.StaleGeneration : this.failed ? TxnAbortReason.SendFailed : TxnAbortReason.Application;
    const { producerId, epoch } = this;
    this.call(
      (broker) => ({ error: this.coord.endTxn(this.transactionalId, broker, producerId, epoch, commit, reason) }),
      (a) => {
        if (a?.error === "PRODUCER_FENCED") return this.fence(FencedBy.EndTxn);
        if (a === undefined || a.error !== undefined) return this.retryLater(() => this.maybeEnd());
        if (commit) this.acknowledge();
        this.ended(commit);
        // After an abortable error the producer bumps its epoch (KIP-360) before the next transaction.
        if (this.failed) {
          this.state = "uninitialized";
          if (this.held.length > 0) this.init();
          return;
        }
        this.state = "ready";
        this.beginWithHeld();
      },
    );
  }

  private staleGeneration = false;

  /** sendOffsetsToTransaction: the offsets commit with the transaction, if the group still knows this member's generation. */
  private sendOffsets(o: { valid: () => boolean; apply: () => void }): void {
    const { producerId, epoch } = this;
    this.call(
      (broker) => ({ error: this.coord.addOffsets(this.transactionalId, broker, producerId, epoch, o.valid, o.apply) }),
      (a) => {
        if (a?.error === "PRODUCER_FENCED") return this.fence(FencedBy.EndTxn);
        if (a?.error === "ILLEGAL_GENERATION") {
          // CommitFailedException: abortable; the transaction is aborted and the consumer rewinds.
          this.failed = true;
          this.staleGeneration = true;
          this.pendingOffsets = undefined;
          return this.maybeEnd();
        }
        if (a === undefined || a.error !== undefined) return this.retryLater(() => this.maybeEnd());
        this.pendingOffsets = undefined;
        this.maybeEnd();
      },
    );
  }

  /** commitTransaction() returned: every record of the transaction is acknowledged now. */
  private acknowledge(): void {
    const h = this.world.history;
    const now = this.now;
    for (const msg of this.records) {
      const o = this.offsets.get(msg);
      h.record(Op.Ack, now, msg, this.client.actorId, o?.partition ?? -1, o?.offset ?? -1, this.epoch);
      this.world.metrics.onAcknowledged();
    }
  }

  // ---------- Sender hooks ----------

  mayDrain(p: Partition): boolean {
    return (this.state === "in-txn" || this.state === "ending") && this.added.has(p);
  }

  onAcked(b: ProducerBatch, baseOffset: number): void {
    for (let k = 0; k < b.msgs.length; k++) this.offsets.set(b.msgs[k], { partition: b.partition.partition, offset: baseOffset < 0 ? -1 : baseOffset + k });
    this.outstanding -= b.msgs.length;
    this.maybeEnd();
  }

  onFinished(b: ProducerBatch, error: ProduceError | undefined): void {
    if (this.state === "fenced" || this.state === "dead") return;
    this.outstanding -= b.msgs.length;
    this.failed = true;
    if (error === "INVALID_PRODUCER_EPOCH") return this.fence(FencedBy.Produce);
    // An abortable error: the rest of the transaction is pointless; end it now.
    if (this.state === "in-txn") this.beginEnd();
    else this.maybeEnd();
  }

  // ---------- fencing and faults ----------

  private fence(by: FencedBy): void {
    if (this.state === "fenced") return;
    this.state = "fenced";
    this.world.history.record(Op.ProducerFenced, this.now, -1, this.client.actorId, this.epoch, this.producerId, by);
    this.world.sim.cancel(this.intervalTimer);
    const held = this.held;
    this.held = [];
    this.failHeld(held);
    this.client.fenced();
    this.ended(false);
  }

  private failHeld(list: Held[]): void {
    for (const r of list) this.world.history.record(Op.ProduceFail, this.now, r.msg, this.client.actorId, r.p.partition);
  }

  /** The producer process died: what it held is gone; a restart initialises again (bumping the epoch). */
  crash(): void {
    this.incarnation++;
    this.world.sim.cancel(this.intervalTimer);
    this.state = "dead";
    const held = this.held;
    this.held = [];
    this.failHeld(held);
    this.pending = 0;
  }

  /** A new process with the same transactional.id: InitProducerId again (which fences any other live instance). */
  restart(): void {
    this.incarnation++;
    this.state = "uninitialized";
    this.pending = 0;
  }

  get isFenced(): boolean {
    return this.state === "fenced";
  }
}
