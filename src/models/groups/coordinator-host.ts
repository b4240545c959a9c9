// Where a group's coordinator runs: on the leader of the group's __consumer_offsets partition. With
// offsets.topic.replication.factor 3 (capped by the broker count) that partition's replicas are placed from its
// number, and the coordinator is on the first live one; it moves when that broker dies. Both group protocols
// (classic and KIP-848's consumer protocol) place their coordinator this way.
import { offsetsPartitionFor, type BrokerLiveness } from "./group-protocol.ts";

export class CoordinatorHost {
  /** Broker id hosting the coordinator, -1 when no replica of the offsets partition is alive. */
  id: number;
  private readonly replicas: number[];

  constructor(
    groupId: string,
    private readonly cluster: BrokerLiveness,
  ) {
    const n = cluster.brokers.length;
    const op = offsetsPartitionFor(groupId);
    this.replicas = Array.from({ length: Math.min(3, n) }, (_, k) => (op + k) % n);
    this.id = this.elect();
  }

  private elect(): number {
    return this.replicas.find((b) => this.cluster.isAlive(b)) ?? -1;
  }

  get name(): string {
    return this.id >= 0 ? this.cluster.brokers[this.id].name : "";
  }

  get available(): boolean {
    return this.id >= 0 && this.cluster.isAlive(this.id);
  }

  /** Re-elects after a broker event; true when the coordinator moved (to another live broker, or to none: id -1). */
  moved(): boolean {
    if (this.available) return false;
    const next = this.elect();
    if (next === this.id) return false;
    this.id = next;
    return true;
  }
}
