// A Kafka broker: hosts partition replicas, answers produce requests as partition leader (acks 0/1/all,
// min.insync.replicas, idempotent sequence checks), serves follower fetches (long-polling up to
// replica.fetch.wait.max), fetches as follower, heartbeats to the controller, and proposes ISR changes.
// It is a fault target: crash (volatile state gone, optionally unflushed log tail too), restart, pause.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import type { Partition } from "./partition.ts";
import { Replica, type ProduceError } from "./replica.ts";
import { ReplicaFetcher, ANSWER_ERROR, NO_TRUNCATION, type FetchRequest, type FetchResponse } from "./replica-fetcher.ts";
import type { LogChunk } from "./partition-log.ts";
import type { Cluster } from "./cluster.ts";
import { LogRetentionTask } from "./log-retention.ts";

export { Cluster, Topic } from "./cluster.ts";

/** One producer batch inside a produce request. */
export interface ProduceBatch {
  partition: Partition;
  msgs: number[];
  /** -1 without idempotence. */
  producerId: number;
  /** The producer epoch (0 without idempotence). */
  producerEpoch: number;
  baseSequence: number;
  /** Written inside a transaction (opens the producer's transaction on the partition). */
  transactional?: boolean;
}

export interface ProduceRequest {
  client: string;
  acks: 0 | 1 | -1;
  timeoutUs: number;
  batches: ProduceBatch[];
  /** Runs at the client when the answer arrives (never for acks=0). */
  onResponse: (r: ProduceResponse) => void;
}

export interface BatchResult {
  error: ProduceError | undefined;
  baseOffset: number;
  /** The broker recognised the batch as a duplicate of one it had (idempotence) and did not append it. */
  duplicate: boolean;
}

export interface ProduceResponse {
  request: ProduceRequest;
  results: BatchResult[];
}

interface ParkedFetch {
  req: FetchRequest;
  timer: number;
}

/** Leader-side partition metadata update, sent by the controller. */
export interface PartitionState {
  partition: Partition;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
}

export class Broker implements FaultTarget {
  readonly name: string;
  readonly kind = "broker" as const;
  readonly actorId: number;
  alive = true;
  /** Bumped on every restart; the controller sees a new incarnation as a re-registration. */
  incarnation = 0;
  /** This broker's replicas by partition. */
  readonly replicas = new Map<Partition, Replica>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly parked = new Map<ReplicaFetcher, ParkedFetch>();
  private lastAppendUs = 0;
  private heartbeatTimer = 0;
  private housekeepingTimer = 0;
  private readonly kinds: { append: number; park: number; heartbeat: number; housekeeping: number };
  private readonly retention: LogRetentionTask;

  constructor(
    readonly id: number,
    readonly cluster: Cluster,
    private readonly world: World,
  ) {
    this.name = `broker-${id}`;
    this.actorId = world.history.actor(this.name, "broker");
    const sim = world.sim;
    this.kinds = {
      append: sim.registerKind("broker.append"),
      park: sim.registerKind("broker.fetch-wait"),
      heartbeat: sim.registerKind("broker.heartbeat"),
      housekeeping: sim.registerKind("broker.housekeeping"),
    };
    this.retention = new LogRetentionTask(world, this.actorId, this.replicas, () => this.alive);
  }

  addReplica(p: Partition): Replica {
    const r = new Replica(this.id, p);
    this.replicas.set(p, r);
    return r;
  }

  start(): void {
    this.scheduleHeartbeat();
    this.scheduleHousekeeping();
    this.retention.start();
  }

  // ---- produce ----

  /** handleProduce as a network handler made once (a bound copy per request was garbage). */
  readonly onProduceRequest = (req: ProduceRequest): void => this.handleProduce(req);

  /** A produce request reached this broker; appends run one request at a time, each taking appendTime. */
  handleProduce(req: ProduceRequest): void {
    const ready = this.world.sim.nowUs + Math.max(0, Math.round(this.cluster.appendSample()));
    const at = Math.max(ready, this.lastAppendUs);
    this.lastAppendUs = at;
    this.world.sim.at(at, this.doAppend, req, this.kinds.append, this.id);
  }

  private readonly doAppend = (req: ProduceRequest): void => {
    if (!this.alive) return;
    const sim = this.world.sim;
    const h = this.world.history;
    const now = sim.nowUs;
    const results: BatchResult[] = new Array(req.batches.length);
    let waiting = 0;
    const finish = (): void => {
      if (req.acks !== 0) this.world.net.send(this.name, req.client, req.onResponse, { request: req, results }, this.id);
    };
    req.batches.forEach((b, i) => {
      const r = this.replicas.get(b.partition);
      if (!r || !r.isLeader) {
        results[i] = { error: "NOT_LEADER_OR_FOLLOWER", baseOffset: -1, duplicate: false };
        return;
      }
      if (req.acks === -1 && r.isr.length < b.partition.minInsyncReplicas) {
        results[i] = { error: "NOT_ENOUGH_REPLICAS", baseOffset: -1, duplicate: false };
        return;
      }
      let base: number;
      let duplicate = false;
      if (b.producerId >= 0) {
        const c = r.producers.check(b.producerId, b.baseSequence, b.msgs.length, b.producerEpoch);
        if (c.kind === "out-of-order" || c.kind === "invalid-epoch") {
          results[i] = { error: c.kind === "out-of-order" ? "OUT_OF_ORDER_SEQUENCE" : "INVALID_PRODUCER_EPOCH", baseOffset: -1, duplicate: false };
          return;
        }
        if (c.kind === "duplicate") {
          base = c.firstOffset;
          duplicate = true;
          for (let k = 0; k < b.msgs.length; k++) h.record(Op.DuplicateSuppressed, now, b.msgs[k], b.partition.topicActor, b.partition.partition, base + k);
        }
      }
      if (!duplicate) {
        // The transaction is open from this offset before the append can move the high watermark: that wakes parked
        // read_committed fetches at once, and they must already see the LSO held at the transaction's first offset.
        if (b.transactional) b.partition.txn.onTransactionalAppend(b.producerId, r.log.logEndOffset);
        base = r.appendAsLeader(b.msgs, b.producerId, b.baseSequence, b.producerEpoch);
        for (let k = 0; k < b.msgs.length; k++) h.record(Op.Append, now, b.msgs[k], b.partition.topicActor, b.partition.partition, base + k, r.leaderEpoch);
        this.wakeParkedFetches(b.partition);
      }
      const baseOffset = base!;
      const required = baseOffset + b.msgs.length;
      if (req.acks !== -1 || r.log.highWatermark >= required) {
        const short = req.acks === -1 && r.isr.length < b.partition.minInsyncReplicas;
        results[i] = { error: short ? "NOT_ENOUGH_REPLICAS_AFTER_APPEND" : undefined, baseOffset, duplicate };
        return;
      }
      waiting++;
      r.park({
        requiredOffset: required,
        baseOffset,
        deadlineUs: now + req.timeoutUs,
        complete: (error, off) => {
          results[i] = { error, baseOffset: off, duplicate };
          if (--waiting === 0) finish();
        },
      });
    });
    if (waiting === 0) finish();
  };

  /**
   * WriteTxnMarkers from a transaction coordinator: appends the COMMIT/ABORT marker as leader. Returns its offset,
   * or -1 when this broker cannot (not alive, not the leader): the coordinator retries.
   */
  writeTxnMarker(p: Partition, markerMsg: number, producerId: number, producerEpoch: number, commit: boolean): number {
    const r = this.replicas.get(p);
    if (!this.alive || !r || !r.isLeader) return -1;
    const offset = r.appendControlAsLeader(markerMsg, producerId, producerEpoch);
    p.txn.onMarker(producerId, offset, commit);
    this.wakeParkedFetches(p);
    return offset;
  }

  // ---- replication: leader side ----

  /** handleFetch as a network handler made once (a bound copy per fetch was garbage). */
  readonly onFetchRequest = (req: FetchRequest): void => this.handleFetch(req);

  /** A follower's fetch; answered at once when there is data, else parked until an append or the wait runs out. */
  handleFetch(req: FetchRequest): void {
    if (!this.alive) return;
    const answer = this.answerFetch(req, false);
    if (answer) {
      this.world.net.send(this.name, req.followerName, req.fetcher.onResponse, answer, req.follower);
      return;
    }
    const prev = this.parked.get(req.fetcher);
    if (prev) this.world.sim.cancel(prev.timer);
    const timer = this.world.sim.after(this.cluster.config.replicaFetchWaitMaxUs, this.fetchWaitExpired, req, this.kinds.park, req.follower);
    this.parked.set(req.fetcher, { req, timer });
  }

  private readonly fetchWaitExpired = (req: FetchRequest): void => {
    const p = this.parked.get(req.fetcher);
    if (!p || p.req !== req) return;
    this.parked.delete(req.fetcher);
    if (!this.alive) return;
    this.world.net.send(this.name, req.followerName, req.fetcher.onResponse, this.answerFetch(req, true)!, req.follower);
  };

  private wakeParkedFetches(p: Partition): void {
    if (this.parked.size === 0) return;
    for (const [fetcher, pf] of [...this.parked]) {
      if (!p.replicas.includes(pf.req.follower)) continue;
      this.parked.delete(fetcher);
      this.world.sim.cancel(pf.timer);
      this.world.net.send(this.name, pf.req.followerName, fetcher.onResponse, this.answerFetch(pf.req, true)!, pf.req.follower);
    }
  }

  /** Builds the answer; undefined when there is nothing to say yet and `force` is false (the fetch waits). */
  private answerFetch(req: FetchRequest, force: boolean): FetchResponse | undefined {
    const now = this.world.sim.nowUs;
    const n = req.replicas.length;
    const hws: number[] = [];
    const truncateTo: number[] = [];
    const chunks: (LogChunk | undefined)[] = [];
    let anything = false;
    for (let i = 0; i < n; i++) {
      const replica = req.replicas[i];
      const leaderEpoch = req.leaderEpochs[i];
      const fetchOffset = req.fetchOffsets[i];
      const lr = this.replicas.get(replica.partition);
      if (!lr || !lr.isLeader || lr.leaderEpoch !== leaderEpoch) {
        hws.push(ANSWER_ERROR);
        truncateTo.push(NO_TRUNCATION);
        chunks.push(undefined);
        anything = true;
        continue;
      }
      if (req.truncate[i] || fetchOffset > lr.log.logEndOffset) {
        // OffsetsForLeaderEpoch: where the follower's log stops matching ours.
        const d = Math.min(replica.log.divergenceFrom(lr.log), fetchOffset);
        hws.push(lr.log.highWatermark);
        truncateTo.push(d);
        chunks.push(undefined);
        anything = true;
        continue;
      }
      const rejoin = lr.onFollowerFetch(req.follower, fetchOffset, now);
      if (rejoin) this.proposeIsr(lr, [...lr.isr, req.follower]);
      const chunk = lr.log.chunk(fetchOffset, this.cluster.config.replicaFetchMaxRecords);
      if (chunk) anything = true;
      hws.push(lr.log.highWatermark);
      truncateTo.push(NO_TRUNCATION);
      chunks.push(chunk);
    }
    return anything || force ? { fetcher: req.fetcher, seq: req.seq, replicas: req.replicas, leaderEpochs: req.leaderEpochs, hw: hws, truncateTo, chunks } : undefined;
  }

  /** Sends an AlterPartition to the controller; it decides and pushes the result back. */
  proposeIsr(r: Replica, isr: number[]): void {
    if (r.alterPending) return;
    r.alterPending = true;
    this.cluster.controller.requestAlterPartition(this, r, isr);
  }

  // ---- replication: follower side ----

  /** Adopts a metadata update from the controller. */
  applyState(s: PartitionState): void {
    if (!this.alive) return;
    const r = this.replicas.get(s.partition);
    if (!r) return;
    const prevLeader = r.leaderId;
    const change = r.applyState(s.leader, s.leaderEpoch, s.isr, s.partitionEpoch, this.world.sim.nowUs);
    if (change === "stale") return;
    if (prevLeader !== s.leader && prevLeader >= 0) this.fetchers.get(prevLeader)?.remove(r);
    if (change === "follower" && s.leader >= 0) this.fetcherFor(s.leader).add(r);
  }

  private fetcherFor(leader: number): ReplicaFetcher {
    let f = this.fetchers.get(leader);
    if (!f) this.fetchers.set(leader, (f = new ReplicaFetcher(this, leader, this.world)));
    return f;
  }

  /** Another broker died: fetches in flight to it fail now (the connection reset), so retry after the backoff. */
  readonly onPeerCrash = (peer: number): void => {
    this.fetchers.get(peer)?.connectionLost();
  };

  // ---- liveness and housekeeping ----

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.world.sim.after(this.cluster.config.brokerHeartbeatIntervalUs, this.heartbeat, undefined, this.kinds.heartbeat, this.id);
  }

  private readonly heartbeat = (): void => {
    if (!this.alive) return;
    this.world.net.send(this.name, "controller", this.cluster.controller.onHeartbeat, { broker: this, incarnation: this.incarnation }, this.id);
    this.scheduleHeartbeat();
  };

  private scheduleHousekeeping(): void {
    const c = this.cluster.config;
    this.housekeepingTimer = this.world.sim.after(c.housekeepingIntervalUs, this.housekeeping, undefined, this.kinds.housekeeping, this.id);
  }

  /** ISR shrink check (every replica.lag.time.max / 2 in Kafka), page-cache flush, purgatory expiry. */
  private readonly housekeeping = (): void => {
    if (!this.alive) return;
    const now = this.world.sim.nowUs;
    const c = this.cluster.config;
    const flush = now - this.lastFlushUs >= c.flushIntervalUs;
    if (flush) this.lastFlushUs = now;
    for (const r of this.replicas.values()) {
      if (flush) r.log.flushedOffset = r.log.logEndOffset;
      if (!r.isLeader) continue;
      r.expireDelayed(now);
      if (now - this.lastIsrCheckUs >= c.replicaLagTimeMaxUs / 2) {
        const lagging = r.laggingFollowers(now, c.replicaLagTimeMaxUs);
        if (lagging.length > 0) this.proposeIsr(r, r.isr.filter((b) => !lagging.includes(b)));
      }
    }
    if (now - this.lastIsrCheckUs >= c.replicaLagTimeMaxUs / 2) this.lastIsrCheckUs = now;
    this.scheduleHousekeeping();
  };
  private lastFlushUs = 0;
  private lastIsrCheckUs = 0;

  // ---- fault target ----

  crash(opts: { loseUnflushed: boolean }): void {
    if (!this.alive) return;
    // Peers hear of it first: the connection reset travels each link behind what was already sent on it.
    this.cluster.brokerCrashed(this);
    this.alive = false;
    const sim = this.world.sim;
    sim.cancel(this.heartbeatTimer);
    sim.cancel(this.housekeepingTimer);
    this.retention.stop();
    for (const pf of this.parked.values()) sim.cancel(pf.timer);
    this.parked.clear();
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
    this.world.net.setDown(this.name);
    for (const r of this.replicas.values()) {
      const removed = r.crash(opts.loseUnflushed);
      if (removed > 0) {
        this.world.history.record(Op.Truncate, sim.nowUs, removed, this.actorId, r.partition.partition, r.log.logEndOffset, r.partition.topicActor);
      }
    }
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.incarnation++;
    this.lastAppendUs = 0;
    this.world.net.setUp(this.name);
    // Registration: the first heartbeat goes out at once; the controller unfences us and sends our partitions.
    this.world.net.send(this.name, "controller", this.cluster.controller.onHeartbeat, { broker: this, incarnation: this.incarnation }, this.id);
    this.start();
    this.cluster.brokerRestarted(this);
  }

  pause(durationUs: number): void {
    this.world.net.pause(this.name, this.world.sim.nowUs + durationUs);
  }

  /** Errors during a produce to a dead leader are the client's business; the broker keeps nothing. */
  failPending(error: ProduceError): void {
    for (const r of this.replicas.values()) r.failDelayed(error);
  }
}
