// window-results-match: for every stream processor, the last result it emitted for each window equals a batch
// recomputation over every input record (appended to the source topic), placed by event time. Each mismatch
// names its cause from the history: records dropped as late (by how much, the grace in force), records
// counted twice (processed again after a crash or rebalance, from an offset above the last commit), or a
// window never emitted because its task's stream time never passed the window's end + grace.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { ProcessorSpec } from "../scenario/schema-streams.ts";
import { batchWindows, finalResults, windowId, type WindowValue } from "../streams/batch.ts";
import { eventTimes } from "../streams/event-time.ts";
import { processorTopology, type ProcessorTopology, type TopologyOperator } from "../streams/topology.ts";
import { windowContains, type Window } from "../streams/windows.ts";

type AggregateOperator = Extract<TopologyOperator, { kind: "aggregate" }>;

/** The aggregating processors of a scenario (joins are join-completeness's business). */
export function aggregatingProcessors(scenario: Scenario): { spec: ProcessorSpec; topology: ProcessorTopology; op: AggregateOperator }[] {
  return (scenario.processors ?? []).flatMap((spec) => {
    const topology = processorTopology(spec);
    return topology.operator.kind === "aggregate" ? [{ spec, topology, op: topology.operator }] : [];
  });
}
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

interface Input {
  msg: number;
  key: string;
  ts: number;
  partition: number;
  offset: number;
}

export interface WindowComparison {
  key: string;
  window: Window;
  expected: number | null;
  emitted: number | null;
}

/** The processor's inputs and its emitted finals against the batch answer; shared with the report. */
export function compareWindows(h: History, scenario: Scenario, spec: ProcessorSpec, topology: ProcessorTopology, op: AggregateOperator): { inputs: Input[]; batch: Map<string, WindowValue>; emitted: Map<string, WindowValue> } {
  const app = h.actorId(spec.applicationId) ?? -2;
  const source = h.actorId(topology.source) ?? -2;
  const ts = eventTimes(h);
  const bytes = new Map<number, number>();
  for (const p of scenario.producers) {
    const a = h.actorId(p.name);
    if (a !== undefined) bytes.set(a, p.messageBytes);
  }
  const seen = new Uint8Array(h.messageCount);
  // exactly_once_v2: a result counts only if its transaction committed (the producer's Ack row comes at the commit);
  // results of aborted transactions stay in the sink log, but read_committed readers never see them.
  const committed = spec.processingGuarantee === "exactly_once_v2" ? committedMessages(h) : undefined;
  const inputs: Input[] = [];
  const results: { key: string; window: Window; value: number | null }[] = [];
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    const m = h.opMsg[i];
    if (kind === Op.Append && h.msgTopic[m] === source && !seen[m]) {
      seen[m] = 1;
      const key = h.keyOf(m);
      // A key re-map aggregates under the new key (the records reach the aggregate through the repartition topic).
      if (key !== "" && topology.keep(key)) inputs.push({ msg: m, key: topology.repartition ? topology.repartition.rekey(key) : key, ts: ts[m], partition: h.opPartition[i], offset: h.opOffset[i] });
    } else if ((kind === Op.WindowResult || kind === Op.WindowRetracted) && h.opActor[i] === app && (!committed || committed[m])) {
      results.push({ key: h.keyOf(m), window: { start: h.opPartition[i], end: h.opAux[i] }, value: kind === Op.WindowResult ? h.opOffset[i] : null });
    }
  }
  const value = (m: number): number => (op.aggregate.function === "count" ? 1 : (bytes.get(h.msgProducer[m]) ?? 0));
  const batch = batchWindows(op.window, inputs.map((r) => ({ key: r.key, ts: r.ts, value: value(r.msg) })), spec.timeModel === "flink");
  return { inputs, batch, emitted: finalResults(results) };
}

/** Messages acknowledged to their producer (for a transactional producer: their transaction committed). */
export function committedMessages(h: History): Uint8Array {
  const acked = new Uint8Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.Ack && h.opMsg[i] >= 0) acked[h.opMsg[i]] = 1;
  return acked;
}

export const windowResultsMatch: Checker = (h: History, scenario: Scenario) => {
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (const { spec, topology, op } of aggregatingProcessors(scenario)) {
    const { inputs, batch, emitted } = compareWindows(h, scenario, spec, topology, op);
    const evidence = new Evidence(h, spec.applicationId, op, scenario.topics.find((t) => t.name === topology.source)?.partitions ?? 1);
    const byKey = new Map<string, Input[]>();
    for (const r of inputs) {
      let l = byKey.get(r.key);
      if (!l) byKey.set(r.key, (l = []));
      l.push(r);
    }
    for (const [id, want] of batch) {
      checked++;
      const got = emitted.get(id);
      if (got?.value === want.value) continue;
      const members = (byKey.get(want.key) ?? []).filter((r) => windowContains(op.window, want.window, r.ts));
      anomalies.push(evidence.explain(spec, want, got?.value ?? null, members));
    }
    for (const [id, got] of emitted) {
      if (batch.has(id)) continue;
      checked++;
      const members = (byKey.get(got.key) ?? []).filter((r) => windowContains(op.window, got.window, r.ts));
      anomalies.push(evidence.explain(spec, { ...got, value: 0 }, got.value, members, true));
    }
  }
  return verdictOf(
    "window-results-match",
    checked,
    anomalies,
    `every window's last emitted result equals the batch recomputation (${checked} windows)`,
    (n) => `${n} window(s) whose emitted result differs from the batch recomputation`,
  );
};

/** What the history says about the records of one window: drops, repeated processing, stream time. */
class Evidence {
  private readonly app: number;
  private readonly drops = new Map<number, { start: number; end: number; streamTimeMs: number; atUs: number }[]>();
  private readonly processed = new Map<number, { atUs: number; member: number }[]>();
  /** Per task partition: the largest event time the application processed (its final stream time). */
  private readonly streamTime = new Map<number, number>();

  constructor(
    private readonly h: History,
    applicationId: string,
    private readonly topology: AggregateOperator,
    /** Input partitions: under Flink every one of them feeds the watermark the windows act on. */
    private readonly partitions = 1,
  ) {
    this.app = h.actorId(applicationId) ?? -2;
    const ts = eventTimes(h);
    for (let i = 0; i < h.opCount; i++) {
      const kind = h.opKind[i];
      if (kind === Op.StreamRecordDropped && h.opActor[i] === this.app) {
        const m = h.opMsg[i];
        let l = this.drops.get(m);
        if (!l) this.drops.set(m, (l = []));
        l.push({ start: h.opPartition[i], end: h.opAux[i], streamTimeMs: h.opOffset[i], atUs: h.opTimeUs[i] });
      } else if (kind === Op.ProcessEnd && h.opAux[i] === this.app) {
        const m = h.opMsg[i];
        let l = this.processed.get(m);
        if (!l) this.processed.set(m, (l = []));
        l.push({ atUs: h.opTimeUs[i], member: h.opActor[i] });
        const p = h.opPartition[i];
        this.streamTime.set(p, Math.max(this.streamTime.get(p) ?? -1, ts[m]));
      }
    }
  }

  /** The crash of `member` between two times, if any, and the group's last commit of `partition` before it. */
  private crashBetween(member: number, fromUs: number, toUs: number, partition: number): string {
    const h = this.h;
    let crashUs = -1;
    let committed = -1;
    for (let i = 0; i < h.opCount && h.opTimeUs[i] <= toUs; i++) {
      const k = h.opKind[i];
      if (k === Op.ConsumerCrashed && h.opActor[i] === member && h.opTimeUs[i] >= fromUs && crashUs < 0) crashUs = h.opTimeUs[i];
      if (k === Op.Commit && h.opAux[i] === this.app && h.opPartition[i] === partition && (crashUs < 0 || h.opTimeUs[i] <= crashUs)) committed = h.opOffset[i];
    }
    const by = h.actorNames[member];
    const commit = committed < 0 ? "no offset committed yet" : `last commit before it at offset ${committed}`;
    return crashUs >= 0 ? `after the crash of ${by} at ${fmtS(crashUs)} (${commit})` : `after the task left ${by} (${commit})`;
  }

  /**
   * Why a Flink window never fired: the windows act on the minimum of every input partition's watermark
   * (largest event time − B − 1), so the partition furthest behind, or one that delivered nothing, held it back.
   */
  private flinkStall(spec: ProcessorSpec, part: number, st: number, endMs: number): string {
    const b = spec.flink.outOfOrderness / 1000;
    let holder = part;
    for (let p = 0; p < this.partitions; p++) if ((this.streamTime.get(p) ?? -Infinity) < (this.streamTime.get(holder) ?? -Infinity)) holder = p;
    const own = `the largest event time task ${part} saw was ${st} ms, so its watermark (that − ${b} ms − 1) never reached the window's end − 1 = ${endMs - 1} ms`;
    if (holder === part || st - b - 1 < endMs - 1) return `never emitted: ${own}`;
    const hs = this.streamTime.get(holder);
    const idle = spec.flink.idleness;
    return (
      `never emitted: the windows act on the minimum watermark over the ${this.partitions} input partitions, and partition ${holder} ` +
      (hs === undefined ? "delivered no record at all" : `delivered event times only up to ${hs} ms (watermark ${hs - b - 1} ms)`) +
      `, holding it below the window's end − 1 = ${endMs - 1} ms although task ${part} had reached ${st} ms; ` +
      (idle === undefined ? "without withIdleness (flink.idleness) an idle partition stalls every window" : `with idleness ${idle / 1000} ms it still counted (it was not idle that long)`)
    );
  }

  explain(spec: ProcessorSpec, want: WindowValue, got: number | null, members: Input[], spurious = false): Anomaly {
    const h = this.h;
    const w = want.window;
    const label = `${spec.applicationId} window [${w.start}, ${w.end}${this.topology.window.type === "sliding" || this.topology.window.type === "session" ? "]" : ")"} ms key ${want.key}`;
    const causes: string[] = [];
    const late = members.filter((r) => (this.drops.get(r.msg) ?? []).some((d) => d.start < 0 || this.topology.window.type === "session" || (d.start === w.start && d.end === w.end)));
    if (late.length > 0) {
      const r = late[0];
      const d = this.drops.get(r.msg)![0];
      causes.push(
        spec.timeModel === "flink"
          ? `${late.length} record(s) dropped as late, e.g. ${h.messageName(r.msg)} at event time ${r.ts} ms arrived when the watermark was ${d.streamTimeMs} ms ` +
              `(${d.streamTimeMs - r.ts} ms behind; out-of-orderness ${spec.flink.outOfOrderness / 1000} ms, allowed lateness ${spec.flink.allowedLateness / 1000} ms)`
          : `${late.length} record(s) dropped as late, e.g. ${h.messageName(r.msg)} at event time ${r.ts} ms arrived when stream time was ${d.streamTimeMs} ms ` +
              `(${d.streamTimeMs - r.ts} ms behind; grace ${this.topology.graceMs} ms)`,
      );
    }
    const twice = members.filter((r) => (this.processed.get(r.msg)?.length ?? 0) > 1);
    if (twice.length > 0) {
      const r = twice[0];
      const p = this.processed.get(r.msg)!;
      const offsets = twice.map((x) => `${x.partition}@${x.offset}`).slice(0, 5).join(", ");
      causes.push(
        `${twice.length} record(s) counted twice (offsets ${offsets}${twice.length > 5 ? ", ..." : ""}): ${h.messageName(r.msg)} processed at ${fmtS(p[0].atUs)} by ` +
          `${h.actorNames[p[0].member]} and again at ${fmtS(p[1].atUs)} by ${h.actorNames[p[1].member]} ${this.crashBetween(p[0].member, p[0].atUs, p[1].atUs, r.partition)}, under at-least-once`,
      );
    }
    if (got === null && members.length > 0) {
      const part = members[0].partition;
      const st = this.streamTime.get(part) ?? -1;
      causes.push(
        spec.timeModel === "flink"
          ? this.flinkStall(spec, part, st, w.end)
          : `never emitted: stream time of task ${part} stopped at ${st} ms, and the window's result is due only once stream time − grace passes its end ${w.end} ms`,
      );
    }
    if (spurious) causes.push("the batch has no such window (its records belong to a different window, e.g. a session that would have merged)");
    if (causes.length === 0) causes.push("no late drop or repeated processing explains it (a store change lost before it reached the changelog?)");
    return {
      kind: spurious ? "spurious-window" : got === null ? "window-never-emitted" : twice.length > 0 && got > want.value ? "window-double-count" : late.length > 0 ? "window-late-drop" : "window-mismatch",
      explanation: `${label}: expected ${spurious ? "none" : want.value}, emitted ${got ?? "nothing"}; ${causes.join("; ")}`,
      messageIds: members.map((r) => r.msg).slice(0, 20),
      keys: [want.key],
      partition: members[0]?.partition,
      offsets: members.map((r) => r.offset).slice(0, 20),
      timesUs: [...late.map((r) => this.drops.get(r.msg)![0].atUs), ...twice.map((r) => this.processed.get(r.msg)![1].atUs)].slice(0, 4),
    };
  }
}
