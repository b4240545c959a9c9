// Two runs side by side: each invariant's verdict on both sides, every headline metric with the direction
// and size of its difference, anomaly counts per kind, and the series the page overlays. Pure: RunResults in,
// a CompareResult out; the CLI reads or runs the sides and writes the files.
import type { RunResult } from "../report/result-types.ts";
import { noStreamReason } from "../report/no-figure.ts";
import type { Better, CompareResult, CompareSide, KindPair, MetricDiff, SideSeries, VerdictPair, VerdictState } from "./compare-types.ts";

export function verdictState(r: RunResult, invariant: string): VerdictState {
  const v = r.verdicts.find((x) => x.invariant === invariant);
  if (!v) return "absent";
  if (!v.holds) return "violated";
  return v.notChecked !== undefined ? "not checked" : "holds";
}

/** Every invariant either side checked, in the first side's order, then the second side's extras. */
export function pairVerdicts(a: RunResult, b: RunResult): VerdictPair[] {
  const names = [...new Set([...a.verdicts.map((v) => v.invariant), ...b.verdicts.map((v) => v.invariant)])];
  return names.map((invariant) => {
    const sa = verdictState(a, invariant);
    const sb = verdictState(b, invariant);
    return {
      invariant,
      a: sa,
      b: sb,
      aAnomalies: a.verdicts.find((v) => v.invariant === invariant)?.anomalyCount ?? 0,
      bAnomalies: b.verdicts.find((v) => v.invariant === invariant)?.anomalyCount ?? 0,
      differs: sa !== sb,
    };
  });
}

/** Anomaly counts per (invariant, kind) on both sides, from the exact per-kind counts of each verdict. */
export function pairKinds(a: RunResult, b: RunResult): KindPair[] {
  const rows = new Map<string, KindPair>();
  const add = (r: RunResult, side: "a" | "b"): void => {
    for (const v of r.verdicts) {
      const kinds = v.anomalyKinds ?? (v.anomalyCount > 0 ? kindsOfSample(v.anomalies, v.anomalyCount) : []);
      for (const k of kinds) {
        const id = `${v.invariant}\u0000${k.kind}`;
        const row = rows.get(id) ?? { invariant: v.invariant, kind: k.kind, a: 0, b: 0 };
        row[side] += k.count;
        rows.set(id, row);
      }
    }
  };
  add(a, "a");
  add(b, "b");
  return [...rows.values()];
}

/** Older result files carry no per-kind counts: attribute the whole count to the sample's first kind. */
function kindsOfSample(sample: { kind: string }[], total: number): { kind: string; count: number }[] {
  return sample.length > 0 ? [{ kind: sample[0].kind, count: total }] : [{ kind: "anomaly", count: total }];
}

/** One metric row: the difference b − a, the ratio b / a, and which side it favours. */
export function diff(metric: string, unit: MetricDiff["unit"], a: number | null, b: number | null, better: Better, note?: string): MetricDiff {
  const both = a !== null && b !== null;
  const delta = both ? b - a : null;
  const ratio = both && a !== 0 ? b / a : null;
  let favours: MetricDiff["favours"] = "n/a";
  if (both) {
    if (a === b || better === "neither") favours = a === b ? "same" : "n/a";
    else favours = (better === "lower") === b < a ? "b" : "a";
  }
  return { metric, unit, a, b, delta, ratio, better, favours, ...(note !== undefined ? { note } : {}) };
}

const ms = (us: number): number => us / 1000;

/** The groups of either side, in the first side's order. */
function groupNames(a: RunResult, b: RunResult): string[] {
  const of = (r: RunResult) => [...(r.metrics.groups ?? []).map((g) => g.group), ...r.metrics.maxLag.map((g) => g.group)];
  return [...new Set([...of(a), ...of(b)])];
}

/** The headline metrics of two runs: throughput, latency, lag, rebalances, unowned time, counts, anomalies. */
export function runMetricDiffs(a: RunResult, b: RunResult): MetricDiff[] {
  const na = noStreamReason(a);
  const nb = noStreamReason(b);
  const lat = (r: RunResult, none: string | undefined, pick: (l: RunResult["metrics"]["endToEndLatencyUs"]) => number): number | null =>
    none !== undefined ? null : ms(pick(r.metrics.endToEndLatencyUs));
  const why = (x: string | undefined, y: string | undefined): string | undefined =>
    x !== undefined || y !== undefined ? [x && `a: ${x}`, y && `b: ${y}`].filter(Boolean).join("; ") : undefined;
  const processedWhy = why(na.processed, nb.processed);
  const rows: MetricDiff[] = [
    diff("throughput, processed", "msg/s", na.processed ? null : a.metrics.consumedPerS, nb.processed ? null : b.metrics.consumedPerS, "higher", processedWhy),
    diff("throughput, produced", "msg/s", na.produced ? null : a.metrics.producedPerS, nb.produced ? null : b.metrics.producedPerS, "neither", why(na.produced, nb.produced)),
    diff("latency p50", "ms", lat(a, na.processed, (l) => l.p50), lat(b, nb.processed, (l) => l.p50), "lower", processedWhy),
    diff("latency p99", "ms", lat(a, na.processed, (l) => l.p99), lat(b, nb.processed, (l) => l.p99), "lower", processedWhy),
    diff("latency max", "ms", lat(a, na.processed, (l) => l.max), lat(b, nb.processed, (l) => l.max), "lower", processedWhy),
  ];
  for (const g of groupNames(a, b)) {
    const lagOf = (r: RunResult) => r.metrics.maxLag.find((x) => x.group === g)?.records ?? null;
    const detail = (r: RunResult) => r.metrics.groups?.find((x) => x.group === g);
    const da = detail(a);
    const db = detail(b);
    // A group with lag but no detail comes from a result file written before per-group detail was recorded.
    const absent = (r: RunResult, d: unknown): string | undefined => (d ? undefined : lagOf(r) === null ? "no such group" : "not recorded in this result");
    const missing = why(absent(a, da), absent(b, db));
    const lagMissing = why(lagOf(a) === null ? "no such group" : undefined, lagOf(b) === null ? "no such group" : undefined);
    rows.push(
      diff(`max lag (${g})`, "records", lagOf(a), lagOf(b), "lower", lagMissing),
      diff(`rebalances (${g})`, "count", da?.rebalances ?? null, db?.rebalances ?? null, "lower", missing),
      diff(`time rebalancing (${g})`, "s", da ? da.rebalanceUs / 1e6 : null, db ? db.rebalanceUs / 1e6 : null, "lower", missing),
      diff(`partitions unowned, summed (${g})`, "s", da ? da.partitionUnownedUs / 1e6 : null, db ? db.partitionUnownedUs / 1e6 : null, "lower", missing),
    );
  }
  rows.push(...queueMetricDiffs(a, b, why));
  rows.push(
    diff("messages produced", "messages", na.produced ? null : a.metrics.produced, nb.produced ? null : b.metrics.produced, "neither", why(na.produced, nb.produced)),
    diff("messages processed", "messages", na.processed ? null : a.metrics.consumed, nb.processed ? null : b.metrics.consumed, "neither", processedWhy),
    diff("anomalies", "count", totalAnomalies(a), totalAnomalies(b), "lower"),
  );
  return rows;
}

/** The queues of either side, in the first side's order. */
function queueNames(a: RunResult, b: RunResult): string[] {
  return [...new Set([...(a.metrics.queues ?? []), ...(b.metrics.queues ?? [])].map((q) => q.queue))];
}

/**
 * Per queue: what went in and out (sent, acknowledged, delivered again, dead-lettered), the wait before a
 * receive and the handling time, and the deepest backlog; a queue run has no consumer groups, so without these
 * a comparison of two queue designs would show only dashes.
 */
function queueMetricDiffs(a: RunResult, b: RunResult, why: (x: string | undefined, y: string | undefined) => string | undefined): MetricDiff[] {
  const rows: MetricDiff[] = [];
  for (const name of queueNames(a, b)) {
    const qa = a.metrics.queues?.find((q) => q.queue === name);
    const qb = b.metrics.queues?.find((q) => q.queue === name);
    const missing = why(qa ? undefined : "no such queue", qb ? undefined : "no such queue");
    const num = (q: typeof qa, pick: (q: NonNullable<typeof qa>) => number): number | null => (q ? pick(q) : null);
    // End to end (send → ack) from the latency breakdown, when the result has one.
    const e2e = (r: RunResult): number | null => {
      const subject = r.metrics.latencyBreakdown?.subjects.find((x) => x.kind === "queue" && x.name === name);
      return subject && subject.summary.count > 0 ? ms(subject.summary.p99) : null;
    };
    rows.push(
      diff(`send → ack p99 (${name})`, "ms", e2e(a), e2e(b), "lower", missing ?? (e2e(a) === null || e2e(b) === null ? "no acknowledged message on a side, or an older result file" : undefined)),
      diff(`sent (${name})`, "messages", num(qa, (q) => q.sent), num(qb, (q) => q.sent), "neither", missing),
      diff(`acknowledged (${name})`, "messages", num(qa, (q) => q.acked), num(qb, (q) => q.acked), "higher", missing),
      diff(`redeliveries (${name})`, "count", num(qa, (q) => q.redeliveries), num(qb, (q) => q.redeliveries), "lower", missing),
      diff(`dead-lettered (${name})`, "messages", num(qa, (q) => q.deadLettered), num(qb, (q) => q.deadLettered), "lower", missing),
      diff(`queue wait p99 (${name})`, "ms", num(qa, (q) => ms(q.queueWaitUs.p99)), num(qb, (q) => ms(q.queueWaitUs.p99)), "lower", missing),
      diff(`processing p99 (${name})`, "ms", num(qa, (q) => ms(q.processingUs.p99)), num(qb, (q) => ms(q.processingUs.p99)), "lower", missing),
      diff(`max depth (${name})`, "messages", num(qa, (q) => q.maxDepth), num(qb, (q) => q.maxDepth), "lower", missing),
    );
  }
  return rows;
}

function totalAnomalies(r: RunResult): number {
  return r.verdicts.reduce((n, v) => n + v.anomalyCount, 0);
}

const round3 = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? Number(v.toFixed(3)) : null);

/** A run's series as one side of the overlaid charts. */
export function runSeries(r: RunResult): SideSeries {
  const s = r.metrics.series;
  const toMs = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : round3(v / 1000));
  return {
    bucketUs: s.bucketUs,
    tS: s.t.map((t) => Number((t / 1e6).toFixed(6))),
    latencyP50Ms: s.latencyP50Us.map(toMs),
    latencyP99Ms: s.latencyP99Us.map(toMs),
    latencyMaxMs: s.latencyMaxUs.map(toMs),
    producedPerS: s.producedPerS.map((v) => round3(v) ?? 0),
    consumedPerS: s.consumedPerS.map((v) => round3(v) ?? 0),
    lag: s.lag.map((g) => ({ group: g.group, values: g.values.slice() })),
    faults: r.metrics.faults.map((f) => ({ label: f.label, startS: f.startUs / 1e6, endS: f.endUs / 1e6 })),
    rebalances: (r.metrics.groups ?? []).flatMap((g) => g.markers.map((m) => ({ group: g.group, startS: m.startUs / 1e6, cause: m.cause }))),
  };
}

export function runSide(r: RunResult, label: string, reportHref?: string): CompareSide {
  return {
    label,
    scenario: r.scenario.name,
    seed: r.seed,
    fingerprint: r.fingerprint,
    passed: r.passed,
    unmet: r.expectations.filter((e) => !e.met).map((e) => e.expectation),
    replay: r.replay,
    ...(reportHref !== undefined ? { reportHref } : {}),
  };
}

/** Labels that tell the sides apart: the scenario names, or "name (seed N)" when both runs share a name. */
export function sideLabels(a: RunResult, b: RunResult): [string, string] {
  if (a.scenario.name !== b.scenario.name) return [a.scenario.name, b.scenario.name];
  if (a.seed !== b.seed) return [`${a.scenario.name} (seed ${a.seed})`, `${b.scenario.name} (seed ${b.seed})`];
  return [`${a.scenario.name} (a)`, `${b.scenario.name} (b)`];
}

/** Compares two runs (of two scenarios, or of one scenario with two seeds). */
export function compareRuns(a: RunResult, b: RunResult, opts: { reportHrefs?: [string | undefined, string | undefined] } = {}): CompareResult {
  const [la, lb] = sideLabels(a, b);
  const notes: string[] = [];
  if (a.seed !== b.seed) notes.push(`The sides ran with different seeds (${a.seed} and ${b.seed}): part of each difference is the seed, not the setting.`);
  if (a.brokersim !== b.brokersim) notes.push(`The sides come from different brokersim versions (${a.brokersim} and ${b.brokersim}).`);
  return {
    brokersim: a.brokersim,
    mode: "scenarios",
    a: runSide(a, la, opts.reportHrefs?.[0]),
    b: runSide(b, lb, opts.reportHrefs?.[1]),
    verdicts: pairVerdicts(a, b),
    metrics: runMetricDiffs(a, b),
    anomalyKinds: pairKinds(a, b),
    series: { a: runSeries(a), b: runSeries(b) },
    notes,
  };
}
