// The KRaft controller, reduced to what decides leadership: broker liveness by heartbeat sessions
// (broker.session.timeout), leader election by Kafka's rule, and ISR changes proposed by leaders
// (AlterPartition). The controller quorum itself is modelled as one node, "controller", that never fails;
// brokers reach it over the network, so a partition can cut a broker off from it.
//
// Election (PartitionChangeBuilder): keep the current leader if it is alive and in the ISR; else the first
// replica in assignment order that is alive and in the ISR; else, only with unclean.leader.election.enable,
// the first live replica even if out of sync (its log wins, the others truncate); else the partition is
// offline until an ISR member returns. Without ELR the ISR never becomes empty: the last member stays in it
// while down, so that it can be elected cleanly when it comes back.
//
// Eligible leader replicas (KIP-966; cluster feature eligible.leader.replicas.version, off by default in
// Kafka 4.0, on for new 4.1 clusters): whenever the ISR changes to fewer than min.insync.replicas members,
// ELR = (ELR ∪ old ISR) − new ISR − replicas back from an unclean shutdown; at min ISR or more it is emptied.
// The ISR may then become empty (a fenced last member moves to the ELR). Election order: the ISR; if the ISR
// is empty, the first live ELR member in assignment order (it becomes the ISR alone, cleanly); if ISR and ELR
// are both empty, the last known leader if it is live (what pre-4.0 Kafka did by keeping it in the ISR);
// then the unclean rule. A broker that registers after an unclean shutdown (any crash here: only a controlled
// shutdown writes the clean-shutdown marker, and none is modelled) is removed from every ELR.
// (PartitionChangeBuilder.maybePopulateTargetElr / electAnyLeader; the HW rule is in replica.ts.)
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { Broker, PartitionState } from "./broker.ts";
import type { Cluster } from "./cluster.ts";
import type { Partition } from "./partition.ts";
import type { Replica } from "./replica.ts";

interface AlterPartition {
  broker: Broker;
  partition: Partition;
  leaderEpoch: number;
  isr: number[];
}

export class Controller {
  readonly name = "controller";
  /** Unfenced brokers, as the controller sees them. */
  private readonly unfenced: boolean[];
  private readonly lastHeartbeatUs: number[];
  private readonly incarnations: number[];
  private readonly sessionKind: number;
  private readonly elrEnabled: boolean;

  constructor(
    private readonly cluster: Cluster,
    private readonly world: World,
  ) {
    const n = cluster.brokers.length;
    this.unfenced = new Array(n).fill(true);
    this.lastHeartbeatUs = new Array(n).fill(0);
    this.incarnations = new Array(n).fill(0);
    this.sessionKind = world.sim.registerKind("controller.session-check");
    this.elrEnabled = world.scenario.cluster.eligibleLeaderReplicas;
  }

  isUnfenced(broker: number): boolean {
    return this.unfenced[broker];
  }

  /** Elects the preferred leaders and tells every broker, before anything else happens. */
  start(): void {
    for (const p of this.cluster.partitions()) {
      p.leader = p.replicas[0];
      p.log = this.cluster.replicaOf(p.leader, p).log;
      for (const b of p.replicas) this.cluster.brokers[b].applyState(this.stateOf(p));
    }
    this.scheduleSessionCheck();
  }

  /** CreatePartitions at run time: the new partition's ISR is its live replicas, led by the first of them. */
  addPartition(p: Partition): void {
    p.eligibleLeaderReplicas = this.elrEnabled;
    const live = p.replicas.filter((b) => this.unfenced[b]);
    if (live.length > 0) p.isr = live;
    p.leader = live.length > 0 ? live[0] : -1;
    p.log = this.cluster.replicaOf(p.leader >= 0 ? p.leader : p.replicas[0], p).log;
    this.push(p);
  }

  private stateOf(p: Partition): PartitionState {
    // The feature flag travels with the metadata (every partition, also one added at run time, gets its
    // leader through here), so a leader applies the HW rule of the cluster it is in.
    p.eligibleLeaderReplicas = this.elrEnabled;
    return { partition: p, leader: p.leader, leaderEpoch: p.leaderEpoch, isr: [...p.isr], partitionEpoch: p.partitionEpoch };
  }

  /** Pushes a partition's new state to its replicas' brokers (they may be unreachable and stay stale). */
  private push(p: Partition, only?: number): void {
    const s = this.stateOf(p);
    for (const b of p.replicas) {
      if (only !== undefined && b !== only) continue;
      const broker = this.cluster.brokers[b];
      this.world.net.send(this.name, broker.name, broker.applyState.bind(broker), s, b);
    }
  }

  readonly onHeartbeat = (hb: { broker: Broker; incarnation: number }): void => {
    const broker = hb.broker;
    this.lastHeartbeatUs[broker.id] = this.world.sim.nowUs;
    if (hb.incarnation !== this.incarnations[broker.id]) {
      // A restarted broker registers anew: its old registration is fenced first (it leaves ISRs and its
      // leaderships move), then the new one is admitted and learns its partitions — as KRaft does.
      this.incarnations[broker.id] = hb.incarnation;
      if (this.unfenced[broker.id]) this.fence(broker);
      if (this.elrEnabled) this.forgetUncleanShutdown(broker);
    }
    if (!this.unfenced[broker.id]) this.unfence(broker);
  };

  private scheduleSessionCheck(): void {
    this.world.sim.after(this.cluster.config.sessionCheckIntervalUs, this.sessionCheck, undefined, this.sessionKind, 0);
  }

  private readonly sessionCheck = (): void => {
    const now = this.world.sim.nowUs;
    const timeout = this.cluster.config.brokerSessionTimeoutUs;
    for (let b = 0; b < this.unfenced.length; b++) {
      if (this.unfenced[b] && now - this.lastHeartbeatUs[b] > timeout) this.fence(this.cluster.brokers[b]);
    }
    if (now < this.world.endUs) this.scheduleSessionCheck();
  };

  private fence(broker: Broker): void {
    const h = this.world.history;
    this.unfenced[broker.id] = false;
    h.record(Op.BrokerFence, this.world.sim.nowUs, -1, broker.actorId, -1, -1, 1);
    for (const p of this.cluster.partitions()) {
      if (!p.replicas.includes(broker.id)) continue;
      let changed = false;
      // With ELR the last member leaves too (the ISR may be empty); without, it stays to be elected on return.
      if (p.isr.includes(broker.id) && (p.isr.length > 1 || this.elrEnabled)) {
        const before = p.isr;
        p.isr = p.isr.filter((b) => b !== broker.id);
        this.updateElr(p, before);
        h.record(Op.IsrShrink, this.world.sim.nowUs, -1, broker.actorId, p.partition, p.isr.length, p.topicActor);
        changed = true;
      }
      if (p.leader === broker.id) {
        this.elect(p);
        changed = true;
      }
      if (changed) {
        p.partitionEpoch++;
        this.push(p);
      }
    }
  }

  private unfence(broker: Broker): void {
    this.unfenced[broker.id] = true;
    this.world.history.record(Op.BrokerFence, this.world.sim.nowUs, -1, broker.actorId, -1, -1, 0);
    for (const p of this.cluster.partitions()) {
      if (!p.replicas.includes(broker.id)) continue;
      if (p.leader < 0) {
        this.elect(p);
        if (p.leader >= 0) {
          p.partitionEpoch++;
          this.push(p);
          continue;
        }
      }
      // A returning broker learns the current state of its partitions and starts following.
      this.push(p, broker.id);
    }
  }

  /** KIP-966: the ELR after the ISR changed from `before` to `p.isr` (maybePopulateTargetElr). */
  private updateElr(p: Partition, before: number[]): void {
    if (!this.elrEnabled) return;
    if (p.isr.length === 0 && before.length > 0 && p.leader >= 0) p.lastKnownLeader = p.leader;
    if (p.isr.length >= p.minInsyncReplicas) {
      p.elr = [];
      return;
    }
    p.elr = p.replicas.filter((b) => (p.elr.includes(b) || before.includes(b)) && !p.isr.includes(b));
  }

  /** A broker back from an unclean shutdown may have lost records it acknowledged: it leaves every ELR. */
  private forgetUncleanShutdown(broker: Broker): void {
    for (const p of this.cluster.partitions()) {
      if (!p.elr.includes(broker.id)) continue;
      p.elr = p.elr.filter((b) => b !== broker.id);
      p.partitionEpoch++;
      this.push(p);
    }
  }

  /** Applies Kafka's election rule to a partition whose leader is gone (or absent). */
  private elect(p: Partition): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const live = (b: number): boolean => this.unfenced[b];
    let leader = p.replicas.find((b) => live(b) && p.isr.includes(b));
    let unclean = false;
    let fromElr = false;
    if (leader === undefined && this.elrEnabled && p.isr.length === 0) {
      leader = p.replicas.find((b) => live(b) && p.elr.includes(b));
      fromElr = leader !== undefined;
      // ISR and ELR empty: the last known leader, as pre-ELR Kafka would have elected its last ISR member.
      if (leader === undefined && p.elr.length === 0 && p.lastKnownLeader >= 0 && live(p.lastKnownLeader)) leader = p.lastKnownLeader;
    }
    if (leader === undefined && p.uncleanLeaderElection) {
      leader = p.replicas.find(live);
      unclean = leader !== undefined;
    }
    if (leader === undefined) {
      if (p.leader !== -1) h.record(Op.PartitionOffline, now, -1, p.topicActor, p.partition, -1, p.topicActor);
      p.leader = -1;
      return;
    }
    p.leader = leader;
    p.leaderEpoch++;
    if (this.elrEnabled) {
      const chosen = leader;
      // An ELR member leads as the ISR alone and leaves the ELR; any other pick out of the ISR clears the ELR.
      if (fromElr) p.elr = p.elr.filter((b) => b !== chosen);
      else if (!p.isr.includes(chosen)) p.elr = [];
      if (!p.isr.includes(chosen)) p.isr = [chosen];
      p.lastKnownLeader = -1;
    }
    if (unclean) p.isr = [leader];
    const r = this.cluster.replicaOf(leader, p);
    p.log = r.log;
    p.leaderChanged(r.log.logEndOffset);
    const broker = this.cluster.brokers[leader];
    h.record(unclean ? Op.UncleanLeaderElection : Op.LeaderElection, now, p.leaderEpoch, broker.actorId, p.partition, r.log.logEndOffset, p.topicActor);
  }

  /** A leader asks to change the ISR; it travels over the network and may be lost with a partition. */
  requestAlterPartition(broker: Broker, r: Replica, isr: number[]): void {
    const req: AlterPartition = { broker, partition: r.partition, leaderEpoch: r.leaderEpoch, isr };
    this.world.net.send(broker.name, this.name, this.onAlterPartition, req, broker.id);
  }

  private readonly onAlterPartition = (req: AlterPartition): void => {
    const p = req.partition;
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    if (p.leader !== req.broker.id || p.leaderEpoch !== req.leaderEpoch || !this.unfenced[req.broker.id]) {
      this.push(p, req.broker.id);
      return;
    }
    // Only live brokers may join; the leader itself always stays.
    const next = req.isr.filter((b) => b === p.leader || this.unfenced[b] || p.isr.includes(b));
    const same = next.length === p.isr.length && next.every((b) => p.isr.includes(b));
    if (!same) {
      for (const b of p.isr) if (!next.includes(b)) h.record(Op.IsrShrink, now, -1, this.cluster.brokers[b].actorId, p.partition, next.length, p.topicActor);
      for (const b of next) if (!p.isr.includes(b)) h.record(Op.IsrExpand, now, -1, this.cluster.brokers[b].actorId, p.partition, next.length, p.topicActor);
      const before = p.isr;
      p.isr = p.replicas.filter((b) => next.includes(b));
      this.updateElr(p, before);
      p.partitionEpoch++;
      this.push(p);
    } else this.push(p, req.broker.id);
  };
}
