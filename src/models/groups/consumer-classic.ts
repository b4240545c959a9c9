// A consumer's membership in a classic-protocol group (JoinGroup, SyncGroup, Heartbeat): the background
// heartbeat thread, the join/sync round trip, eager or cooperative revocation, and what a fencing error does.
// Responses are acted on inside the member's poll() (handleInPoll), as KafkaConsumer does. The consumer
// protocol's counterpart is consumer-reconcile.ts; consumer.ts composes either one with the data path.
import { Op } from "../../history/history.ts";
import type { Rng } from "../../kernel/rng.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import type { GroupError } from "./group-coordinator.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { ConsumerMember } from "./consumer.ts";
import type { ConsumerDataPath } from "./consumer-data-path.ts";

export class ClassicProtocolMember {
  /** Set when the member must (re)join: at start, on REBALANCE_IN_PROGRESS, after fencing or a poll timeout. */
  rejoinNeeded = true;

  constructor(
    private readonly member: ConsumerMember,
    private readonly group: ConsumerGroup,
    private readonly heartbeatRng: Rng,
    private readonly data: ConsumerDataPath,
    /** Sends a request to the group coordinator; false when none is available. */
    private readonly toCoordinator: <T>(handler: (r: T) => void, req: T) => boolean,
  ) {}

  private get spec() {
    return this.group.spec;
  }

  /** Starts the heartbeat thread; `bootstrap`ped members already hold generation 1's assignment. */
  start(bootstrap?: { memberId: string; generation: number; assignment: TopicPartition[] }): void {
    const m = this.member;
    // Members joined at different moments, so their heartbeat threads are not in step.
    m.schedule(Math.round(this.heartbeatRng.uniform(0, this.spec.heartbeatInterval)), this.heartbeatTick);
    if (bootstrap) {
      m.memberId = bootstrap.memberId;
      m.generation = bootstrap.generation;
      m.phase = "stable";
      this.rejoinNeeded = false;
      m.addPartitions(bootstrap.assignment);
    }
  }

  // ---------- heartbeat thread ----------

  private readonly heartbeatTick = (): void => {
    const m = this.member;
    m.schedule(this.spec.heartbeatInterval, this.heartbeatTick);
    if (m.pollTimerExpired() || m.phase !== "stable" || m.memberId === "") return;
    this.toCoordinator(this.group.classic.handleHeartbeatFromNet, { client: m, memberId: m.memberId, generation: m.generation });
  };

  readonly onHeartbeatResponse = (r: { error: GroupError }): void => this.member.wrap(this.heartbeatResponse)(r);

  private readonly heartbeatResponse = (r: { error: GroupError }): void => {
    if (r.error === "REBALANCE_IN_PROGRESS") this.rejoinNeeded = true;
    else if (r.error !== "NONE") this.fenceOrReset(r.error);
  };

  /** The coordinator no longer knows this member (or this generation): lose partitions, rejoin. */
  private fenceOrReset(error: GroupError): void {
    const m = this.member;
    m.handleInPoll(() => {
      m.loseAll();
      if (error === "FENCED_INSTANCE_ID") {
        m.crash();
        return;
      }
      if (error === "UNKNOWN_MEMBER_ID") m.memberId = "";
      m.generation = -1;
      m.phase = "idle";
      this.rejoinNeeded = true;
    });
  }

  /** poll() after max.poll.interval expired: a dynamic member comes back under a new id, a static one under its own. */
  pollTimeoutReset(): void {
    const m = this.member;
    if (m.instanceId === undefined) m.memberId = "";
    m.generation = -1;
    m.phase = "idle";
    this.rejoinNeeded = true;
  }

  // ---------- join and sync (run by poll) ----------

  /** Checked by poll(): a rejoin is due and no join is already under way. */
  joinDue(): boolean {
    const phase = this.member.phase;
    return this.rejoinNeeded && (phase === "stable" || phase === "idle");
  }

  startJoin(): void {
    const m = this.member;
    const ownedBefore = [...m.owned];
    const send = (): void => {
      if (!this.group.cooperative && m.owned.length > 0) m.removePartitions([...m.owned], Op.PartitionRevoked);
      m.phase = "joining";
      this.rejoinNeeded = false;
      this.sendJoin(ownedBefore);
    };
    // Before an eager revocation, auto-commit (and the usual onPartitionsRevoked commit) saves the positions.
    const mode = this.spec.commit.mode;
    if (!this.group.cooperative && ownedBefore.length > 0) this.data.commitOpenTransaction();
    if (!this.group.cooperative && ownedBefore.length > 0 && (mode === "auto" || mode === "async-after-processing")) {
      const offsets = mode === "auto" ? this.data.positionOffsets() : this.data.processedOffsets();
      this.data.commit(offsets, true, send);
    } else send();
  }

  private sendJoin(owned: TopicPartition[]): void {
    const m = this.member;
    const req = {
      client: m,
      memberId: m.memberId,
      instanceId: m.instanceId,
      topics: m.topics,
      owned,
      ownedGeneration: m.generation,
      rebalanceTimeoutUs: this.spec.maxPollInterval,
      sessionTimeoutUs: this.spec.sessionTimeout,
    };
    this.toCoordinator(this.group.classic.handleJoinFromNet, req);
  }

  /** The coordinator moved (or came back): re-send the join or sync that was waiting on the old one. */
  coordinatorMoved(): void {
    const m = this.member;
    if (m.phase === "joining") this.sendJoin(m.owned);
    else if (m.phase === "syncing") this.sendSync();
  }

  private sendSync(): void {
    const m = this.member;
    this.toCoordinator(this.group.classic.handleSyncFromNet, { client: m, memberId: m.memberId, generation: m.generation });
  }

  readonly onJoinResponse = (r: { error: GroupError; memberId: string; generation: number; leader: boolean }): void => this.member.wrap(this.joinResponse)(r);

  private readonly joinResponse = (r: { error: GroupError; memberId: string; generation: number }): void => {
    const m = this.member;
    if (m.phase !== "joining") return;
    m.handleInPoll(() => {
      if (r.error !== "NONE") return this.fenceOrResetNow(r.error);
      m.memberId = r.memberId;
      m.generation = r.generation;
      m.phase = "syncing";
      this.sendSync();
    });
  };

  /** Inside poll(): this member's partitions now belong to someone else; rejoin (or stop, if fenced). */
  fenceOrResetNow(error: GroupError): void {
    const m = this.member;
    m.loseAll();
    if (error === "FENCED_INSTANCE_ID") return m.crash();
    if (error === "UNKNOWN_MEMBER_ID") m.memberId = "";
    m.phase = "idle";
    this.rejoinNeeded = true;
  }

  readonly onSyncResponse = (r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void => this.member.wrap(this.syncResponse)(r);

  private readonly syncResponse = (r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void => {
    const m = this.member;
    if (m.phase !== "syncing") return;
    m.handleInPoll(() => {
      if (r.error !== "NONE") {
        if (r.error === "REBALANCE_IN_PROGRESS") {
          m.phase = "stable";
          this.rejoinNeeded = true;
          return;
        }
        return this.fenceOrResetNow(r.error);
      }
      const target = new Set(r.assignment.map(tpKey));
      const revoked = m.owned.filter((tp) => !target.has(tpKey(tp)));
      m.phase = "stable";
      if (revoked.length > 0) {
        // Cooperative: give up only what moves, after committing what was done, and rejoin at once.
        this.data.commitOpenTransaction();
        this.data.commit(this.data.revocationOffsets(revoked), false);
        m.removePartitions(revoked, Op.PartitionRevoked);
        this.rejoinNeeded = true;
      }
      m.addPartitions(r.assignment);
    });
  };
}
