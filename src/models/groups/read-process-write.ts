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
  /** commit.interval.ms (a stream processor's): when the last commit began, whether one is out, whether work waits. */
  private lastCommitUs = 0;
  private committing = false;
  private uncommitted = false;

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

  /**
   * After a processed batch: whether to commit now. Without a commit interval, always; with one, once it has
   * passed since the last commit began (the transaction stays open meanwhile) and no commit is out.
   */
  commitDue(): boolean {
    const iv = this.group.recordHook?.commitIntervalUs;
    const due = iv === undefined || (!this.committing && this.world.sim.nowUs - this.lastCommitUs >= iv);
    if (!due) this.uncommitted = true;
    return due;
  }

  /** In the poll loop: a transaction left open by commitDue() is due (no new batch needs to arrive for it). */
  idleCommitDue(): boolean {
    const iv = this.group.recordHook?.commitIntervalUs;
    return iv !== undefined && this.uncommitted && !this.committing && this.world.sim.nowUs - this.lastCommitUs >= iv;
  }

  /** Processed work waits in an open transaction (commitDue() said not yet) and no commit is out. */
  hasUncommitted(): boolean {
    return this.uncommitted && !this.committing;
  }

  /** The batch is processed: send its results, add its offsets, commit. `rewind` runs when it aborted. */
  commitBatch(offsets: CommitOffset[], done: () => void, rewind: () => void): void {
    this.lastCommitUs = this.world.sim.nowUs;
    this.committing = true;
    this.uncommitted = false;
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
      this.committing = false;
      if (!committed) rewind();
      done();
    });
  }

  crash(): void {
    this.outputs = [];
    this.committing = false;
    this.uncommitted = false;
    this.producer.crash({ loseUnflushed: false });
  }

  restart(): void {
    this.producer.restart();
  }
}
