// The KRaft controller, reduced to what decides leadership: broker liveness by heartbeat sessions
// (broker.session.timeout), leader election by Kafka's rule, and ISR changes proposed by leaders
// (AlterPartition). The controller quorum itself is modelled as one node, "controller", that never fails;
// brokers reach it over the network, so a partition can cut a broker off from it.
//
// Election (PartitionChangeBuilder): keep the current leader if it is alive and in the ISR; else the first
// replica in assignment order that is alive and in the ISR; else, only with unclean.leader.election.enable,
// the first live replica even if out of sync (its log wins, the others truncate); else the partition is
// offline until an ISR member returns. The ISR never becomes empty: the last member stays in it while down,
// so that it can be elected cleanly when it comes back. (Kafka 4.x's eligible leader replicas are not modelled.)
import { Op } from "../history/history.ts";
import type { World } from "../runner/world.ts";
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

  constructor(
    private readonly cluster: Cluster,
    private readonly world: World,
  ) {
    const n = cluster.brokers.length;
    this.unfenced = new Array(n).fill(true);
    this.lastHeartbeatUs = new Array(n).fill(0);
    this.incarnations = new Array(n).fill(0);
    this.sessionKind = world.sim.registerKind("controller.session-check");
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

  private stateOf(p: Partition): PartitionState {
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
      if (p.isr.includes(broker.id) && p.isr.length > 1) {
        p.isr = p.isr.filter((b) => b !== broker.id);
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

  /** Applies Kafka's election rule to a partition whose leader is gone (or absent). */
  private elect(p: Partition): void {
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    const live = (b: number): boolean => this.unfenced[b];
    let leader = p.replicas.find((b) => live(b) && p.isr.includes(b));
    let unclean = false;
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
      p.isr = p.replicas.filter((b) => next.includes(b));
      p.partitionEpoch++;
      this.push(p);
    } else this.push(p, req.broker.id);
  };
}
