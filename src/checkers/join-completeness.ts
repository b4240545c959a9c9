// join-completeness: every pair of records a stream–stream join's definition matches (same key, event times at
// most the join window apart) is emitted exactly once, and, for left and outer joins, every record with no
// partner at all is emitted alone exactly once. Misses name the pair, their event times, the window and the
// cause found in the history (a record dropped as late behind the shared stream time, by how much, the grace).
// A stream–table join is checked against the table as of each stream record's event time (table-join-completeness.ts).
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { batchJoin, type JoinInput } from "../streams/batch.ts";
import { eventTimes } from "../streams/event-time.ts";
import { processorTopology } from "../streams/topology.ts";
import { verdictOf, type Checker } from "./verdict.ts";
import { checkTableJoin } from "./table-join-completeness.ts";

export const joinCompleteness: Checker = (h: History, scenario: Scenario) => {
  const anomalies: Anomaly[] = [];
  let checked = 0;
  const ts = eventTimes(h);
  for (const spec of scenario.processors ?? []) {
    const topology = processorTopology(spec);
    const op = topology.operator;
    if (op.kind !== "join") continue;
    if (op.table) {
      checked += checkTableJoin(h, spec, topology, anomalies);
      continue;
    }
    const app = h.actorId(spec.applicationId) ?? -2;
    const leftTopic = h.actorId(topology.source) ?? -2;
    const rightTopic = h.actorId(op.right) ?? -2;
    const seen = new Uint8Array(h.messageCount);
    const left: JoinInput[] = [];
    const right: JoinInput[] = [];
    const emitted = new Map<string, number>();
    const drops = new Map<number, { streamTimeMs: number; atUs: number }>();
    /** Per task partition: the largest event time the application processed (the task's final stream time). */
    const streamTime = new Map<number, number>();
    const partitionOf = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      const kind = h.opKind[i];
      const m = h.opMsg[i];
      if (kind === Op.Append && !seen[m] && (h.msgTopic[m] === leftTopic || h.msgTopic[m] === rightTopic)) {
        seen[m] = 1;
        partitionOf.set(m, h.opPartition[i]);
        const key = h.keyOf(m);
        if (key !== "" && topology.keep(key)) (h.msgTopic[m] === leftTopic ? left : right).push({ msg: m, key, ts: ts[m] });
      } else if (kind === Op.JoinResult && h.opActor[i] === app) {
        const id = `${h.opPartition[i]}:${h.opAux[i]}`;
        emitted.set(id, (emitted.get(id) ?? 0) + 1);
      } else if (kind === Op.ProcessEnd && h.opAux[i] === app) {
        streamTime.set(h.opPartition[i], Math.max(streamTime.get(h.opPartition[i]) ?? -1, ts[m]));
      } else if (kind === Op.StreamRecordDropped && h.opActor[i] === app && !drops.has(m)) {
        drops.set(m, { streamTimeMs: h.opOffset[i], atUs: h.opTimeUs[i] });
      }
    }
    const d = op.windowMs;
    const why = (r: JoinInput): string | undefined => {
      const drop = drops.get(r.msg);
      if (!drop && aloneCheck) {
        const st = streamTime.get(partitionOf.get(r.msg) ?? -1) ?? -1;
        const closes = r.ts + d + op.graceMs;
        return st <= closes ? `its window + grace closes only when stream time passes ${closes} ms, and the task's stream time stopped at ${st} ms (no later input)` : undefined;
      }
      return drop && `${h.messageName(r.msg)} was dropped as late: event time ${r.ts} ms arrived when the join's stream time was ${drop.streamTimeMs} ms (${drop.streamTimeMs - r.ts} ms behind; window ${d} ms + grace ${op.graceMs} ms)`;
    };
    let aloneCheck = false;
    const batch = batchJoin(left, right, d);
    const expected = new Set<string>();
    const miss = (kind: string, text: string, recs: JoinInput[]): void => {
      const causes = recs.map(why).filter((x): x is string => x !== undefined);
      anomalies.push({
        kind,
        explanation: `${spec.applicationId}: ${text}; ${causes.length > 0 ? causes.join("; ") : "no late drop explains it"}`,
        messageIds: recs.map((r) => r.msg),
        keys: [recs[0].key],
        timesUs: recs.flatMap((r) => (drops.has(r.msg) ? [drops.get(r.msg)!.atUs] : [])),
      });
    };
    for (const [l, r] of batch.pairs) {
      checked++;
      const id = `${l.msg}:${r.msg}`;
      expected.add(id);
      const n = emitted.get(id) ?? 0;
      const pair = `left ${h.messageName(l.msg)} (event time ${l.ts} ms) and right ${h.messageName(r.msg)} (${r.ts} ms), key ${l.key}, ${Math.abs(l.ts - r.ts)} ms apart within the ${d} ms window`;
      if (n === 0) miss("join-miss", `the pair ${pair} was never emitted`, [l, r]);
      else if (n > 1) miss("join-duplicate", `the pair ${pair} was emitted ${n} times (its records were processed again, e.g. after a crash under at-least-once)`, [l, r]);
    }
    const aloneWanted = op.join.type === "inner" ? [] : op.join.type === "left" ? batch.leftAlone.map((r) => ["left", r] as const) : [...batch.leftAlone.map((r) => ["left", r] as const), ...batch.rightAlone.map((r) => ["right", r] as const)];
    aloneCheck = true;
    for (const [side, r] of aloneWanted) {
      checked++;
      const id = side === "left" ? `${r.msg}:-1` : `-1:${r.msg}`;
      expected.add(id);
      const n = emitted.get(id) ?? 0;
      if (n !== 1) miss(n === 0 ? "join-unmatched-missing" : "join-duplicate", `the ${side} record ${h.messageName(r.msg)} (event time ${r.ts} ms, key ${r.key}) has no partner and was emitted alone ${n} times, not once`, [r]);
    }
    aloneCheck = false;
    for (const [id, n] of emitted) {
      if (expected.has(id)) continue;
      const [l, r] = id.split(":").map(Number);
      const recs = [l, r].filter((m) => m >= 0).map((m) => ({ msg: m, key: h.keyOf(m), ts: ts[m] }));
      const partnered = r < 0 || l < 0 ? " although it has a partner within the window (the partner was not joined in time)" : " although the definition does not match it";
      miss("join-spurious", `emitted ${n}× ${recs.map((x) => `${h.messageName(x.msg)} (${x.ts} ms)`).join(" with ")}${partnered}`, recs);
    }
  }
  return verdictOf(
    "join-completeness",
    checked,
    anomalies,
    `every join output the definition calls for was emitted once, with the right partner (${checked} expected outputs)`,
    (n) => `${n} join output(s) missing, repeated or unexpected`,
  );
};
