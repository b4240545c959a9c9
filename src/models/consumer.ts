// One Kafka consumer in a group (classic protocol here; the consumer protocol's membership is in consumer-reconcile.ts): a user thread running the poll loop and a
// background heartbeat thread. Rebalance work (JoinGroup/SyncGroup responses, revocation, assignment) is
// handled inside poll(), as KafkaConsumer does, so a member busy processing a batch joins late and a member
// that does not poll within max.poll.interval is sent out of the group by its own heartbeat thread.
// Positions (next offset poll returns) are client state; committed offsets live at the coordinator.
// It is a fault target: crash (process gone), restart (rejoins; static members reuse group.instance.id),
// pause (a long GC pause: nothing runs, no heartbeats, no polls).
import { makeSampler } from "../kernel/distributions.ts";
import { Op } from "../history/history.ts";
import type { FaultTarget } from "../faults/targets.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import { commitMsgFor, LeaveReason, type CommitOffset, type GroupClient, type GroupError } from "./group-coordinator.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { Rng } from "../kernel/rng.ts";
import { ConsumerProcess } from "./consumer-process.ts";
import { serveFetch } from "./consumer-fetch.ts";
import { ClientMetadata } from "./client-metadata.ts";
import { ConsumerProtocolMember } from "./consumer-reconcile.ts";

interface FetchedRecord {
  tp: TopicPartition;
  offset: number;
  msg: number;
}

type Phase = "idle" | "joining" | "syncing" | "stable" | "down";

export class ConsumerMember extends ConsumerProcess implements FaultTarget, GroupClient {
  readonly kind = "consumer" as const;
  readonly instanceId: string | undefined;
  phase: Phase = "idle";
  memberId = "";
  generation = -1;
  private rejoinNeeded = true;
  owned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  /** Next offset to commit per partition: lastProcessed + 1. */
  private readonly processed = new Map<string, CommitOffset>();
  private queue: FetchedRecord[] = [];
  private working = false;
  private inPoll = false;
  private lastPollUs = 0;
  private pollExpired = false;
  private nextAutoCommitUs = 0;
  private pending: (() => void)[] = [];
  private awaitingCommit: (() => void) | undefined;
  private closeRequested = false;
  private idleTimer = 0;
  /** The fetch in flight (0: none); a response or timeout for another number is stale. */
  private fetchSeq = 0;
  private fetchInFlight = 0;
  private readonly processSample: () => number;
  private readonly heartbeatRng: Rng;
  private nextPartition = 0;
  private readonly k: { process: number; fetch: number };
  /** Set in `protocol: consumer` groups: membership runs through ConsumerGroupHeartbeat instead of Join/Sync. */
  readonly kip848: ConsumerProtocolMember | undefined;

  constructor(
    private readonly group: ConsumerGroup,
    readonly name: string,
    readonly topics: string[],
    rng: Rng,
  ) {
    const w = group.world;
    super(w.sim, w.history.actor(name, "consumer"));
    this.instanceId = group.spec.staticMembership ? name : undefined;
    this.processSample = makeSampler(group.spec.processing.time, rng.fork("processing"));
    this.heartbeatRng = rng.fork("heartbeat");
    this.k = {
      process: w.sim.registerKind("consumer.process-end"),
      fetch: w.sim.registerKind("consumer.fetch-timeout"),
    };
    this.kip848 = group.consumerProtocol ? new ConsumerProtocolMember(this, group, rng.fork("kip848")) : undefined;
    this.metadata = new ClientMetadata(w, this.actorId, topics, group.clusterCounts, group.spec.metadataMaxAge, (t, count) => group.metadataChanged(this, t, count), (d, fn) => this.schedule(d, fn));
  }

  /** The topics' partition counts as this client last refreshed them (metadata.max.age). */
  private readonly metadata: ClientMetadata;

  /** The group leader's metadata changed (partitions added): it rejoins at its next poll so they get assigned. */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    if (this.inPoll) this.poll();
  }

  /** For consumer-reconcile.ts: a timer of this process (dropped by a crash, held by a pause). */
  schedule(delayUs: number, fn: () => void): number {
    return this.after(delayUs, fn, undefined);
  }

  /** For consumer-reconcile.ts: a network answer handler of this process. */
  wrap<T>(fn: (r: T) => void): (r: T) => void {
    return this.deliver(fn);
  }

  private get h() {
    return this.group.world.history;
  }
  private get spec() {
    return this.group.spec;
  }

  private toCoordinator<T>(handler: (r: T) => void, req: T): boolean {
    const c = this.group.coordinator;
    if (!c.available) return false;
    this.group.world.net.send(this.name, c.hostName, handler, req, this.actorId);
    return true;
  }

  // ---------- lifecycle ----------

  /** Starts the threads; `bootstrapped` members already hold generation 1's assignment. */
  start(bootstrap?: { memberId: string; generation: number; assignment: TopicPartition[] }): void {
    this.lastPollUs = this.sim.nowUs;
    this.nextAutoCommitUs = this.sim.nowUs + this.spec.commit.interval;
    this.metadata.start();
    if (this.kip848) {
      this.rejoinNeeded = false;
      this.kip848.start(bootstrap && { memberId: bootstrap.memberId, epoch: bootstrap.generation, assignment: bootstrap.assignment });
      return this.poll();
    }
    // Members joined at different moments, so their heartbeat threads are not in step.
    this.after(Math.round(this.heartbeatRng.uniform(0, this.spec.heartbeatInterval)), this.heartbeatTick, undefined);
    if (bootstrap) {
      this.memberId = bootstrap.memberId;
      this.generation = bootstrap.generation;
      this.phase = "stable";
      this.rejoinNeeded = false;
      this.addPartitions(bootstrap.assignment);
    }
    this.poll();
  }

  crash(): void {
    if (!this.alive) return;
    const now = this.sim.nowUs;
    this.h.record(Op.ConsumerCrashed, now, -1, this.actorId, -1, this.generation, this.group.actorId);
    this.group.noteFault(`crash ${this.name}`);
    this.loseAll();
    this.alive = false;
    this.incarnation++;
    this.phase = "down";
    this.fetchInFlight = 0;
    this.idleTimer = 0;
    this.group.world.net.setDown(this.name);
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.incarnation++;
    this.group.world.net.setUp(this.name);
    this.h.record(Op.ConsumerRestarted, this.sim.nowUs, -1, this.actorId, -1, -1, this.group.actorId);
    this.group.noteFault(`restart ${this.name}`);
    this.reset();
    this.start();
  }

  pause(durationUs: number): void {
    if (!this.alive) return;
    const until = this.sim.nowUs + durationUs;
    this.pausedUntilUs = Math.max(this.pausedUntilUs, until);
    this.group.world.net.pause(this.name, until);
    this.h.record(Op.ConsumerPaused, this.sim.nowUs, -1, this.actorId, -1, durationUs, this.group.actorId);
    this.group.noteFault(`pause ${this.name}`);
  }

  /** Scale-in: close at the next poll (commit, then LeaveGroup; static members just stop). */
  close(): void {
    this.closeRequested = true;
    if (this.inPoll) this.poll();
  }

  private reset(): void {
    this.phase = "idle";
    this.memberId = "";
    this.generation = -1;
    this.rejoinNeeded = true;
    this.owned = [];
    this.positions.clear();
    this.processed.clear();
    this.queue = [];
    this.working = false;
    this.inPoll = false;
    this.pending = [];
    this.awaitingCommit = undefined;
    this.pollExpired = false;
    this.fetchInFlight = 0;
    this.idleTimer = 0;
  }

  // ---------- partitions ----------

  addPartitions(tps: TopicPartition[]): void {
    const now = this.sim.nowUs;
    for (const tp of tps) {
      if (this.owned.some((o) => tpKey(o) === tpKey(tp))) continue;
      this.owned.push(tp);
      const topicActor = this.h.actorId(tp.topic) ?? -1;
      this.h.record(Op.PartitionAssigned, now, commitMsgFor(topicActor), this.actorId, tp.partition, this.generation, this.group.actorId);
      this.group.ownerChanged(tp, this);
      const committed = this.group.coordinator.committed.get(tpKey(tp));
      if (committed !== undefined) {
        this.positions.set(tpKey(tp), committed);
        this.h.record(Op.FetchPosition, now, commitMsgFor(topicActor), this.actorId, tp.partition, committed, this.group.actorId);
      } else this.resetPosition(tp);
    }
  }

  /** auto.offset.reset: no committed offset, or the position (`outOfRange`) fell off the log. */
  private resetPosition(tp: TopicPartition, outOfRange?: number): boolean {
    const topicActor = this.h.actorId(tp.topic) ?? -1;
    const now = this.sim.nowUs;
    const policy = this.spec.autoOffsetReset;
    if (outOfRange !== undefined) this.h.record(Op.OffsetOutOfRange, now, commitMsgFor(topicActor), this.actorId, tp.partition, outOfRange, this.group.actorId);
    if (policy === "none") {
      this.h.record(Op.OffsetResetFailed, now, commitMsgFor(topicActor), this.actorId, tp.partition, outOfRange ?? -1, this.group.actorId);
      // NoOffsetForPartitionException escapes poll(): the application stops.
      this.crash();
      return false;
    }
    const p = this.group.partition(tp);
    // ListOffsets: latest = the high watermark, earliest = the log start offset (past what retention deleted).
    const position = policy === "latest" ? p.highWatermark : p.log.logStartOffset;
    this.positions.set(tpKey(tp), position);
    this.h.record(Op.OffsetReset, now, commitMsgFor(topicActor), this.actorId, tp.partition, position, this.group.actorId);
    return true;
  }

  removePartitions(tps: TopicPartition[], op: Op.PartitionRevoked | Op.PartitionLost): void {
    const now = this.sim.nowUs;
    const gone = new Set(tps.map(tpKey));
    for (const tp of tps) {
      this.h.record(op, now, commitMsgFor(this.h.actorId(tp.topic) ?? -1), this.actorId, tp.partition, this.generation, this.group.actorId);
      this.group.ownerChanged(tp, undefined, this);
      this.positions.delete(tpKey(tp));
      this.processed.delete(tpKey(tp));
    }
    this.owned = this.owned.filter((tp) => !gone.has(tpKey(tp)));
  }

  loseAll(): void {
    if (this.owned.length > 0) this.removePartitions([...this.owned], Op.PartitionLost);
    this.queue = [];
  }

  // ---------- heartbeat thread ----------

  private heartbeatTick(): void {
    this.after(this.spec.heartbeatInterval, this.heartbeatTick, undefined);
    if (this.pollTimerExpired() || this.phase !== "stable" || this.memberId === "") return;
    this.toCoordinator(this.group.classic.handleHeartbeatFromNet, { client: this, memberId: this.memberId, generation: this.generation });
  }

  /** Checked by the heartbeat thread: true once max.poll.interval passed without poll(); the first time, leave. */
  pollTimerExpired(): boolean {
    if (!this.inPoll && !this.pollExpired && this.memberId !== "" && this.sim.nowUs - this.lastPollUs > this.spec.maxPollInterval) {
      // A dynamic member leaves at once; a classic static one stops heartbeating (consumer protocol: epoch -2).
      this.pollExpired = true;
      if (this.kip848) this.kip848.leave(LeaveReason.PollTimeout);
      else if (this.instanceId === undefined) {
        this.toCoordinator(this.group.classic.handleLeaveFromNet, { client: this, memberId: this.memberId, reason: LeaveReason.PollTimeout });
      }
    }
    return this.pollExpired;
  }

  readonly onHeartbeatResponse = (r: { error: GroupError }): void => this.deliver(this.heartbeatResponse)(r);

  private heartbeatResponse(r: { error: GroupError }): void {
    if (r.error === "REBALANCE_IN_PROGRESS") this.rejoinNeeded = true;
    else if (r.error !== "NONE") this.fenceOrReset(r.error);
  }

  /** The coordinator no longer knows this member (or this generation): lose partitions, rejoin. */
  private fenceOrReset(error: GroupError): void {
    this.handleInPoll(() => {
      this.loseAll();
      if (error === "FENCED_INSTANCE_ID") {
        this.crash();
        return;
      }
      if (error === "UNKNOWN_MEMBER_ID") this.memberId = "";
      this.generation = -1;
      this.phase = "idle";
      this.rejoinNeeded = true;
    });
  }

  // ---------- the poll loop (user thread) ----------

  /** Group responses are acted on inside poll(); while the user thread is busy they wait. */
  handleInPoll(fn: () => void): void {
    if (this.inPoll) {
      fn();
      this.poll();
    } else this.pending.push(fn);
  }

  private poll(): void {
    if (!this.alive) return;
    const now = this.sim.nowUs;
    this.inPoll = true;
    this.lastPollUs = now;
    if (this.idleTimer) {
      this.sim.cancel(this.idleTimer);
      this.idleTimer = 0;
    }
    const work = this.pending;
    this.pending = [];
    for (const fn of work) fn();
    if (!this.alive) return;
    if (this.closeRequested) return this.closeNow();
    if (this.pollExpired) {
      this.pollExpired = false;
      this.loseAll();
      if (this.kip848) this.kip848.rejoin();
      else {
        if (this.instanceId === undefined) this.memberId = "";
        this.generation = -1;
        this.phase = "idle";
        this.rejoinNeeded = true;
      }
    }
    if (this.spec.commit.mode === "auto" && now >= this.nextAutoCommitUs) {
      this.nextAutoCommitUs = now + this.spec.commit.interval;
      this.commit(this.positionOffsets(), false);
    }
    // One poll chain at a time: an answer that lands while a fetch or a blocking commit is out resumes it.
    if (this.fetchInFlight || this.awaitingCommit) return;
    const cooperative = this.group.cooperative;
    if (this.rejoinNeeded && !this.kip848 && (this.phase === "stable" || this.phase === "idle")) {
      this.startJoin();
      // An eager member has revoked everything and waits; a cooperative one keeps fetching what it owns.
      if (!cooperative || this.awaitingCommit || !this.alive) return;
    }
    if (this.phase !== "stable" && !cooperative) return;
    const fetchable = this.owned.filter((tp) => !this.group.isPaused(tp));
    if (fetchable.length === 0) {
      // Nothing to fetch: poll(timeout) returns empty and the application polls again.
      if (this.phase === "stable" || cooperative) this.idleTimer = this.after(this.spec.fetchMaxWait, this.idlePoll, undefined);
      return;
    }
    this.fetch(fetchable);
  }

  private idlePoll(): void {
    this.idleTimer = 0;
    if (this.inPoll) this.poll();
  }

  private positionOffsets(): CommitOffset[] {
    return this.owned.filter((tp) => this.positions.has(tpKey(tp))).map((tp) => ({ tp, offset: this.positions.get(tpKey(tp))! }));
  }

  private startJoin(): void {
    const ownedBefore = [...this.owned];
    const send = (): void => {
      if (!this.group.cooperative && this.owned.length > 0) this.removePartitions([...this.owned], Op.PartitionRevoked);
      this.phase = "joining";
      this.rejoinNeeded = false;
      this.sendJoin(ownedBefore);
    };
    // Before an eager revocation, auto-commit (and the usual onPartitionsRevoked commit) saves the positions.
    const mode = this.spec.commit.mode;
    if (!this.group.cooperative && ownedBefore.length > 0 && (mode === "auto" || mode === "async-after-processing")) {
      const offsets = mode === "auto" ? this.positionOffsets() : [...this.processed.values()];
      this.commit(offsets, true, send);
    } else send();
  }

  private sendJoin(owned: TopicPartition[]): void {
    const req = {
      client: this,
      memberId: this.memberId,
      instanceId: this.instanceId,
      topics: this.topics,
      owned,
      ownedGeneration: this.generation,
      rebalanceTimeoutUs: this.spec.maxPollInterval,
      sessionTimeoutUs: this.spec.sessionTimeout,
    };
    this.toCoordinator(this.group.classic.handleJoinFromNet, req);
  }

  /** The coordinator moved (or came back): re-send what was waiting on the old one. */
  coordinatorMoved(): void {
    if (!this.alive) return;
    if (this.kip848) this.kip848.heartbeatNow();
    else if (this.phase === "joining") this.sendJoin(this.owned);
    else if (this.phase === "syncing") this.toCoordinator(this.group.classic.handleSyncFromNet, { client: this, memberId: this.memberId, generation: this.generation });
  }

  readonly onJoinResponse = (r: { error: GroupError; memberId: string; generation: number; leader: boolean }): void =>
    this.deliver(this.joinResponse)(r);

  private joinResponse(r: { error: GroupError; memberId: string; generation: number }): void {
    if (this.phase !== "joining") return;
    this.handleInPoll(() => {
      if (r.error !== "NONE") return this.fenceOrResetNow(r.error);
      this.memberId = r.memberId;
      this.generation = r.generation;
      this.phase = "syncing";
      this.toCoordinator(this.group.classic.handleSyncFromNet, { client: this, memberId: this.memberId, generation: this.generation });
    });
  }

  private fenceOrResetNow(error: GroupError): void {
    this.loseAll();
    if (error === "FENCED_INSTANCE_ID") return this.crash();
    if (error === "UNKNOWN_MEMBER_ID") this.memberId = "";
    this.phase = "idle";
    this.rejoinNeeded = true;
  }

  readonly onSyncResponse = (r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void => this.deliver(this.syncResponse)(r);

  private syncResponse(r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void {
    if (this.phase !== "syncing") return;
    this.handleInPoll(() => {
      if (r.error !== "NONE") {
        if (r.error === "REBALANCE_IN_PROGRESS") {
          this.phase = "stable";
          this.rejoinNeeded = true;
          return;
        }
        return this.fenceOrResetNow(r.error);
      }
      const target = new Set(r.assignment.map(tpKey));
      const revoked = this.owned.filter((tp) => !target.has(tpKey(tp)));
      this.phase = "stable";
      if (revoked.length > 0) {
        // Cooperative: give up only what moves, after committing what was done, and rejoin at once.
        this.commit(this.revocationOffsets(revoked), false);
        this.removePartitions(revoked, Op.PartitionRevoked);
        this.rejoinNeeded = true;
      }
      this.addPartitions(r.assignment);
    });
  }

  /** What the rebalance-listener commit saves before giving these partitions up (consumed or processed). */
  private revocationOffsets(tps: TopicPartition[]): CommitOffset[] {
    const keys = new Set(tps.map(tpKey));
    return (this.spec.commit.mode === "auto" ? this.positionOffsets() : [...this.processed.values()]).filter((o) => keys.has(tpKey(o.tp)));
  }

  /** Consumer protocol: the rebalance-listener commit before giving these partitions up, then `release`. */
  commitBeforeRevoke(tps: TopicPartition[], release: () => void): void {
    // Wait for a quiet poll loop: a fetch or a blocking commit in flight would interleave with this commit.
    if (this.fetchInFlight || this.awaitingCommit) {
      this.pending.push(() => this.commitBeforeRevoke(tps, release));
      return;
    }
    const offsets = this.spec.commit.mode === "before-processing" ? [] : this.revocationOffsets(tps);
    this.commit(offsets, true, () => {
      release();
      // The poll loop waited on this commit: carry on fetching what is still ours.
      if (this.inPoll) this.poll();
    });
  }

  // ---------- fetch ----------

  private fetch(tps: TopicPartition[]): void {
    const leader = this.group.leaderNameFor(this.name, tps[0]);
    const seq = ++this.fetchSeq;
    this.fetchInFlight = seq;
    this.group.world.net.send(this.name, leader, this.onFetchAtBroker, { inc: this.incarnation, seq, tps, leader }, this.actorId);
    // request.timeout.ms (30 s): a fetch to a broker that died is given up and retried.
    this.after(this.spec.fetchMaxWait + 30_000_000, this.fetchTimeout, seq, this.k.fetch);
  }

  private fetchTimeout(seq: number): void {
    if (this.fetchInFlight !== seq) return;
    this.fetchInFlight = 0;
    this.poll();
  }

  private readAvailable(tps: TopicPartition[]): FetchedRecord[] {
    const out: FetchedRecord[] = [];
    const max = this.spec.maxPollRecords;
    const n = tps.length;
    for (let i = 0; i < n && out.length < max; i++) {
      const tp = tps[(this.nextPartition + i) % n];
      const key = tpKey(tp);
      let offset = this.positions.get(key);
      if (offset === undefined) continue;
      const p = this.group.partition(tp);
      if (p.isOutOfRange?.(offset)) {
        if (!this.resetPosition(tp, offset)) return [];
        offset = this.positions.get(key)!;
      }
      while (offset < p.highWatermark && out.length < max) {
        const msg = p.read(offset);
        if (msg < 0) break;
        out.push({ tp, offset, msg });
        offset++;
      }
    }
    this.nextPartition = (this.nextPartition + 1) % Math.max(1, n);
    return out;
  }

  private readonly onFetchAtBroker = (req: { inc: number; seq: number; tps: TopicPartition[]; leader: string }): void => {
    if (req.inc !== this.incarnation) return;
    serveFetch(
      this.sim,
      req.tps.map((tp) => this.group.partition(tp)),
      () => this.readAvailable(req.tps),
      this.spec.fetchMaxWait,
      this.k.fetch,
      this.actorId,
      (records) => this.respond(req, records),
    );
  };

  private respond(req: { inc: number; seq: number; leader: string }, records: FetchedRecord[]): void {
    this.group.world.net.send(req.leader, this.name, this.deliver(this.fetchResponse), { seq: req.seq, records }, this.actorId);
  }

  private fetchResponse(res: { seq: number; records: FetchedRecord[] }): void {
    if (res.seq !== this.fetchInFlight) return;
    this.fetchInFlight = 0;
    const now = this.sim.nowUs;
    const out: FetchedRecord[] = [];
    // Data for partitions revoked or repositioned while the fetch was out is dropped, as the client does.
    for (const r of res.records) {
      const key = tpKey(r.tp);
      if (this.positions.get(key) !== r.offset) continue;
      this.positions.set(key, r.offset + 1);
      this.h.record(Op.Deliver, now, r.msg, this.actorId, r.tp.partition, r.offset, this.group.actorId);
      out.push(r);
    }
    if (out.length === 0) return this.poll();
    this.inPoll = false;
    if (this.spec.commit.mode === "before-processing") {
      // At-most-once: commit what poll returned, then process.
      const offsets = this.owned.filter((tp) => out.some((r) => tpKey(r.tp) === tpKey(tp))).map((tp) => ({ tp, offset: this.positions.get(tpKey(tp))! }));
      return this.commit(offsets, true, () => this.handOff(out));
    }
    this.handOff(out);
  }

  private handOff(records: FetchedRecord[]): void {
    this.queue.push(...records);
    if (!this.working) this.processNext();
    // An unbounded hand-off queue (the common pattern, and the common bug): the poll loop never waits for the worker.
    if (this.spec.processing.handoff === "async") this.poll();
  }

  // ---------- processing ----------

  private processNext(): void {
    const r = this.queue[0];
    this.working = true;
    this.h.record(Op.ProcessStart, this.sim.nowUs, r.msg, this.actorId, r.tp.partition, r.offset, this.group.actorId);
    const t = Math.max(0, Math.round(this.processSample() * this.group.slowdownFactor()));
    this.after(t, this.processed1, r, this.k.process);
  }

  private processed1(r: FetchedRecord): void {
    const now = this.sim.nowUs;
    this.h.record(Op.ProcessEnd, now, r.msg, this.actorId, r.tp.partition, r.offset, this.group.actorId);
    this.group.world.metrics.onProcessed(now, now - this.h.msgCreatedUs[r.msg]);
    this.queue.shift();
    if (this.owned.some((tp) => tpKey(tp) === tpKey(r.tp))) this.processed.set(tpKey(r.tp), { tp: r.tp, offset: r.offset + 1 });
    if (this.queue.length > 0) return this.processNext();
    this.working = false;
    this.batchDone();
  }

  private batchDone(): void {
    const mode = this.spec.commit.mode;
    const async = this.spec.processing.handoff === "async";
    const offsets = [...this.processed.values()];
    if (mode === "sync-after-processing" && offsets.length > 0) return this.commit(offsets, true, async ? undefined : () => this.poll());
    if (mode === "async-after-processing" && offsets.length > 0) this.commit(offsets, false);
    if (!async || !this.inPoll) this.poll();
  }

  // ---------- commits ----------

  private commit(offsets: CommitOffset[], sync: boolean, then?: () => void): void {
    if (offsets.length === 0) {
      then?.();
      return;
    }
    if (sync) this.awaitingCommit = then ?? (() => undefined);
    const req = { client: this, memberId: this.memberId, generation: this.generation, offsets, sync };
    if (!this.toCoordinator(this.group.commitHandler, req)) {
      // No coordinator: an async commit is simply lost; a sync commit retries after retry.backoff.
      if (sync) this.after(100_000, () => this.commit(offsets, true, then), undefined);
    }
  }

  readonly onCommitResponse = (r: { error: GroupError; offsets: CommitOffset[]; generation: number; sync: boolean }): void =>
    this.deliver(this.commitResponse)(r);

  private commitResponse(r: { error: GroupError; sync: boolean }): void {
    const rebalancing = this.phase === "joining" || this.phase === "syncing";
    // Consumer protocol: a refused commit just fails (CommitFailedException); the heartbeat learns of fencing.
    if (this.kip848) {
      // no membership change here
    } else if (rebalancing && (r.error === "ILLEGAL_GENERATION" || r.error === "UNKNOWN_MEMBER_ID")) {
      // generationIfStable() is null mid-rebalance: RebalanceInProgressException, the member keeps its partitions.
    } else if (r.error === "ILLEGAL_GENERATION" || r.error === "UNKNOWN_MEMBER_ID" || r.error === "FENCED_INSTANCE_ID") {
      // CommitFailedException: this member's partitions now belong to someone else.
      this.pending.push(() => this.fenceOrResetNow(r.error));
    } else if (r.error === "REBALANCE_IN_PROGRESS") this.rejoinNeeded = true;
    if (!r.sync) return;
    const then = this.awaitingCommit;
    this.awaitingCommit = undefined;
    then?.();
  }

  private closeNow(): void {
    this.closeRequested = false;
    const finish = (): void => {
      if (this.kip848) this.kip848.leave(LeaveReason.LeaveGroup);
      else if (this.instanceId === undefined && this.memberId !== "") {
        this.toCoordinator(this.group.classic.handleLeaveFromNet, { client: this, memberId: this.memberId, reason: LeaveReason.LeaveGroup });
      }
      this.loseAll();
      this.alive = false;
      this.incarnation++;
      this.phase = "down";
    };
    const offsets = this.spec.commit.mode === "auto" ? this.positionOffsets() : [];
    this.commit(offsets, true, finish);
  }
}

