// What happens to verdicts after the checkers ran, the same for every invariant (new checkers need nothing
// from here): every anomaly goes to the full list (anomalies.jsonl beside result.json), each verdict gets exact
// per-kind counts, a verdict that had nothing to look at says so and why, and result.json keeps a bounded
// sample that shows every kind found before it repeats one.
import type { Anomaly, RootCause, Verdict } from "../report/result-types.ts";
import { groupByRootCause } from "./root-causes.ts";
import type { Scenario } from "../scenario/schema.ts";
import { ANOMALY_SAMPLE } from "./verdict.ts";
import { whyNotChecked } from "./not-checked.ts";

/** One line of anomalies.jsonl: the anomaly and the invariant that found it. */
export type AnomalyRecord = { invariant: string } & Anomaly;

/** Exact count per kind, most frequent first, ties by name (deterministic). */
export function kindCounts(anomalies: readonly Anomaly[]): { kind: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const a of anomalies) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

/**
 * The sample kept in result.json: the checker's order (what failed first comes first), except that the first
 * anomaly of every kind is kept, so a rare kind is never hidden behind thousands of a common one.
 */
export function sampleAnomalies(anomalies: readonly Anomaly[], size = ANOMALY_SAMPLE): Anomaly[] {
  if (anomalies.length <= size) return anomalies.slice();
  const keep = new Uint8Array(anomalies.length);
  const seen = new Set<string>();
  let kept = 0;
  for (let i = 0; i < anomalies.length && kept < size; i++) {
    if (seen.has(anomalies[i].kind)) continue;
    seen.add(anomalies[i].kind);
    keep[i] = 1;
    kept++;
  }
  for (let i = 0; i < anomalies.length && kept < size; i++) {
    if (keep[i]) continue;
    keep[i] = 1;
    kept++;
  }
  return anomalies.filter((_, i) => keep[i] === 1);
}

/** Per-kind counts as words: "297 lost-write, 12 unseen". */
export function describeKinds(kinds: readonly { kind: string; count: number }[] | undefined): string {
  return (kinds ?? []).map((k) => `${k.count} ${k.kind}`).join(", ");
}

export interface FinishedVerdicts {
  verdicts: Verdict[];
  /** Every anomaly grouped by root cause across invariants, largest first (empty when none). */
  causes: RootCause[];
  /** Every anomaly of every verdict, in verdict order then the checker's order. */
  anomalies: AnomalyRecord[];
}

/**
 * Takes the checkers' verdicts (with every anomaly) and returns the verdicts as result.json holds them (a sample,
 * exact per-kind counts, "not checked" where nothing was looked at) and the full list.
 */
export function finishVerdicts(raw: readonly Verdict[], scenario: Scenario): FinishedVerdicts {
  const anomalies: AnomalyRecord[] = [];
  const verdicts = raw.map((v) => {
    for (const a of v.anomalies) anomalies.push({ invariant: v.invariant, ...a });
    const out: Verdict = { ...v, anomalies: sampleAnomalies(v.anomalies) };
    if (v.anomalies.length > 0) out.anomalyKinds = kindCounts(v.anomalies);
    // A checker that returned fewer anomalies than it counted kept only a sample itself; counts stay its own.
    if (v.anomalies.length < v.anomalyCount) out.anomalyKinds = undefined;
    if (out.anomalyKinds === undefined) delete out.anomalyKinds;
    if (v.notChecked === undefined && v.checked === 0 && v.anomalyCount === 0) {
      const why = whyNotChecked(v.invariant, scenario);
      if (why !== undefined) out.notChecked = why;
    }
    return out;
  });
  return { verdicts, anomalies, causes: groupByRootCause(anomalies) };
}

/** anomalies.jsonl: one JSON object per line, keys in a fixed order, so it is byte-reproducible like result.json. */
export function anomaliesJsonl(records: readonly AnomalyRecord[]): string {
  let out = "";
  for (const r of records) out += JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) + "\n";
  return out;
}

/** The verdict word a person reads: "holds", "VIOLATED" or "not checked". */
export function verdictWord(v: Verdict): string {
  if (!v.holds) return "VIOLATED";
  return v.notChecked !== undefined ? "not checked" : "holds";
}
