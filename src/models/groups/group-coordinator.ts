// Kafka's group coordinator for one consumer group (classic protocol, semantics.md §3). It lives on the
// broker leading the group's __consumer_offsets partition (Utils.abs(groupId.hashCode) % 50) and moves with
// that leadership when the broker dies; the group's state is what the offsets log holds, so it survives the
// move, and the new host restarts every member's session clock as Kafka does when it loads a group.
//
// Membership: JoinGroup / SyncGroup / Heartbeat / LeaveGroup with session.timeout and a rebalance timeout
// (the largest member max.poll.interval). States Empty → PreparingRebalance → CompletingRebalance → Stable.
// Every completed join bumps the generation; commits and heartbeats from another generation are refused.
// group.initial.rebalance.delay holds the first rebalance of an empty group open for more joiners.
// Static members (group.instance.id) rejoining a stable group with the same subscription get their old
// assignment under a new member id and fence the old one, with no rebalance.
import type { World } from "../../runner/world.ts";
import type { Rng } from "../../kernel/rng.ts";
import { Op } from "../../history/history.ts";
import { assign, tpKey, type AssignorMember, type AssignorName, type TopicPartition } from "./assignors.ts";
import {
  commitMsgFor,
  GROUP_ERROR_CODES,
  LeaveReason,
  RebalanceCause,
  type BrokerLiveness,
  type CommitOffset,
  type GroupClient,
  type GroupError,
  type JoinRequest,
} from "./group-protocol.ts";

import { CoordinatorHost } from "./coordinator-host.ts";
import { OffsetRetention } from "./offset-retention.ts";

export * from "./group-protocol.ts";

interface MemberMeta {
  memberId: string;
  instanceId?: string;
  client: GroupClient;
  topics: string[];
  owned: TopicPartition[];
  ownedGeneration: number;
  joined: boolean;
  rebalanceTimeoutUs: number;
  sessionTimeoutUs: number;
  sessionTimer: number;
  syncParked: boolean;
}

/** What the coordinator tells the consumer-group model (metrics, lag, markers); both protocols use it. */
export interface CoordinatorHooks {
  rebalanceStarted(cause: RebalanceCause, generation: number): void;
  stable(generation: number, assignment: Map<string, TopicPartition[]>): void;
  committed(tp: TopicPartition, offset: number, client: { readonly name: string; readonly actorId: number }): void;
  memberRemoved(client: { readonly name: string; readonly actorId: number }, reason: LeaveReason): void;
}

export class GroupCoordinator {
  state: "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" = "Empty";
  generation = 0;
  readonly members = new Map<string, MemberMeta>();
  private readonly staticIds = new Map<string, string>();
  private readonly fenced = new Set<string>();
  private leader = "";
  private assignment = new Map<string, TopicPartition[]>();
  readonly committed = new Map<string, number>();
  private joinTimer = 0;
  private initialDelayUntilUs = -1;
  private joinedSinceCheck = false;
  private readonly host: CoordinatorHost;
  private readonly kinds: { session: number; join: number };
  readonly actorId: number;
  /** offsets.retention: expires committed offsets once the group has been empty that long. */
  readonly offsetRetention: OffsetRetention;

  constructor(
    private readonly world: World,
    readonly groupId: string,
    private readonly strategy: AssignorName,
    private readonly partitionsPerTopic: ReadonlyMap<string, number>,
    private readonly initialRebalanceDelayUs: number,
    cluster: BrokerLiveness,
    private readonly rng: Rng,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.actorId = world.history.actor(groupId, "group");
    this.host = new CoordinatorHost(groupId, cluster);
    this.kinds = { session: world.sim.registerKind("group.session-timeout"), join: world.sim.registerKind("group.join-timeout") };
    // Worlds built by hand (tests) may have no scenario: Kafka's defaults then (7 days, checked every 10 min).
    const c = world.scenario?.cluster;
    this.offsetRetention = new OffsetRetention(world, this.actorId, this, c?.offsetsRetention ?? 604_800_000_000, c?.offsetsRetentionCheckInterval ?? 600_000_000);
    this.offsetRetention.start();
  }

  /** Broker id hosting the coordinator, -1 when no replica of the offsets partition is alive. */
  get hostId(): number {
    return this.host.id;
  }

  get hostName(): string {
    return this.host.name;
  }

  get available(): boolean {
    return this.host.available;
  }

  /** Re-elects the host after a broker event; returns true when the coordinator moved. */
  refreshHost(): boolean {
    if (!this.host.moved()) return false;
    const next = this.host.id;
    if (next < 0) return true;
    const now = this.world.sim.nowUs;
    this.world.history.record(Op.CoordinatorMoved, now, -1, this.actorId, next, this.generation, this.actorId);
    // The new host loads the group from the offsets log: sessions restart, an unfinished rebalance starts over.
    for (const m of this.members.values()) this.resetSession(m);
    if (this.state === "PreparingRebalance" || this.state === "CompletingRebalance") {
      this.state = "Stable";
      this.prepareRebalance(RebalanceCause.CoordinatorMoved);
    }
    return true;
  }

  /** Puts members in place at time 0 as if the group had formed before the run (startsStable). */
  bootstrap(reqs: JoinRequest[]): Map<string, string> {
    const ids = new Map<string, string>();
    for (const r of reqs) {
      const meta = this.addMember(r, this.newMemberId(r.client.name));
      meta.joined = true;
      ids.set(r.client.name, meta.memberId);
    }
    this.generation = 1;
    this.state = "Stable";
    this.leader = this.members.keys().next().value ?? "";
    this.assignment = this.computeAssignment();
    this.hooks.stable(this.generation, this.assignment);
    return ids;
  }

  /** The member that computes the assignment (the group leader). */
  isLeader(memberId: string): boolean {
    return memberId !== "" && memberId === this.leader;
  }

  /** Topics some member subscribes to (offsets of the others may expire while the group is Stable). */
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.topics) out.add(t);
    return out;
  }

  assignmentOf(memberId: string): TopicPartition[] {
    return this.assignment.get(memberId) ?? [];
  }

  private newMemberId(client: string): string {
    // `<client.id>-<UUID>`: new on every join, so dynamic members sort in an effectively random order.
    const hex = (n: number): string => n.toString(16).padStart(8, "0");
    return `${client}-${hex(this.rng.int(2 ** 32))}${hex(this.rng.int(2 ** 32))}`;
  }

  private addMember(r: JoinRequest, memberId: string): MemberMeta {
    const meta: MemberMeta = {
      memberId,
      instanceId: r.instanceId,
      client: r.client,
      topics: r.topics,
      owned: r.owned,
      ownedGeneration: r.ownedGeneration,
      joined: false,
      rebalanceTimeoutUs: r.rebalanceTimeoutUs,
      sessionTimeoutUs: r.sessionTimeoutUs,
      sessionTimer: 0,
      syncParked: false,
    };
    this.members.set(memberId, meta);
    if (r.instanceId !== undefined) this.staticIds.set(r.instanceId, memberId);
    this.world.history.record(Op.MemberJoined, this.world.sim.nowUs, -1, r.client.actorId, -1, this.generation, this.actorId);
    this.resetSession(meta);
    return meta;
  }

  private send<T>(client: GroupClient, fn: (r: T) => void, r: T): void {
    this.world.net.send(this.hostName, client.name, fn, r, client.actorId);
  }

  private resetSession(m: MemberMeta): void {
    if (m.sessionTimer) this.world.sim.cancel(m.sessionTimer);
    m.sessionTimer = this.world.sim.after(m.sessionTimeoutUs, this.onSessionExpired, m, this.kinds.session, m.client.actorId);
  }

  private readonly onSessionExpired = (m: MemberMeta): void => {
    m.sessionTimer = 0;
    if (this.members.get(m.memberId) !== m) return;
    // No coordinator, no expiry: the next host restarts the clock. A member waiting in a join is not expired.
    if (!this.available || (this.state === "PreparingRebalance" && m.joined)) {
      this.resetSession(m);
      return;
    }
    this.removeMember(m, LeaveReason.SessionTimeout);
    this.memberGone(RebalanceCause.SessionTimeout);
  };

  private removeMember(m: MemberMeta, reason: LeaveReason): void {
    if (m.sessionTimer) this.world.sim.cancel(m.sessionTimer);
    this.members.delete(m.memberId);
    if (m.instanceId !== undefined && this.staticIds.get(m.instanceId) === m.memberId) this.staticIds.delete(m.instanceId);
    this.world.history.record(Op.MemberLeft, this.world.sim.nowUs, -1, m.client.actorId, reason, this.generation, this.actorId);
    this.hooks.memberRemoved(m.client, reason);
  }

  private memberGone(cause: RebalanceCause): void {
    if (this.members.size === 0 && this.state !== "PreparingRebalance") {
      this.state = "Empty";
      this.offsetRetention.becameEmpty(this.world.sim.nowUs);
      this.assignment = new Map();
      return;
    }
    if (this.state === "PreparingRebalance") this.maybeCompleteJoin();
    else this.prepareRebalance(cause);
  }

  // ---------- requests (each arrives over the network at the host broker) ----------

  // Bound entry points for the network, which calls plain functions.
  readonly handleJoinFromNet = (r: JoinRequest): void => this.handleJoin(r);
  readonly handleSyncFromNet = (r: { client: GroupClient; memberId: string; generation: number }): void => this.handleSync(r);
  readonly handleHeartbeatFromNet = (r: { client: GroupClient; memberId: string; generation: number }): void => this.handleHeartbeat(r);
  readonly handleLeaveFromNet = (r: { client: GroupClient; memberId: string; reason: LeaveReason }): void => this.handleLeave(r);
  readonly handleCommitFromNet = (r: { client: GroupClient; memberId: string; generation: number; offsets: CommitOffset[]; sync: boolean }): void =>
    this.handleCommit(r);

  handleJoin(r: JoinRequest): void {
    if (!this.available) return;
    let meta: MemberMeta | undefined;
    if (r.instanceId !== undefined) {
      const oldId = this.staticIds.get(r.instanceId);
      const old = oldId !== undefined ? this.members.get(oldId) : undefined;
      if (old && oldId !== r.memberId) {
        // A new process with a known group.instance.id: fence the old member id and take its place.
        this.fenced.add(old.memberId);
        this.members.delete(old.memberId);
        if (old.sessionTimer) this.world.sim.cancel(old.sessionTimer);
        const newId = this.newMemberId(r.client.name);
        const sameSubscription = old.topics.join("\u0000") === r.topics.join("\u0000");
        meta = this.addMember(r, newId);
        meta.owned = old.owned;
        meta.ownedGeneration = old.ownedGeneration;
        if (this.leader === old.memberId) this.leader = newId;
        const prior = this.assignment.get(old.memberId);
        this.assignment.delete(old.memberId);
        if (prior) this.assignment.set(newId, prior);
        if (this.state === "Stable" && sameSubscription) {
          // KIP-345: no rebalance; the member syncs and gets its old assignment back.
          meta.joined = true;
          this.send(r.client, r.client.onJoinResponse, { error: "NONE", memberId: newId, generation: this.generation, leader: false });
          return;
        }
      }
    }
    if (!meta) {
      if (r.memberId === "") meta = this.addMember(r, this.newMemberId(r.client.name));
      else {
        meta = this.members.get(r.memberId);
        if (!meta) {
          const error: GroupError = this.fenced.has(r.memberId) ? "FENCED_INSTANCE_ID" : "UNKNOWN_MEMBER_ID";
          this.send(r.client, r.client.onJoinResponse, { error, memberId: "", generation: -1, leader: false });
          return;
        }
        meta.topics = r.topics;
        meta.owned = r.owned;
        meta.ownedGeneration = r.ownedGeneration;
        meta.client = r.client;
      }
    }
    this.resetSession(meta);
    if (this.state !== "PreparingRebalance") {
      const cause = r.owned.length > 0 && this.state === "Stable" ? RebalanceCause.RevokedPartitions : RebalanceCause.MemberJoined;
      this.prepareRebalance(cause);
    }
    if (!meta.joined) this.joinedSinceCheck = true;
    meta.joined = true;
    this.maybeCompleteJoin();
  }

  handleSync(r: { client: GroupClient; memberId: string; generation: number }): void {
    if (!this.available) return;
    const meta = this.members.get(r.memberId);
    const fail = (error: GroupError): void => this.send(r.client, r.client.onSyncResponse, { error, generation: this.generation, assignment: [] });
    if (!meta) return fail(this.fenced.has(r.memberId) ? "FENCED_INSTANCE_ID" : "UNKNOWN_MEMBER_ID");
    if (r.generation !== this.generation) return fail("ILLEGAL_GENERATION");
    if (this.state === "PreparingRebalance") return fail("REBALANCE_IN_PROGRESS");
    this.resetSession(meta);
    if (this.state === "Stable") {
      this.send(r.client, r.client.onSyncResponse, { error: "NONE", generation: this.generation, assignment: this.assignmentOf(r.memberId) });
      return;
    }
    meta.syncParked = true;
    // The leader's SyncGroup carries the assignment it computed; the model computes it here, at that moment.
    if (r.memberId !== this.leader) return;
    this.assignment = this.computeAssignment();
    this.state = "Stable";
    this.world.history.record(Op.GroupStable, this.world.sim.nowUs, -1, this.actorId, this.members.size, this.generation, this.actorId);
    this.hooks.stable(this.generation, this.assignment);
    for (const m of this.members.values()) {
      if (!m.syncParked) continue;
      m.syncParked = false;
      this.send(m.client, m.client.onSyncResponse, { error: "NONE", generation: this.generation, assignment: this.assignmentOf(m.memberId) });
    }
  }

  handleHeartbeat(r: { client: GroupClient; memberId: string; generation: number }): void {
    if (!this.available) return;
    const meta = this.members.get(r.memberId);
    let error: GroupError = "NONE";
    if (!meta) error = this.fenced.has(r.memberId) ? "FENCED_INSTANCE_ID" : "UNKNOWN_MEMBER_ID";
    else {
      this.resetSession(meta);
      if (r.generation !== this.generation) error = this.state === "Stable" ? "ILLEGAL_GENERATION" : "REBALANCE_IN_PROGRESS";
      else if (this.state === "PreparingRebalance") error = "REBALANCE_IN_PROGRESS";
    }
    this.send(r.client, r.client.onHeartbeatResponse, { error });
  }

  handleLeave(r: { client: GroupClient; memberId: string; reason: LeaveReason }): void {
    if (!this.available) return;
    const meta = this.members.get(r.memberId);
    if (!meta) return;
    this.removeMember(meta, r.reason);
    this.memberGone(RebalanceCause.MemberLeft);
  }

  handleCommit(r: { client: GroupClient; memberId: string; generation: number; offsets: CommitOffset[]; sync: boolean }): void {
    if (!this.available) return;
    const meta = this.members.get(r.memberId);
    let error: GroupError = "NONE";
    if (!meta) error = this.fenced.has(r.memberId) ? "FENCED_INSTANCE_ID" : "UNKNOWN_MEMBER_ID";
    else if (r.generation !== this.generation) error = "ILLEGAL_GENERATION";
    // Kafka still accepts commits of the current generation while PreparingRebalance, not while Completing.
    else if (this.state === "CompletingRebalance") error = "REBALANCE_IN_PROGRESS";
    const now = this.world.sim.nowUs;
    const h = this.world.history;
    if (error !== "NONE") {
      h.record(Op.CommitRejected, now, -1, r.client.actorId, GROUP_ERROR_CODES[error], r.generation, this.actorId);
    } else {
      for (const o of r.offsets) {
        const k = tpKey(o.tp);
        if (this.committed.get(k) === o.offset) continue;
        this.committed.set(k, o.offset);
        this.offsetRetention.committed(k, now);
        const topicActor = h.actorId(o.tp.topic) ?? -1;
        h.record(Op.Commit, now, commitMsgFor(topicActor), r.client.actorId, o.tp.partition, o.offset, this.actorId);
        this.hooks.committed(o.tp, o.offset, r.client);
      }
    }
    this.send(r.client, r.client.onCommitResponse, { error, offsets: r.offsets, generation: r.generation, sync: r.sync });
  }

  // ---------- rebalance ----------

  private prepareRebalance(cause: RebalanceCause): void {
    const wasEmpty = this.state === "Empty";
    if (this.state === "CompletingRebalance") {
      // Members parked in SyncGroup learn the round is void and rejoin.
      for (const m of this.members.values()) {
        if (!m.syncParked) continue;
        m.syncParked = false;
        this.send(m.client, m.client.onSyncResponse, { error: "REBALANCE_IN_PROGRESS", generation: this.generation, assignment: [] });
      }
    }
    this.state = "PreparingRebalance";
    for (const m of this.members.values()) m.joined = false;
    this.joinedSinceCheck = false;
    const now = this.world.sim.nowUs;
    this.world.history.record(Op.RebalanceStart, now, -1, this.actorId, cause, this.generation, this.actorId);
    this.hooks.rebalanceStarted(cause, this.generation);
    if (this.joinTimer) this.world.sim.cancel(this.joinTimer);
    if (wasEmpty && this.initialRebalanceDelayUs > 0) {
      this.initialDelayUntilUs = now + this.rebalanceTimeoutUs();
      this.joinTimer = this.world.sim.after(Math.min(this.initialRebalanceDelayUs, this.rebalanceTimeoutUs()), this.onJoinTimer, true, this.kinds.join, this.actorId);
    } else {
      this.initialDelayUntilUs = -1;
      this.joinTimer = this.world.sim.after(this.rebalanceTimeoutUs(), this.onJoinTimer, false, this.kinds.join, this.actorId);
    }
  }

  private rebalanceTimeoutUs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutUs);
    return t;
  }

  private readonly onJoinTimer = (initial: boolean): void => {
    this.joinTimer = 0;
    if (this.state !== "PreparingRebalance") return;
    if (!this.available) {
      this.joinTimer = this.world.sim.after(this.rebalanceTimeoutUs(), this.onJoinTimer, false, this.kinds.join, this.actorId);
      return;
    }
    const now = this.world.sim.nowUs;
    if (initial) {
      // InitialDelayedJoin: keep waiting while members keep arriving, up to the rebalance timeout.
      const remaining = this.initialDelayUntilUs - now;
      if (this.joinedSinceCheck && remaining > 0) {
        this.joinedSinceCheck = false;
        this.joinTimer = this.world.sim.after(Math.min(this.initialRebalanceDelayUs, remaining), this.onJoinTimer, true, this.kinds.join, this.actorId);
        return;
      }
      this.initialDelayUntilUs = -1;
    }
    this.completeJoin();
  };

  private maybeCompleteJoin(): void {
    if (this.state !== "PreparingRebalance" || this.initialDelayUntilUs >= 0) return;
    for (const m of this.members.values()) if (!m.joined) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.joinTimer) this.world.sim.cancel(this.joinTimer);
    this.joinTimer = 0;
    for (const m of [...this.members.values()]) if (!m.joined) this.removeMember(m, LeaveReason.RebalanceTimeout);
    this.generation++;
    if (this.members.size === 0) {
      this.state = "Empty";
      this.offsetRetention.becameEmpty(this.world.sim.nowUs);
      this.assignment = new Map();
      this.world.history.record(Op.GroupStable, this.world.sim.nowUs, -1, this.actorId, 0, this.generation, this.actorId);
      this.hooks.stable(this.generation, this.assignment);
      return;
    }
    this.state = "CompletingRebalance";
    if (!this.members.has(this.leader)) this.leader = this.members.keys().next().value!;
    for (const m of this.members.values()) {
      this.resetSession(m);
      this.send(m.client, m.client.onJoinResponse, { error: "NONE", memberId: m.memberId, generation: this.generation, leader: m.memberId === this.leader });
    }
  }

  private computeAssignment(): Map<string, TopicPartition[]> {
    const members: AssignorMember[] = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      topics: m.topics,
      owned: m.owned,
      generation: m.ownedGeneration,
    }));
    return assign(this.strategy, members, this.partitionsPerTopic).assignment;
  }
}
