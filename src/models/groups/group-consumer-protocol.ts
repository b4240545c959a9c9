// The group coordinator of the consumer rebalance protocol (KIP-848, `group.protocol=consumer`, GA in Kafka
// 4.0), for one group. One RPC, ConsumerGroupHeartbeat, carries the member epoch, the subscription and the
// partitions the member owns; there is no JoinGroup/SyncGroup and no group-wide barrier.
//
// Epochs: a membership or subscription change bumps the group epoch; the coordinator then computes a target
// assignment with its server-side assignor (uniform or range, server-assignors.ts) at that epoch. Each member
// reconciles on its own (group-coordinator CurrentAssignmentBuilder): it is told to drop the partitions that
// are not in its target and keeps its member epoch until a heartbeat shows it no longer owns them
// (UNREVOKED_PARTITIONS); then it moves to the target epoch and gets the target partitions nobody else still
// holds; the ones another member has not released yet come on a later heartbeat (UNRELEASED_PARTITIONS).
// Partitions that stay never pause. A member that does not revoke within its rebalance timeout (its
// max.poll.interval) is fenced; one without heartbeats for the broker's group.consumer.session.timeout is
// removed. Heartbeat interval and session timeout are broker settings; the client's are ignored.
// Static members (group.instance.id) leave with epoch -2 and keep their assignment for the session timeout;
// a new process with the same instance id then takes it back with no epoch bump. Offset commits carry the
// member epoch: an older one is STALE_MEMBER_EPOCH, a newer one FENCED_MEMBER_EPOCH, an unknown member
// UNKNOWN_MEMBER_ID.
import type { World } from "../../runner/world.ts";
import { Op } from "../../history/history.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import { serverAssign, type ServerAssignorName } from "./server-assignors.ts";
import { reconcileMember, type MemberState } from "./current-assignment.ts";
import type { CoordinatorHooks } from "./group-coordinator.ts";
import { CoordinatorHost } from "./coordinator-host.ts";
import { OffsetRetention, type GroupStateName } from "./offset-retention.ts";
import {
  commitMsgFor,
  GROUP_ERROR_CODES,
  JOIN_EPOCH,
  LEAVE_EPOCH,
  LeaveReason,
  RebalanceCause,
  STATIC_LEAVE_EPOCH,
  type BrokerLiveness,
  type CommitClient,
  type CommitOffset,
  type ConsumerHeartbeatRequest,
  type ConsumerProtocolClient,
  type GroupError,
} from "./group-protocol.ts";

export {
  JOIN_EPOCH,
  LEAVE_EPOCH,
  STATIC_LEAVE_EPOCH,
  type CommitClient,
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResponse,
  type ConsumerProtocolClient,
} from "./group-protocol.ts";

interface Member {
  memberId: string;
  instanceId?: string;
  client: ConsumerProtocolClient;
  topics: readonly string[];
  epoch: number;
  previousEpoch: number;
  state: MemberState;
  assigned: TopicPartition[];
  pendingRevocation: TopicPartition[];
  rebalanceTimeoutUs: number;
  sessionTimer: number;
  revokeTimer: number;
}

export interface ConsumerProtocolSettings {
  assignor: ServerAssignorName;
  /** group.consumer.heartbeat.interval.ms (broker) */
  heartbeatIntervalUs: number;
  /** group.consumer.session.timeout.ms (broker) */
  sessionTimeoutUs: number;
}

export class ConsumerProtocolCoordinator {
  groupEpoch = 0;
  targetEpoch = 0;
  readonly members = new Map<string, Member>();
  private target = new Map<string, TopicPartition[]>();
  /** Who holds each partition (assigned or pending revocation): a partition goes to no one else meanwhile. */
  private readonly owners = new Map<string, string>();
  readonly committed = new Map<string, number>();
  private stable = true;
  private readonly host: CoordinatorHost;
  private readonly kinds: { session: number; revoke: number };
  readonly actorId: number;
  /** offsets.retention: committed offsets expire once the group has been empty that long. */
  readonly offsetRetention: OffsetRetention;

  constructor(
    private readonly world: World,
    readonly groupId: string,
    private readonly settings: ConsumerProtocolSettings,
    private readonly partitionsPerTopic: ReadonlyMap<string, number>,
    cluster: BrokerLiveness,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.actorId = world.history.actor(groupId, "group");
    this.host = new CoordinatorHost(groupId, cluster);
    this.kinds = { session: world.sim.registerKind("group.session-timeout"), revoke: world.sim.registerKind("group.revocation-timeout") };
    const c = world.scenario.cluster;
    this.offsetRetention = new OffsetRetention(world, this.actorId, this, c.offsetsRetention, c.offsetsRetentionCheckInterval);
    this.offsetRetention.start();
  }

  /** For offset retention: Empty without members; otherwise the offsets of subscribed topics are kept. */
  get state(): GroupStateName {
    return this.members.size === 0 ? "Empty" : "Stable";
  }

  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.topics) out.add(t);
    return out;
  }

  /** A subscribed topic's partition count changed (the coordinator watches topic metadata): new epoch, new target. */
  metadataChanged(): void {
    this.bumpGroupEpoch(RebalanceCause.MetadataChanged);
    this.checkStable();
  }

  /** The group epoch, under the name the classic coordinator's readers use. */
  get generation(): number {
    return this.groupEpoch;
  }

  // ---------- hosting (same placement and failover as the classic coordinator) ----------

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

  refreshHost(): boolean {
    if (!this.host.moved()) return false;
    const next = this.host.id;
    if (next < 0) return true;
    this.world.history.record(Op.CoordinatorMoved, this.world.sim.nowUs, -1, this.actorId, next, this.groupEpoch, this.actorId);
    // The new host loads the group from the log and restarts every member's clocks.
    for (const m of this.members.values()) {
      this.resetSession(m);
      if (m.revokeTimer) this.startRevokeTimer(m);
    }
    return true;
  }

  /** Members in place at time 0 at epoch 1, as if the group had formed before the run (startsStable). */
  bootstrap(joiners: { client: ConsumerProtocolClient; memberId: string; instanceId?: string; topics: readonly string[]; rebalanceTimeoutUs: number }[]): void {
    for (const j of joiners) this.addMember(j.client, j.memberId, j.instanceId, j.topics, j.rebalanceTimeoutUs);
    this.groupEpoch = 1;
    this.computeTarget();
    for (const m of this.members.values()) {
      this.setPartitions(m, [...(this.target.get(m.memberId) ?? [])], []);
      m.epoch = this.targetEpoch;
    }
    this.hooks.stable(this.groupEpoch, this.target);
  }

  assignmentOf(memberId: string): TopicPartition[] {
    return [...(this.members.get(memberId)?.assigned ?? [])];
  }

  targetOf(memberId: string): TopicPartition[] {
    return [...(this.target.get(memberId) ?? [])];
  }

  /** The member currently holding tp (assigned or still revoking), if any. */
  ownerOf(tp: TopicPartition): string | undefined {
    return this.owners.get(tpKey(tp));
  }

  // ---------- requests ----------

  readonly handleHeartbeatFromNet = (r: ConsumerHeartbeatRequest): void => this.handleHeartbeat(r);
  readonly handleCommitFromNet = (r: { client: CommitClient; memberId: string; generation: number; offsets: CommitOffset[]; sync: boolean }): void =>
    this.handleCommit(r);

  handleHeartbeat(r: ConsumerHeartbeatRequest): void {
    if (!this.available) return;
    const reply = (error: GroupError, m?: Member, epoch = m?.epoch ?? r.memberEpoch): void =>
      this.world.net.send(this.hostName, r.client.name, r.client.onConsumerHeartbeatResponse, {
        error,
        memberId: m?.memberId ?? r.memberId,
        memberEpoch: epoch,
        heartbeatIntervalUs: this.settings.heartbeatIntervalUs,
        assignment: m ? [...m.assigned] : [],
      }, r.client.actorId);
    const holder = r.instanceId !== undefined ? this.staticMember(r.instanceId) : undefined;
    if (r.memberEpoch === LEAVE_EPOCH || r.memberEpoch === STATIC_LEAVE_EPOCH) {
      const m = r.instanceId !== undefined ? holder : this.members.get(r.memberId);
      if (!m) return reply("UNKNOWN_MEMBER_ID");
      if (m.memberId !== r.memberId) return reply("FENCED_INSTANCE_ID");
      if (r.memberEpoch === STATIC_LEAVE_EPOCH && r.instanceId !== undefined) {
        // A static member leaving for a while: its partitions stay its own until the session timeout.
        this.world.history.record(Op.MemberLeft, this.world.sim.nowUs, -1, m.client.actorId, LeaveReason.StaticLeave, this.groupEpoch, this.actorId);
        m.epoch = STATIC_LEAVE_EPOCH;
        if (m.revokeTimer) this.world.sim.cancel(m.revokeTimer);
        m.revokeTimer = 0;
        this.resetSession(m);
        this.checkStable();
        return reply("NONE", m, STATIC_LEAVE_EPOCH);
      }
      this.removeMember(m, r.leaveReason ?? LeaveReason.LeaveGroup, RebalanceCause.MemberLeft);
      return reply("NONE", undefined, LEAVE_EPOCH);
    }
    let m = this.members.get(r.memberId);
    if (r.memberEpoch === JOIN_EPOCH) {
      if (holder && holder.memberId !== r.memberId) {
        if (holder.epoch !== STATIC_LEAVE_EPOCH) return reply("UNRELEASED_INSTANCE_ID");
        m = this.replaceStatic(holder, r);
      } else if (!m) {
        m = this.addMember(r.client, r.memberId, r.instanceId, r.topics, r.rebalanceTimeoutUs);
        this.bumpGroupEpoch(RebalanceCause.MemberJoined);
      } else {
        // A known member starting over (it was told it is fenced): it owns nothing and reconciles from scratch.
        m.previousEpoch = m.epoch;
        m.epoch = JOIN_EPOCH;
      }
    } else {
      if (!m) return reply(holder ? "FENCED_INSTANCE_ID" : "UNKNOWN_MEMBER_ID");
      if (r.memberEpoch !== m.epoch) {
        // The answer with the newer epoch may have been lost: the previous epoch is fine if it owns no more.
        const lostResponse = r.memberEpoch === m.previousEpoch && r.owned.every((tp) => m!.assigned.some((a) => tpKey(a) === tpKey(tp)));
        if (!lostResponse) return reply("FENCED_MEMBER_EPOCH", undefined, -1);
      }
    }
    m.client = r.client;
    m.rebalanceTimeoutUs = r.rebalanceTimeoutUs;
    this.resetSession(m);
    if (m.topics.join("\u0000") !== r.topics.join("\u0000")) {
      m.topics = r.topics;
      this.bumpGroupEpoch(RebalanceCause.MetadataChanged);
    }
    this.reconcile(m, r.owned);
    reply("NONE", m);
    this.checkStable();
  }

  handleCommit(r: { client: CommitClient; memberId: string; generation: number; offsets: CommitOffset[]; sync: boolean }): void {
    if (!this.available) return;
    const m = this.members.get(r.memberId);
    let error: GroupError = "NONE";
    if (!m) error = "UNKNOWN_MEMBER_ID";
    else if (r.generation > m.epoch) error = "FENCED_MEMBER_EPOCH";
    else if (r.generation < m.epoch) error = "STALE_MEMBER_EPOCH";
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
        h.record(Op.Commit, now, commitMsgFor(h.actorId(o.tp.topic) ?? -1), r.client.actorId, o.tp.partition, o.offset, this.actorId);
        this.hooks.committed(o.tp, o.offset, r.client);
      }
    }
    this.world.net.send(this.hostName, r.client.name, r.client.onCommitResponse, { error, offsets: r.offsets, generation: r.generation, sync: r.sync }, r.client.actorId);
  }

  // ---------- membership ----------

  private staticMember(instanceId: string): Member | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  private addMember(client: ConsumerProtocolClient, memberId: string, instanceId: string | undefined, topics: readonly string[], rebalanceTimeoutUs: number): Member {
    const m: Member = {
      memberId,
      instanceId,
      client,
      topics,
      epoch: JOIN_EPOCH,
      previousEpoch: JOIN_EPOCH,
      state: "stable",
      assigned: [],
      pendingRevocation: [],
      rebalanceTimeoutUs,
      sessionTimer: 0,
      revokeTimer: 0,
    };
    this.members.set(memberId, m);
    this.world.history.record(Op.MemberJoined, this.world.sim.nowUs, -1, client.actorId, -1, this.groupEpoch, this.actorId);
    this.resetSession(m);
    return m;
  }

  /** A new process with a released static instance id takes over the old member's assignment and target. */
  private replaceStatic(old: Member, r: ConsumerHeartbeatRequest): Member {
    this.clearTimers(old);
    const { assigned, pendingRevocation } = old;
    this.setPartitions(old, [], []);
    this.members.delete(old.memberId);
    const m = this.addMember(r.client, r.memberId, r.instanceId, old.topics, r.rebalanceTimeoutUs);
    m.state = old.state;
    this.setPartitions(m, assigned, pendingRevocation);
    const t = this.target.get(old.memberId);
    this.target.delete(old.memberId);
    if (t) this.target.set(m.memberId, t);
    return m;
  }

  private removeMember(m: Member, reason: LeaveReason, cause: RebalanceCause): void {
    this.clearTimers(m);
    this.setPartitions(m, [], []);
    this.members.delete(m.memberId);
    if (this.members.size === 0) this.offsetRetention.becameEmpty(this.world.sim.nowUs);
    this.world.history.record(Op.MemberLeft, this.world.sim.nowUs, -1, m.client.actorId, reason, this.groupEpoch, this.actorId);
    this.hooks.memberRemoved(m.client, reason);
    this.bumpGroupEpoch(cause);
    this.checkStable();
  }

  private clearTimers(m: Member): void {
    if (m.sessionTimer) this.world.sim.cancel(m.sessionTimer);
    if (m.revokeTimer) this.world.sim.cancel(m.revokeTimer);
    m.sessionTimer = 0;
    m.revokeTimer = 0;
  }

  private resetSession(m: Member): void {
    if (m.sessionTimer) this.world.sim.cancel(m.sessionTimer);
    m.sessionTimer = this.world.sim.after(this.settings.sessionTimeoutUs, this.onSessionExpired, m, this.kinds.session, m.client.actorId);
  }

  private readonly onSessionExpired = (m: Member): void => {
    m.sessionTimer = 0;
    if (this.members.get(m.memberId) !== m) return;
    if (!this.available) return this.resetSession(m);
    this.removeMember(m, LeaveReason.SessionTimeout, RebalanceCause.SessionTimeout);
  };

  private startRevokeTimer(m: Member): void {
    if (m.revokeTimer) this.world.sim.cancel(m.revokeTimer);
    m.revokeTimer = this.world.sim.after(m.rebalanceTimeoutUs, this.onRevokeTimeout, { m, epoch: m.epoch }, this.kinds.revoke, m.client.actorId);
  }

  private readonly onRevokeTimeout = ({ m, epoch }: { m: Member; epoch: number }): void => {
    m.revokeTimer = 0;
    if (this.members.get(m.memberId) !== m || m.state !== "unrevoked" || m.epoch !== epoch) return;
    if (!this.available) return this.startRevokeTimer(m);
    this.removeMember(m, LeaveReason.RevocationTimeout, RebalanceCause.MemberFenced);
  };

  // ---------- epochs and reconciliation ----------

  private bumpGroupEpoch(cause: RebalanceCause): void {
    const now = this.world.sim.nowUs;
    this.world.history.record(Op.RebalanceStart, now, -1, this.actorId, cause, this.groupEpoch, this.actorId);
    this.hooks.rebalanceStarted(cause, this.groupEpoch);
    this.groupEpoch++;
    this.stable = false;
    // The target is computed at once; members learn it on their next heartbeat.
    this.computeTarget();
  }

  private computeTarget(): void {
    const members = [...this.members.values()].map((m) => ({ memberId: m.memberId, topics: m.topics }));
    this.target = serverAssign(this.settings.assignor, members, this.partitionsPerTopic, this.target);
    this.targetEpoch = this.groupEpoch;
  }

  /** Moves a member one step toward its target, given the partitions its heartbeat says it still owns. */
  private reconcile(m: Member, owned: readonly TopicPartition[]): void {
    const next = reconcileMember(m, this.target.get(m.memberId) ?? [], this.targetEpoch, owned, (tp) => this.owners.get(tpKey(tp)));
    if (next) {
      if (next.epoch !== m.epoch) m.previousEpoch = m.epoch;
      m.epoch = next.epoch;
      m.state = next.state;
      this.setPartitions(m, next.assigned, next.pendingRevocation);
    }
    // The rebalance timeout runs while the member has partitions to give up.
    if (m.state === "unrevoked" && !m.revokeTimer) this.startRevokeTimer(m);
    else if (m.state !== "unrevoked" && m.revokeTimer) {
      this.world.sim.cancel(m.revokeTimer);
      m.revokeTimer = 0;
    }
  }

  /** Sets a member's partitions and keeps the owner index in step. */
  private setPartitions(m: Member, assigned: TopicPartition[], pending: TopicPartition[]): void {
    for (const tp of [...m.assigned, ...m.pendingRevocation]) if (this.owners.get(tpKey(tp)) === m.memberId) this.owners.delete(tpKey(tp));
    m.assigned = assigned;
    m.pendingRevocation = pending;
    for (const tp of [...assigned, ...pending]) {
      const holder = this.owners.get(tpKey(tp));
      if (holder !== undefined && holder !== m.memberId) throw new Error(`partition ${tp.topic}/${tp.partition} given to ${m.memberId} while ${holder} holds it`);
      this.owners.set(tpKey(tp), m.memberId);
    }
  }

  /** The group is stable once the target is at the group epoch and every member has reached it. */
  private checkStable(): void {
    let stable = this.targetEpoch === this.groupEpoch;
    for (const m of this.members.values()) {
      if (m.epoch === STATIC_LEAVE_EPOCH) continue;
      if (m.state !== "stable" || m.epoch !== this.targetEpoch) stable = false;
    }
    if (!stable || this.stable) return;
    this.stable = true;
    this.world.history.record(Op.GroupStable, this.world.sim.nowUs, -1, this.actorId, this.members.size, this.groupEpoch, this.actorId);
    this.hooks.stable(this.groupEpoch, this.target);
  }
}
