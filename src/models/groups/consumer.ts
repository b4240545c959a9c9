// One Kafka consumer in a group: a user thread running the poll loop and a background heartbeat thread. It
// composes three parts: the group membership (classic protocol in consumer-classic.ts, the consumer protocol
// in consumer-reconcile.ts), the data path (consumer-data-path.ts: positions, fetch, processing, commits), and
// the poll loop here that drives both. Rebalance work (JoinGroup/SyncGroup responses, revocation, assignment)
// is handled inside poll(), as KafkaConsumer does, so a member busy processing a batch joins late and a member
// that does not poll within max.poll.interval is sent out of the group by its own heartbeat thread.
// Positions (next offset poll returns) are client state; committed offsets live at the coordinator.
// It is a fault target: crash (process gone), restart (rejoins; static members reuse group.instance.id),
// pause (a long GC pause: nothing runs, no heartbeats, no polls).
import { Op } from "../../history/history.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import { commitMsgFor, LeaveReason, type CommitOffset, type GroupClient, type GroupError } from "./group-coordinator.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { Rng } from "../../kernel/rng.ts";
import { ConsumerProcess } from "./consumer-process.ts";
import { ClientMetadata } from "../kafka/client-metadata.ts";
import { ConsumerProtocolMember } from "./consumer-reconcile.ts";
import { ClassicProtocolMember } from "./consumer-classic.ts";
import { ReadProcessWrite } from "./read-process-write.ts";
import { ConsumerDataPath } from "./consumer-data-path.ts";

type Phase = "idle" | "joining" | "syncing" | "stable" | "down";

export class ConsumerMember extends ConsumerProcess implements FaultTarget, GroupClient {
  readonly kind = "consumer" as const;
  readonly instanceId: string | undefined;
  phase: Phase = "idle";
  memberId = "";
  generation = -1;
  owned: TopicPartition[] = [];
  private inPoll = false;
  private lastPollUs = 0;
  private pollExpired = false;
  private pending: (() => void)[] = [];
  private closeRequested = false;
  private idleTimer = 0;
  private readonly data: ConsumerDataPath;
  /** Set in classic groups: membership runs through JoinGroup/SyncGroup/Heartbeat. */
  private readonly classic: ClassicProtocolMember | undefined;
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
    this.data = new ConsumerDataPath(group, rng.fork("processing"), {
      name,
      actorId: this.actorId,
      owned: () => this.owned,
      incarnation: () => this.incarnation,
      after: (delayUs, fn, arg, kind) => this.after(delayUs, fn, arg, kind),
      deliver: (fn) => this.deliver(fn),
      inPoll: () => this.inPoll,
      poll: () => this.poll(),
      pollReturned: () => {
        this.inPoll = false;
      },
      sendCommit: (offsets, sync) => this.sendCommit(offsets, sync),
      crash: () => this.crash(),
    });
    // Exactly-once read-process-write: the member's transactional producer (one per member name).
    if (group.spec.transactional) {
      this.data.eos = new ReadProcessWrite(w, group.kafka, group, { name, actorId: this.actorId, membership: () => ({ memberId: this.memberId, generation: this.generation, client: this }) }, group.members.length);
    }
    this.kip848 = group.consumerProtocol ? new ConsumerProtocolMember(this, group, rng.fork("kip848")) : undefined;
    this.classic = group.consumerProtocol ? undefined : new ClassicProtocolMember(this, group, rng.fork("heartbeat"), this.data, (h, r) => this.toCoordinator(h, r));
    this.metadata = new ClientMetadata(w, this.actorId, topics, group.clusterCounts, group.spec.metadataMaxAge, (t, count) => group.metadataChanged(this, t, count), (d, fn) => this.schedule(d, fn));
  }

  /** The topics' partition counts as this client last refreshed them (metadata.max.age). */
  private readonly metadata: ClientMetadata;

  /** The group leader's metadata changed (partitions added): it rejoins at its next poll so they get assigned. */
  requestRejoin(): void {
    if (this.classic) this.classic.rejoinNeeded = true;
    if (this.inPoll) this.poll();
  }

  /** For the membership parts: a timer of this process (dropped by a crash, held by a pause). */
  schedule(delayUs: number, fn: () => void): number {
    return this.after(delayUs, fn, undefined);
  }

  /** For the membership parts: a network answer handler of this process. */
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
    this.data.start();
    this.metadata.start();
    if (this.kip848) {
      this.kip848.start(bootstrap && { memberId: bootstrap.memberId, epoch: bootstrap.generation, assignment: bootstrap.assignment });
      return this.poll();
    }
    this.classic!.start(bootstrap);
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
    this.data.dropFetch();
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
    if (this.classic) this.classic.rejoinNeeded = true;
    this.owned = [];
    this.data.reset();
    this.inPoll = false;
    this.pending = [];
    this.pollExpired = false;
    this.idleTimer = 0;
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
    const offsets = this.spec.commit.mode === "auto" ? this.data.positionOffsets() : [];
    this.data.commit(offsets, true, finish);
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
      this.data.assigned(tp, topicActor);
    }
  }

  removePartitions(tps: TopicPartition[], op: Op.PartitionRevoked | Op.PartitionLost): void {
    const now = this.sim.nowUs;
    const gone = new Set(tps.map(tpKey));
    for (const tp of tps) {
      this.h.record(op, now, commitMsgFor(this.h.actorId(tp.topic) ?? -1), this.actorId, tp.partition, this.generation, this.group.actorId);
      this.group.ownerChanged(tp, undefined, this);
      this.data.forget(tp);
    }
    this.owned = this.owned.filter((tp) => !gone.has(tpKey(tp)));
  }

  loseAll(): void {
    if (this.owned.length > 0) this.removePartitions([...this.owned], Op.PartitionLost);
    this.data.dropQueue();
  }

  /** Consumer protocol: the rebalance-listener commit before giving these partitions up, then `release`. */
  commitBeforeRevoke(tps: TopicPartition[], release: () => void): void {
    // Wait for a quiet poll loop: a fetch or a blocking commit in flight would interleave with this commit.
    if (this.data.busy()) {
      this.pending.push(() => this.commitBeforeRevoke(tps, release));
      return;
    }
    this.data.commitOpenTransaction();
    const offsets = this.spec.commit.mode === "before-processing" ? [] : this.data.revocationOffsets(tps);
    this.data.commit(offsets, true, () => {
      release();
      // The poll loop waited on this commit: carry on fetching what is still ours.
      if (this.inPoll) this.poll();
    });
  }

  // ---------- the group coordinator's answers ----------

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

  /** The coordinator moved (or came back): re-send what was waiting on the old one. */
  coordinatorMoved(): void {
    if (!this.alive) return;
    if (this.kip848) this.kip848.heartbeatNow();
    else this.classic!.coordinatorMoved();
  }

  readonly onHeartbeatResponse = (r: { error: GroupError }): void => this.classic!.onHeartbeatResponse(r);

  readonly onJoinResponse = (r: { error: GroupError; memberId: string; generation: number; leader: boolean }): void => this.classic!.onJoinResponse(r);

  readonly onSyncResponse = (r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void => this.classic!.onSyncResponse(r);

  private sendCommit(offsets: CommitOffset[], sync: boolean): boolean {
    const req = { client: this, memberId: this.memberId, generation: this.generation, offsets, sync };
    return this.toCoordinator(this.group.commitHandler, req);
  }

  readonly onCommitResponse = (r: { error: GroupError; offsets: CommitOffset[]; generation: number; sync: boolean }): void =>
    this.delivered(this.incarnation, this.commitResponse, r);

  private commitResponse(r: { error: GroupError; sync: boolean }): void {
    const rebalancing = this.phase === "joining" || this.phase === "syncing";
    // Consumer protocol: a refused commit just fails (CommitFailedException); the heartbeat learns of fencing.
    if (this.kip848) {
      // no membership change here
    } else if (rebalancing && (r.error === "ILLEGAL_GENERATION" || r.error === "UNKNOWN_MEMBER_ID")) {
      // generationIfStable() is null mid-rebalance: RebalanceInProgressException, the member keeps its partitions.
    } else if (r.error === "ILLEGAL_GENERATION" || r.error === "UNKNOWN_MEMBER_ID" || r.error === "FENCED_INSTANCE_ID") {
      // CommitFailedException: this member's partitions now belong to someone else.
      this.pending.push(() => this.classic!.fenceOrResetNow(r.error));
    } else if (r.error === "REBALANCE_IN_PROGRESS") this.classic!.rejoinNeeded = true;
    if (r.sync) this.data.syncCommitAnswered();
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
    if (this.pending.length > 0) {
      const work = this.pending;
      this.pending = [];
      for (const fn of work) fn();
    }
    if (!this.alive) return;
    if (this.closeRequested) return this.closeNow();
    if (this.pollExpired) {
      this.pollExpired = false;
      this.loseAll();
      if (this.kip848) this.kip848.rejoin();
      else this.classic!.pollTimeoutReset();
    }
    this.data.autoCommitIfDue();
    // One poll chain at a time: an answer that lands while a fetch or a blocking commit is out resumes it.
    if (this.data.busy()) return;
    const cooperative = this.group.cooperative;
    if (this.classic?.joinDue()) {
      this.classic.startJoin();
      // An eager member has revoked everything and waits; a cooperative one keeps fetching what it owns.
      if (!cooperative || this.data.awaitingSyncCommit() || !this.alive) return;
    }
    if (this.phase !== "stable" && !cooperative) return;
    // consumer.pause: partitions paused by the scenario, or all of them while the member is at its in-flight limit.
    const fetchable = this.data.backpressurePaused() ? [] : this.group.anyPaused ? this.owned.filter((tp) => !this.group.isPaused(tp)) : this.owned.slice();
    if (fetchable.length === 0) {
      // Nothing to fetch: poll(timeout) returns empty and the application polls again.
      if (this.phase === "stable" || cooperative) this.idleTimer = this.after(this.spec.fetchMaxWait, this.idlePoll, undefined);
      return;
    }
    this.data.fetch(fetchable);
  }

  private idlePoll(): void {
    this.idleTimer = 0;
    if (this.inPoll) this.poll();
  }
}
