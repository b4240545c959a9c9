// The member side of the consumer rebalance protocol (KIP-848): a consumer in a `protocol: consumer` group
// heartbeats ConsumerGroupHeartbeat at the interval the broker gives it (group.consumer.heartbeat.interval,
// 5 s), carrying its member epoch (0 to join, -1 to leave, -2 for a static member leaving for a while), its
// subscription and the partitions it owns. Each answer holds its assignment; the member reconciles toward
// it on its own: partitions no longer assigned are released first, after committing what was consumed (the
// rebalance-listener commit of classic eager rebalances, but only for what moves), and the member says so
// at once with another heartbeat; new partitions are taken when they come. Like the rebalance listener
// callbacks, the release and the take run on the application thread, in poll(). The member id is chosen
// by the client (KIP-1082): kept across rejoins, new for a new process. A member the coordinator fenced or
// forgot loses its partitions and rejoins with epoch 0; an unreleased static instance id is fatal.
import type { Rng } from "../../kernel/rng.ts";
import { Op } from "../../history/history.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import { JOIN_EPOCH, LEAVE_EPOCH, STATIC_LEAVE_EPOCH, type ConsumerHeartbeatResponse, type ConsumerProtocolClient } from "./group-consumer-protocol.ts";
import type { LeaveReason } from "./group-protocol.ts";
import type { ConsumerMember } from "./consumer.ts";
import type { ConsumerGroup } from "./consumer-group.ts";

export class ConsumerProtocolMember implements ConsumerProtocolClient {
  /** Until the first answer, the client knows no interval; it heartbeats on joining and then at the broker's. */
  private intervalUs: number;
  private target: TopicPartition[] | undefined;
  private reconciling = false;
  private reconcileAgain = false;
  /** A leave was sent: no heartbeats until the member rejoins. */
  private left = false;
  /** Fenced: partitions are being given up, answers in flight are stale. */
  private fencing = false;

  constructor(
    private readonly member: ConsumerMember,
    private readonly group: ConsumerGroup,
    private readonly rng: Rng,
  ) {
    this.intervalUs = group.consumerProtocol!.heartbeatIntervalUs;
  }

  get name(): string {
    return this.member.name;
  }
  get actorId(): number {
    return this.member.actorId;
  }

  /** A new process: a new member id, epoch 0. Bootstrapped members are already in at the group's epoch. */
  start(bootstrap?: { memberId: string; epoch: number; assignment: TopicPartition[] }): void {
    this.target = undefined;
    this.reconciling = this.reconcileAgain = this.left = this.fencing = false;
    const m = this.member;
    if (bootstrap) {
      m.memberId = bootstrap.memberId;
      m.generation = bootstrap.epoch;
      m.phase = "stable";
      m.addPartitions(bootstrap.assignment);
      m.schedule(Math.round(this.rng.uniform(0, this.intervalUs)), () => this.tick());
      return;
    }
    m.memberId = this.newMemberId();
    m.generation = JOIN_EPOCH;
    this.tick();
  }

  /** `<client.id>-<UUID>`, chosen by the client. */
  newMemberId(): string {
    const hex = (n: number): string => n.toString(16).padStart(8, "0");
    return `${this.member.name}-${hex(this.rng.int(2 ** 32))}${hex(this.rng.int(2 ** 32))}`;
  }

  private tick(): void {
    this.member.schedule(this.intervalUs, () => this.tick());
    if (this.member.pollTimerExpired() || this.left) return;
    this.send();
  }

  private send(epoch = this.member.generation, leaveReason?: LeaveReason): void {
    const m = this.member;
    const c = this.group.coordinator;
    if (!m.alive || !c.available) return;
    const req = {
      client: this,
      memberId: m.memberId,
      instanceId: m.instanceId,
      memberEpoch: epoch,
      topics: m.topics,
      owned: [...m.owned],
      rebalanceTimeoutUs: this.group.spec.maxPollInterval,
      leaveReason,
    };
    this.group.world.net.send(m.name, c.hostName, this.group.consumerCoordinator.handleHeartbeatFromNet, req, m.actorId);
  }

  /** Close or poll timeout: a dynamic member leaves (-1); a static one leaves for a while (-2), keeping its partitions at the coordinator. */
  leave(reason: LeaveReason): void {
    this.left = true;
    this.send(this.member.instanceId === undefined ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH, reason);
  }

  /** poll() again after the poll timer expired: start over with epoch 0, under the same member id. */
  rejoin(): void {
    this.left = false;
    this.target = undefined;
    this.member.generation = JOIN_EPOCH;
    this.send();
  }

  /** The coordinator moved: tell the new one where we are at once. */
  heartbeatNow(): void {
    if (!this.left) this.send();
  }

  readonly onConsumerHeartbeatResponse = (r: ConsumerHeartbeatResponse): void => this.member.wrap((x: ConsumerHeartbeatResponse) => this.response(x))(r);

  private response(r: ConsumerHeartbeatResponse): void {
    const m = this.member;
    if (this.left || r.memberEpoch === LEAVE_EPOCH || r.memberEpoch === STATIC_LEAVE_EPOCH) {
      if (r.error === "NONE" || this.left) return;
    }
    if (r.error === "UNRELEASED_INSTANCE_ID" || r.error === "FENCED_INSTANCE_ID") {
      // Fatal for the consumer: another process holds (or took) this group.instance.id.
      return m.crash();
    }
    if (r.error === "UNKNOWN_MEMBER_ID" || r.error === "FENCED_MEMBER_EPOCH") {
      if (this.fencing) return;
      this.fencing = true;
      // onPartitionsLost, then rejoin with epoch 0: nothing to commit, the partitions may be someone else's.
      m.handleInPoll(() => {
        this.fencing = false;
        this.reconciling = this.reconcileAgain = false;
        m.loseAll();
        this.rejoin();
      });
      return;
    }
    if (r.error !== "NONE" || this.fencing) return;
    // Answers overtaken by a newer epoch are stale.
    if (r.memberEpoch < m.generation) return;
    m.generation = r.memberEpoch;
    this.intervalUs = r.heartbeatIntervalUs;
    m.phase = "stable";
    this.target = r.assignment;
    this.reconcile();
  }

  /** Release what is no longer ours, then take what is new; one step at a time, each confirmed at once. */
  private reconcile(): void {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    const { revoke, add } = this.diff();
    if (revoke.length === 0 && add.length === 0) return;
    this.reconciling = true;
    const m = this.member;
    m.handleInPoll(() => {
      const done = (): void => {
        this.reconciling = false;
        this.send();
        if (this.reconcileAgain) {
          this.reconcileAgain = false;
          this.reconcile();
        }
      };
      if (this.fencing) return;
      // Against the latest assignment, which may have changed while the application thread was busy.
      const now = this.diff();
      if (now.revoke.length > 0) {
        // Released at a quiet point of the poll loop; partitions lost meanwhile are not released twice.
        return m.commitBeforeRevoke(now.revoke, () => {
          m.removePartitions(
            now.revoke.filter((tp) => m.owned.some((o) => tpKey(o) === tpKey(tp))),
            Op.PartitionRevoked,
          );
          done();
        });
      }
      m.addPartitions(now.add);
      done();
    });
  }

  private diff(): { revoke: TopicPartition[]; add: TopicPartition[] } {
    const target = this.target ?? [];
    const targetKeys = new Set(target.map(tpKey));
    const owned = new Set(this.member.owned.map(tpKey));
    return { revoke: this.member.owned.filter((tp) => !targetKeys.has(tpKey(tp))), add: target.filter((tp) => !owned.has(tpKey(tp))) };
  }
}
