// What replay and the trace need to tell a history row in the modelled system's words: node names, a topic
// partition as "orders-3", the scenario's fault list, and the Kafka partition state (leader, ISR) as of the
// row, which the history records only as changes. The narrator walks the history forward to keep that state;
// rows are told in increasing order (timelines and the trace both are), and a step back starts over.
import { Op, type History } from "../../history/history.ts";
import type { Scenario } from "../../scenario/schema.ts";
import type { FaultSpec } from "../../scenario/schema-faults.ts";
import { formatDurationUs } from "../../scenario/units.ts";

/** One history row's columns, as the formatters read them. */
export interface Row {
  timeUs: number;
  msg: number;
  actor: number;
  aux: number;
  partition: number;
  offset: number;
}

/** The parts of a scenario the narrator reads; all optional so hand-made histories can be told too. */
export interface NarratorScenario {
  cluster?: { brokers: number };
  topics?: readonly { name: string; partitions: number; replicationFactor?: number }[];
  faults?: readonly FaultSpec[];
  schemaRegistry?: { schemas: Record<string, unknown> };
}

/** Partition state keys: topic actor and partition in one number (topics < 2^17, partitions < 2^14). */
function tpKey(topic: number, partition: number): number {
  return topic * 16384 + partition;
}

export class Narrator {
  private pos = 0;
  private leaders = new Map<number, number>();
  private isrs = new Map<number, number[]>();
  private readonly initialLeaders = new Map<number, number>();
  private readonly initialIsrs = new Map<number, number[]>();
  private readonly brokerCount: number;
  private readonly topicRf = new Map<number, number>();

  constructor(readonly h: History, readonly scenario: NarratorScenario = {}) {
    this.brokerCount = scenario.cluster?.brokers ?? 0;
    // Placement as the cluster makes it: partition p on brokers (p + i) mod N, the first leading.
    for (const t of scenario.topics ?? []) {
      const topic = h.actorId(t.name);
      if (topic === undefined) continue;
      const rf = t.replicationFactor ?? 1;
      this.topicRf.set(topic, rf);
      for (let p = 0; p < t.partitions; p++) this.place(topic, p, rf, this.initialLeaders, this.initialIsrs);
    }
    this.reset();
  }

  private place(topic: number, p: number, rf: number, leaders: Map<number, number>, isrs: Map<number, number[]>): void {
    if (this.brokerCount <= 0) return;
    const replicas: number[] = [];
    for (let i = 0; i < Math.min(rf, this.brokerCount); i++) {
      const b = this.h.actorId(`broker-${(p + i) % this.brokerCount}`);
      if (b !== undefined) replicas.push(b);
    }
    if (replicas.length === 0) return;
    leaders.set(tpKey(topic, p), replicas[0]!);
    isrs.set(tpKey(topic, p), replicas);
  }

  private reset(): void {
    this.pos = 0;
    this.leaders = new Map(this.initialLeaders);
    this.isrs = new Map([...this.initialIsrs].map(([k, v]) => [k, [...v]]));
  }

  /** Brings the partition state to just before row `i`. */
  advanceTo(i: number): void {
    if (i < this.pos) this.reset();
    while (this.pos < i) this.apply(this.pos++);
  }

  private apply(i: number): void {
    const h = this.h;
    const kind = h.opKind[i]!;
    const topic = h.opAux[i]!;
    const p = h.opPartition[i]!;
    const actor = h.opActor[i]!;
    switch (kind) {
      case Op.LeaderElection:
      case Op.UncleanLeaderElection: {
        this.leaders.set(tpKey(topic, p), actor);
        // A leader from outside the ISR (unclean, or an eligible leader replica) becomes the ISR alone, unrecorded.
        const isr = this.isrs.get(tpKey(topic, p));
        if (isr && (kind === Op.UncleanLeaderElection || !isr.includes(actor))) this.isrs.set(tpKey(topic, p), [actor]);
        break;
      }
      case Op.PartitionOffline:
        this.leaders.set(tpKey(topic, p), -1);
        break;
      case Op.IsrShrink: {
        const isr = this.isrs.get(tpKey(topic, p));
        if (isr) this.isrs.set(tpKey(topic, p), isr.filter((b) => b !== actor));
        break;
      }
      case Op.IsrExpand: {
        const isr = this.isrs.get(tpKey(topic, p));
        if (isr && !isr.includes(actor)) this.isrs.set(tpKey(topic, p), [...isr, actor]);
        break;
      }
      case Op.PartitionsAdded: {
        const rf = this.topicRf.get(actor);
        if (rf !== undefined) for (let q = h.opOffset[i]!; q < p; q++) this.place(actor, q, rf, this.leaders, this.isrs);
        break;
      }
    }
  }

  /** The leader (broker actor) of a partition as of the current row; -1 offline, undefined unknown. */
  leaderOf(topic: number, partition: number): number | undefined {
    return this.leaders.get(tpKey(topic, partition));
  }

  /** The ISR (broker actors) as of the current row, or undefined when the placement is unknown. */
  isrOf(topic: number, partition: number): readonly number[] | undefined {
    return this.isrs.get(tpKey(topic, partition));
  }

  name(actor: number): string {
    return actor >= 0 && actor < this.h.actorNames.length ? this.h.actorNames[actor]! : "?";
  }

  /** A node named with its role unless the name already says it ("broker-2", "producer checkout"). */
  role(actor: number, role: string): string {
    const n = this.name(actor);
    return n.startsWith(role) ? n : `${role} ${n}`;
  }

  /** "orders-3"; "partition 3" when the topic is not known. */
  tp(topic: number, partition: number): string {
    return topic >= 0 ? `${this.name(topic)}-${partition}` : `partition ${partition}`;
  }

  /** The topic a group row names in its msg column (-2 - topic actor), or -1. */
  groupRowTopic(msgColumn: number): number {
    return msgColumn <= -2 ? -2 - msgColumn : -1;
  }

  /** A set of brokers as Kafka tools print it: {1,3}. */
  brokers(actors: readonly number[]): string {
    const ids = actors.map((a) => this.name(a).replace(/^broker-/, ""));
    ids.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
    return `{${ids.join(",")}}`;
  }

  message(msg: number): string {
    return msg >= 0 ? this.h.messageName(msg) : "?";
  }

  fault(index: number): FaultSpec | undefined {
    return this.scenario.faults?.[index];
  }

  /** A schema by its index in the registry's `schemas` (the history's schema index). */
  schema(index: number): string {
    const name = Object.keys(this.scenario.schemaRegistry?.schemas ?? {})[index];
    return name !== undefined ? `schema ${name}` : `schema #${index}`;
  }

  duration(us: number): string {
    return formatDurationUs(us);
  }
}
