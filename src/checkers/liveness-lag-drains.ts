// liveness-lag-drains: after the last fault or group event has healed, every subscribed partition of each
// group gets an owner again and the group's lag (records appended minus the committed offset, summed over
// partitions) comes back to at most recovery.lagThreshold, within recovery.within (default: by the end of
// the run). A group that is still rebalancing, has lost an owner for good, or never catches up fails.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { groupTopics } from "../scenario/group-topics.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { topicOfRow } from "./groups/rows.ts";
import { stallNote } from "./app/retry-topic-order.ts";

type Group = Scenario["consumerGroups"][number];

/** When the group's world was last disturbed: its own faults and events, and the scenario's fault list. */
function healTimeUs(h: History, g: Group, group: number, scenario: Scenario): number {
  let heal = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opAux[i] !== group) continue;
    const kind = h.opKind[i];
    const t = h.opTimeUs[i];
    if (kind === Op.ConsumerCrashed || kind === Op.ConsumerRestarted || kind === Op.CoordinatorMoved) heal = Math.max(heal, t);
    // A consumer stopped at a poison record never heals by itself: the lag must still drain once producers stop.
    else if (kind === Op.AppStalled) heal = Math.max(heal, t, scenario.duration);
    else if (kind === Op.ConsumerPaused) heal = Math.max(heal, t + h.opOffset[i]);
    else if (kind === Op.GroupEvent) {
      const e = g.events[h.opPartition[i]];
      heal = Math.max(heal, t + (e?.slowdown?.for ?? e?.pausePartitions?.for ?? 0));
    }
  }
  const faults = (scenario as { faults?: { at?: number; for?: number }[] }).faults ?? [];
  for (const f of faults) if (typeof f.at === "number") heal = Math.max(heal, f.at + (typeof f.for === "number" ? f.for : 0));
  return heal;
}

export const livenessLagDrains: Checker = (h: History, scenario: Scenario) => {
  const anomalies: Anomaly[] = [];
  const endUs = scenario.duration + scenario.drain;
  let checked = 0;
  for (const g of scenario.consumerGroups) {
    const group = h.actorId(g.name);
    const names = [...new Set([...groupTopics(g), ...(g.memberTopics ?? []).flat()])];
    // Numeric keys (topic actor × 2^20 + partition): this loop visits every row of the history.
    const index = new Map<number, number>();
    for (const name of names) {
      const topic = h.actorId(name);
      const count = scenario.topics.find((t) => t.name === name)?.partitions ?? 0;
      if (topic !== undefined) for (let p = 0; p < count; p++) index.set(topic * 1048576 + p, index.size);
    }
    const n = index.size;
    if (n === 0) continue;
    checked++;
    const heal = group === undefined ? 0 : healTimeUs(h, g, group, scenario);
    const deadline = Math.min(endUs, g.recovery.within !== undefined ? heal + g.recovery.within : endUs);
    const owners = new Int32Array(n);
    const end = new Float64Array(n);
    const committed = new Float64Array(n);
    let unowned = n;
    let lag = 0;
    let met = -1;
    // Groups that start stable own their partitions from time 0; assignment rows say so.
    for (let i = 0; i < h.opCount && met < 0; i++) {
      const t = h.opTimeUs[i];
      if (t > deadline) break;
      const kind = h.opKind[i];
      const partition = h.opPartition[i];
      const k = partition >= 0 ? index.get(topicOfRow(h, i) * 1048576 + partition) : undefined;
      if (k !== undefined) {
        if (kind === Op.Append && h.opOffset[i] + 1 > end[k]) {
          lag += h.opOffset[i] + 1 - end[k];
          end[k] = h.opOffset[i] + 1;
        } else if (h.opAux[i] === group) {
          if (kind === Op.Commit) {
            lag -= h.opOffset[i] - committed[k];
            committed[k] = h.opOffset[i];
          } else if (kind === Op.PartitionAssigned) {
            if (owners[k]++ === 0) unowned--;
          } else if (kind === Op.PartitionRevoked || kind === Op.PartitionLost) {
            if (--owners[k] === 0) unowned++;
          }
        }
      }
      if (t >= heal && unowned === 0 && lag <= g.recovery.lagThreshold) met = t;
    }
    if (met >= 0) continue;
    const bound = g.recovery.within !== undefined ? `within ${fmtS(g.recovery.within)} of ${fmtS(heal)}` : "by the end of the run";
    anomalies.push({
      kind: unowned > 0 ? "partition-without-owner" : "lag-not-drained",
      explanation:
        `group ${g.name} did not recover ${bound}: at ${fmtS(deadline)} ${unowned} of ${n} partition(s) had no owner ` +
        `and lag was ${lag} record(s) (threshold ${g.recovery.lagThreshold})` + stallNote(h, group),
      messageIds: [],
      timesUs: [heal, deadline],
    });
  }
  return verdictOf(
    "liveness-lag-drains",
    checked,
    anomalies,
    `every group had an owner for each partition and drained its lag after the faults healed (${checked} group(s))`,
    (k) => `${k} group(s) did not recover in time`,
  );
};
