// Brokers hosting partition logs. In this model every partition has one replica, placed on broker
// (partition mod brokers), so the leader is that broker and the high watermark follows the log end.
// Appends to one partition complete in arrival order (Kafka serialises appends per partition).
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import { makeSampler, type DistributionSpec } from "../kernel/distributions.ts";
import { PartitionLog } from "./partition-log.ts";
import { Op, type History } from "../history/history.ts";

export class Topic {
  readonly logs: PartitionLog[];
  /** Called after every append, e.g. to keep consumer-group lag current without polling for it. */
  readonly appendListeners: ((partition: number, offset: number) => void)[] = [];
  constructor(
    readonly name: string,
    readonly actorId: number,
    partitions: number,
  ) {
    this.logs = Array.from({ length: partitions }, (_, p) => new PartitionLog(name, p));
  }
  get partitionCount(): number {
    return this.logs.length;
  }
}

export class Broker {
  readonly name: string;
  constructor(readonly id: number) {
    this.name = `broker-${id}`;
  }
}

export interface AppendRequest {
  msg: number;
  topic: Topic;
  partition: number;
  onAppended: (offset: number) => void;
}

export class Cluster {
  readonly brokers: Broker[];
  readonly topics = new Map<string, Topic>();
  private readonly appendSample: () => number;
  /** Completion time of the last append scheduled per log, to keep appends in arrival order. */
  private readonly lastAppendUs = new Map<PartitionLog, number>();
  private readonly appendKind: number;

  constructor(
    private readonly sim: Simulation,
    rng: Rng,
    private readonly history: History,
    brokerCount: number,
    appendTime: DistributionSpec,
  ) {
    this.brokers = Array.from({ length: brokerCount }, (_, i) => new Broker(i));
    this.appendSample = makeSampler(appendTime, rng.fork("cluster/append"));
    this.appendKind = sim.registerKind("broker.append");
  }

  addTopic(name: string, partitions: number): Topic {
    const t = new Topic(name, this.history.actor(name, "topic"), partitions);
    this.topics.set(name, t);
    return t;
  }

  leaderOf(_topic: Topic, partition: number): Broker {
    return this.brokers[partition % this.brokers.length];
  }

  /** Handles a produce request that reached the partition leader. */
  append(req: AppendRequest): void {
    const log = req.topic.logs[req.partition];
    const ready = this.sim.nowUs + Math.max(0, Math.round(this.appendSample()));
    const at = Math.max(ready, this.lastAppendUs.get(log) ?? 0);
    this.lastAppendUs.set(log, at);
    this.sim.at(at, this.doAppend, req, this.appendKind, req.msg);
  }

  private readonly doAppend = (req: AppendRequest): void => {
    const log = req.topic.logs[req.partition];
    const offset = log.append(req.msg);
    this.history.record(Op.Append, this.sim.nowUs, req.msg, req.topic.actorId, req.partition, offset);
    for (const l of req.topic.appendListeners) l(req.partition, offset);
    req.onAppended(offset);
  };
}
