// The transaction coordinator (semantics.md §1): per transactional.id, the producer id and epoch, the state
// of its current transaction and the partitions in it. It runs on the leader of the id's __transaction_state
// partition, placed like a group coordinator (CoordinatorHost: Java hashCode of the id mod 50, RF 3); when
// that broker dies it moves, and its state survives (the transaction log is replicated).
// - InitProducerId bumps the epoch, which fences every older instance of the id. A transaction the previous
//   instance left open is aborted first (epoch bumped into its markers) and the caller is told to retry
//   (CONCURRENT_TRANSACTIONS), as Kafka does; so the new instance ends two epochs up.
// - AddPartitionsToTxn opens the transaction (starting transaction.timeout.ms) and registers partitions.
// - EndTxn logs PREPARE_COMMIT/PREPARE_ABORT, answers, then writes a control marker into every partition of
//   the transaction (retrying until each partition's leader took it) and completes.
// - A transaction open longer than its timeout is aborted by the coordinator itself, with an epoch bump, so
//   the producer that left it is fenced. Deviation: Kafka scans for expired transactions every 10 s; here the
//   abort comes exactly at the deadline.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import { CoordinatorHost } from "../groups/coordinator-host.ts";
import type { Cluster } from "./cluster.ts";
import type { Partition } from "./partition.ts";

export const enum TxnAbortReason {
  /** The application called abortTransaction() (or asked for it in the workload). */
  Application = 1,
  /** transaction.timeout.ms ran out at the coordinator. */
  Timeout = 2,
  /** A new instance of the transactional.id called InitProducerId while the transaction was open. */
  NewInstance = 3,
  /** A send in the transaction failed, so the producer aborted it (an abortable error). */
  SendFailed = 4,
  /** sendOffsetsToTransaction was refused: the consumer's group generation moved on (a zombie after a rebalance). */
  StaleGeneration = 5,
}

export type TxnError = "NOT_COORDINATOR" | "CONCURRENT_TRANSACTIONS" | "PRODUCER_FENCED" | "ILLEGAL_GENERATION";

type TxnState = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

interface TxnMeta {
  readonly transactionalId: string;
  readonly host: CoordinatorHost;
  producerId: number;
  epoch: number;
  state: TxnState;
  partitions: Partition[];
  txn: number;
  producerActor: number;
  timeoutUs: number;
  timer: number;
  /** Partitions still waiting for this transaction's marker, and the marker message per partition. */
  markersLeft: Map<Partition, number>;
  /** Marker offsets already appended (a retried WriteTxnMarkers is answered, not appended twice). */
  markersWritten: Map<Partition, number>;
  markerEpoch: number;
  /** Offset commits riding on the transaction (sendOffsetsToTransaction), applied when it commits. */
  offsets: { apply: () => void }[];
}

export interface InitAnswer {
  error?: TxnError;
  producerId: number;
  epoch: number;
}

const MARKER_RETRY_US = 100_000;
const coordinators = new WeakMap<Cluster, TransactionCoordinator>();

export class TransactionCoordinator {
  private readonly metas = new Map<string, TxnMeta>();
  private nextTxn = 1;
  private readonly kinds: { timeout: number; marker: number };
  private readonly markerKey: number;

  /** The run's coordinator: one logical coordinator whose per-id state lives where CoordinatorHost places it. */
  static of(world: World, cluster: Cluster): TransactionCoordinator {
    let c = coordinators.get(cluster);
    if (!c) coordinators.set(cluster, (c = new TransactionCoordinator(world, cluster)));
    return c;
  }

  private constructor(
    private readonly world: World,
    private readonly cluster: Cluster,
  ) {
    this.kinds = { timeout: world.sim.registerKind("txn.timeout"), marker: world.sim.registerKind("txn.marker-retry") };
    this.markerKey = world.history.key("");
  }

  /** A run-wide transaction number, taken by the producer when it begins a transaction (it names the transaction in the history). */
  newTxnNumber(): number {
    return this.nextTxn++;
  }

  private meta(transactionalId: string): TxnMeta {
    let m = this.metas.get(transactionalId);
    if (!m) {
      m = {
        transactionalId,
        host: new CoordinatorHost(transactionalId, this.cluster),
        producerId: -1,
        epoch: -1,
        state: "Empty",
        partitions: [],
        txn: 0,
        producerActor: -1,
        timeoutUs: 0,
        timer: 0,
        markersLeft: new Map(),
        markersWritten: new Map(),
        markerEpoch: 0,
        offsets: [],
      };
      this.metas.set(transactionalId, m);
    }
    return m;
  }

  /** The broker a client sends this id's requests to ("" when no replica of its log partition is alive). */
  coordinatorName(transactionalId: string): string {
    const m = this.meta(transactionalId);
    m.host.moved();
    return m.host.available ? m.host.name : "";
  }

  /** True when `broker` is where the id's coordinator runs now (else the client gets NOT_COORDINATOR). */
  private serves(m: TxnMeta, broker: string): boolean {
    m.host.moved();
    return m.host.available && m.host.name === broker;
  }

  initProducerId(transactionalId: string, broker: string, timeoutUs: number, producerActor: number): InitAnswer {
    const m = this.meta(transactionalId);
    if (!this.serves(m, broker)) return { error: "NOT_COORDINATOR", producerId: -1, epoch: -1 };
    if (m.state === "Ongoing") {
      // The previous instance's transaction: abort it under a bumped epoch (fencing that instance), then retry.
      this.abort(m, TxnAbortReason.NewInstance, true);
      return { error: "CONCURRENT_TRANSACTIONS", producerId: -1, epoch: -1 };
    }
    if (m.state === "PrepareCommit" || m.state === "PrepareAbort") return { error: "CONCURRENT_TRANSACTIONS", producerId: -1, epoch: -1 };
    if (m.producerId < 0 || m.epoch >= 32766) {
      m.producerId = this.cluster.nextProducerId();
      m.epoch = 0;
    } else m.epoch++;
    m.timeoutUs = timeoutUs;
    m.producerActor = producerActor;
    this.world.history.record(Op.TxnInitProducerId, this.world.sim.nowUs, -1, producerActor, m.epoch, m.producerId, m.host.id);
    return { producerId: m.producerId, epoch: m.epoch };
  }

  addPartitions(transactionalId: string, broker: string, producerId: number, epoch: number, txn: number, parts: Partition[], producerActor: number): TxnError | undefined {
    const m = this.meta(transactionalId);
    if (!this.serves(m, broker)) return "NOT_COORDINATOR";
    if (producerId !== m.producerId || epoch < m.epoch) return "PRODUCER_FENCED";
    if (m.state === "PrepareCommit" || m.state === "PrepareAbort") return "CONCURRENT_TRANSACTIONS";
    const now = this.world.sim.nowUs;
    if (m.state !== "Ongoing") {
      m.state = "Ongoing";
      m.partitions = [];
      m.offsets = [];
      m.txn = txn;
      m.producerActor = producerActor;
      // transaction.timeout.ms starts when the first partition is added.
      m.timer = this.world.sim.after(m.timeoutUs, this.expire, m, this.kinds.timeout);
    }
    for (const p of parts) {
      if (m.partitions.includes(p)) continue;
      m.partitions.push(p);
      this.world.history.record(Op.TxnAddPartition, now, -1, producerActor, p.partition, m.txn, p.topicActor);
    }
    return undefined;
  }

  /**
   * sendOffsetsToTransaction (AddOffsetsToTxn + TxnOffsetCommit): `valid` is the group coordinator's check of the
   * member id and generation (exactly_once_v2 fences zombies this way); `apply` runs when the transaction commits.
   */
  addOffsets(transactionalId: string, broker: string, producerId: number, epoch: number, valid: () => boolean, apply: () => void): TxnError | undefined {
    const m = this.meta(transactionalId);
    if (!this.serves(m, broker)) return "NOT_COORDINATOR";
    if (producerId !== m.producerId || epoch < m.epoch) return "PRODUCER_FENCED";
    if (m.state !== "Ongoing") return "CONCURRENT_TRANSACTIONS";
    if (!valid()) return "ILLEGAL_GENERATION";
    m.offsets.push({ apply });
    return undefined;
  }

  endTxn(transactionalId: string, broker: string, producerId: number, epoch: number, commit: boolean, reason: TxnAbortReason): TxnError | undefined {
    const m = this.meta(transactionalId);
    if (!this.serves(m, broker)) return "NOT_COORDINATOR";
    if (producerId !== m.producerId || epoch < m.epoch) return "PRODUCER_FENCED";
    if (m.state === "Ongoing") {
      if (commit) this.commit(m);
      else this.abort(m, reason, false);
      return undefined;
    }
    // A retried EndTxn whose first attempt took effect, or an abort of nothing: done.
    if ((commit && (m.state === "PrepareCommit" || m.state === "CompleteCommit")) || (!commit && m.state !== "PrepareCommit" && m.state !== "CompleteCommit")) return undefined;
    return "CONCURRENT_TRANSACTIONS";
  }

  private readonly expire = (m: TxnMeta): void => {
    if (m.state !== "Ongoing") return;
    this.abort(m, TxnAbortReason.Timeout, true);
  };

  private commit(m: TxnMeta): void {
    this.world.sim.cancel(m.timer);
    m.state = "PrepareCommit";
    this.world.history.record(Op.TxnCommit, this.world.sim.nowUs, -1, m.producerActor, m.epoch, m.txn);
    for (const o of m.offsets) o.apply();
    m.offsets = [];
    this.writeMarkers(m, m.epoch);
  }

  /** `fence`: bump the epoch into the markers, so the instance that owned the transaction can no longer write. */
  private abort(m: TxnMeta, reason: TxnAbortReason, fence: boolean): void {
    this.world.sim.cancel(m.timer);
    if (fence) m.epoch++;
    m.state = "PrepareAbort";
    m.offsets = [];
    this.world.history.record(Op.TxnAbort, this.world.sim.nowUs, -1, m.producerActor, m.epoch, m.txn, reason);
    this.writeMarkers(m, m.epoch);
  }

  private writeMarkers(m: TxnMeta, epoch: number): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    m.markerEpoch = epoch;
    m.markersLeft = new Map(m.partitions.map((p) => [p, h.newMessage(p.topicActor, this.markerKey, p.topicActor, now)]));
    m.markersWritten = new Map();
    this.sendMarkers(m);
  }

  /** WriteTxnMarkers to every partition still missing the marker; retried until each leader took it. */
  private readonly sendMarkers = (m: TxnMeta): void => {
    if (m.markersLeft.size === 0) return this.complete(m);
    const commit = m.state === "PrepareCommit";
    const txn = m.txn;
    const from = this.coordinatorName(m.transactionalId);
    if (from !== "") {
      for (const [p, markerMsg] of m.markersLeft) {
        const leader = this.cluster.leaderFor(from, p);
        if (!leader || !leader.alive) continue;
        this.world.net.send(from, leader.name, () => {
          if (m.txn !== txn || !m.markersLeft.has(p)) return;
          let offset = m.markersWritten.get(p) ?? -1;
          if (offset < 0) {
            offset = leader.writeTxnMarker(p, markerMsg, m.producerId, m.markerEpoch, commit);
            if (offset < 0) return;
            m.markersWritten.set(p, offset);
            this.world.history.record(Op.TxnMarker, this.world.sim.nowUs, markerMsg, p.topicActor, p.partition, offset, txn * 2 + (commit ? 1 : 0));
          }
          this.world.net.send(leader.name, from, () => this.markerWritten(m, txn, p), undefined);
        }, undefined);
      }
    }
    this.world.sim.after(MARKER_RETRY_US, this.retryMarkers, { m, txn }, this.kinds.marker);
  };

  private readonly retryMarkers = (a: { m: TxnMeta; txn: number }): void => {
    if (a.m.txn === a.txn && (a.m.state === "PrepareCommit" || a.m.state === "PrepareAbort") && a.m.markersLeft.size > 0) this.sendMarkers(a.m);
  };

  private markerWritten(m: TxnMeta, txn: number, p: Partition): void {
    if (m.txn !== txn || !m.markersLeft.has(p)) return;
    m.markersLeft.delete(p);
    if (m.markersLeft.size === 0) this.complete(m);
  }

  private complete(m: TxnMeta): void {
    if (m.state === "PrepareCommit") m.state = "CompleteCommit";
    else if (m.state === "PrepareAbort") m.state = "CompleteAbort";
  }
}
