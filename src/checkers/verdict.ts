import type { Anomaly, Verdict } from "../report/result-types.ts";
import type { History } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import { groupTopics } from "../scenario/group-topics.ts";

/** A checker is pure: it reads the history and the resolved scenario and never touches the simulation. */
export type Checker = (history: History, scenario: Scenario) => Verdict;

/**
 * result.json keeps a bounded sample so a run with a million anomalies stays readable; the count is exact.
 * Checkers return every anomaly: finishVerdicts (anomaly-ledger.ts) writes the full list and takes the sample.
 */
export const ANOMALY_SAMPLE = 50;

export function verdictOf(invariant: string, checked: number, anomalies: Anomaly[], okSummary: string, badSummary: (n: number) => string): Verdict {
  const sorted = anomalies
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (x.a.timesUs?.[0] ?? 0) - (y.a.timesUs?.[0] ?? 0) || x.i - y.i)
    .map((x) => x.a);
  return {
    invariant,
    holds: anomalies.length === 0,
    checked,
    anomalyCount: anomalies.length,
    anomalies: sorted,
    summary: anomalies.length === 0 ? okSummary : badSummary(anomalies.length),
  };
}

export function fmtS(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

/** Group actor ids subscribed to each topic actor, from the scenario. */
export function groupsByTopic(history: History, scenario: Scenario): Map<number, { group: number; name: string }[]> {
  const out = new Map<number, { group: number; name: string }[]>();
  for (const g of scenario.consumerGroups) {
    // A group that never recorded anything has no actor id; it still owes every message of its topics.
    const group = history.actorId(g.name) ?? -1;
    // Per-member subscriptions (memberTopics) count too: the group owes every topic some member reads.
    for (const name of new Set([...groupTopics(g), ...(g.memberTopics ?? []).flat()])) {
      const topic = history.actorId(name);
      if (topic === undefined) continue;
      let list = out.get(topic);
      if (!list) out.set(topic, (list = []));
      list.push({ group, name: g.name });
    }
  }
  return out;
}

/**
 * Per-(group, message) flags or rows in typed arrays: a Set of "group:msg" strings costs ~100 bytes per entry,
 * which at a million messages is the largest thing a run allocates.
 */
export class PerGroupTable {
  private readonly tables = new Map<number, Int32Array>();
  constructor(private readonly messageCount: number) {}
  /** The row stored for (group, msg), or -1. */
  get(group: number, msg: number): number {
    const t = this.tables.get(group);
    return t === undefined ? -1 : t[msg] - 1;
  }
  set(group: number, msg: number, row: number): void {
    let t = this.tables.get(group);
    if (t === undefined) this.tables.set(group, (t = new Int32Array(this.messageCount)));
    t[msg] = row + 1;
  }
}
