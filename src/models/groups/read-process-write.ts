// Exactly-once read-process-write (Kafka's exactly_once_v2, semantics.md §1) for one consumer-group member:
// a transactional producer (transactional.id <group>-<i>, so a restarted member fences the instance it
// replaces) writes each processed record's result to the output topic; when the batch is done the offsets go
// into the same transaction (sendOffsetsToTransaction, checked against the member's group generation) and it
// commits. Outputs and offsets become visible together or not at all: a member that lost its partitions in a
// rebalance while frozen (a zombie) has its offsets refused, its transaction aborted, and rewinds.
import type { World } from "../../runner/world.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { CommitOffset } from "./group-coordinator.ts";
import { GroupCoordinator } from "./group-coordinator.ts";
import type { FetchedRecord } from "./consumer-data-path.ts";
import { Producer } from "../kafka/producer.ts";
import type { Cluster } from "../kafka/cluster.ts";
import { zProducer } from "../../scenario/schema.ts";

/** The member as this needs it: its name, and its current membership (for the TxnOffsetCommit check). */
export interface ReadProcessWriteHost {
  readonly name: string;
  readonly actorId: number;
  membership(): { memberId: string; generation: number; client: unknown };
}

export class ReadProcessWrite {
  /** The member's transactional producer (a stream processor writes its sink and changelog records through it). */
  readonly producer: Producer;
  private readonly outputTopicActor: number;
  private outputs: number[] = [];

  constructor(
    private readonly world: World,
    cluster: Cluster,
    private readonly group: ConsumerGroup,
    private readonly host: ReadProcessWriteHost,
    index: number,
  ) {
    const t = group.spec.transactional!;
    const spec = zProducer.parse({
      name: `${host.name}-producer`,
      topic: t.outputTopic,
      rate: "0/s",
      transactionalId: `${group.spec.name}-${index}`,
    });
    spec.transactionTimeout = t.transactionTimeout;
    this.producer = new Producer(world, cluster, cluster.topics.get(t.outputTopic)!, spec);
    this.producer.txn!.setManual();
    this.outputTopicActor = cluster.topics.get(t.outputTopic)!.actorId;
    this.producer.start();
  }

  /** The handler finished a record: its result goes to the output topic (inside the open transaction). */
  onProcessed(r: FetchedRecord): void {
    // A stream processor writes its own results (sink and changelog) through `producer`, inside the same transaction.
    if (this.group.recordHook?.writesOwnOutputs) return;
    const h = this.world.history;
    const out = h.newMessage(this.producer.actorId, h.msgKey[r.msg], this.outputTopicActor, this.world.sim.nowUs);
    this.outputs.push(out);
  }

  /** The batch is processed: send its results, add its offsets, commit. `rewind` runs when it aborted. */
  commitBatch(offsets: CommitOffset[], done: () => void, rewind: () => void): void {
    const outs = this.outputs;
    this.outputs = [];
    for (const m of outs) this.producer.publish(m);
    const { memberId, generation, client } = this.host.membership();
    const c = this.group.coordinator;
    const valid = (): boolean => {
      if (c instanceof GroupCoordinator) return c.members.has(memberId) && c.generation === generation && c.state !== "CompletingRebalance";
      return c.members.get(memberId)?.epoch === generation;
    };
    // At commit the coordinator writes the offsets as the group's (Commit rows) — the transaction's offset commit.
    const apply = (): void => this.group.commitHandler({ client: client as never, memberId, generation, offsets, sync: false });
    this.producer.txn!.commitManual(offsets.length > 0 ? { valid, apply } : undefined, (committed) => {
      if (!committed) rewind();
      done();
    });
  }

  crash(): void {
    this.outputs = [];
    this.producer.crash({ loseUnflushed: false });
  }

  restart(): void {
    this.producer.restart();
  }
}
