// Two consumer groups of one run side by side (groups reading the same records with different assignors,
// protocols or settings). The run's latency and throughput figures are pooled over its groups, so each group's
// own figures are taken from the history: every processing end of that group, latency = end − message creation
// (the run's end-to-end definition), exact nearest-rank percentiles.
import type { History } from "../history/history.ts";
import { Op } from "../history/history.ts";
import type { RunResult } from "../report/result-types.ts";
import { diff, pairKinds, pairVerdicts, runSide } from "./compare-runs.ts";
import type { CompareResult, MetricDiff, SideSeries } from "./compare-types.ts";

export interface GroupFigures {
  group: string;
  processed: number;
  /** Processings per second from the group's first to its last processing. */
  processedPerS: number;
  latencyUs: { p50: number; p99: number; max: number } | null;
  series: SideSeries;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil((q / 100) * sorted.length) - 1)];
}

const round3 = (v: number): number => Number(v.toFixed(3));

/** One group's processings, latency and series, from the history; undefined when no such group ran. */
export function groupFigures(history: History, result: RunResult, group: string): GroupFigures | undefined {
  const g = history.actorId(group);
  if (g === undefined || history.actorKinds[g] !== "group") return undefined;
  const s = result.metrics.series;
  const buckets = s.t.length;
  const bucketOf = (tUs: number): number => Math.min(buckets - 1, Math.max(0, Math.floor(tUs / s.bucketUs)));
  const perBucket: number[][] = Array.from({ length: buckets }, () => []);
  const all: number[] = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < history.opCount; i++) {
    if (history.opKind[i] !== Op.ProcessEnd || history.opAux[i] !== g) continue;
    const t = history.opTimeUs[i];
    const latency = t - history.msgCreatedUs[history.opMsg[i]];
    all.push(latency);
    perBucket[bucketOf(t)].push(latency);
    if (first < 0) first = t;
    last = t;
  }
  const sorted = Float64Array.from(all).sort();
  const span = last - first;
  const bucketStats = perBucket.map((values) => {
    if (values.length === 0) return null;
    const b = Float64Array.from(values).sort();
    return { p50: percentile(b, 50), p99: percentile(b, 99), max: b[b.length - 1] };
  });
  const perS = 1e6 / s.bucketUs;
  const markers = result.metrics.groups?.find((x) => x.group === group)?.markers ?? [];
  return {
    group,
    processed: sorted.length,
    processedPerS: span > 0 ? (sorted.length * 1e6) / span : 0,
    latencyUs: sorted.length === 0 ? null : { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    series: {
      bucketUs: s.bucketUs,
      tS: s.t.map((t) => Number((t / 1e6).toFixed(6))),
      latencyP50Ms: bucketStats.map((b) => (b ? round3(b.p50 / 1000) : null)),
      latencyP99Ms: bucketStats.map((b) => (b ? round3(b.p99 / 1000) : null)),
      latencyMaxMs: bucketStats.map((b) => (b ? round3(b.max / 1000) : null)),
      producedPerS: null,
      consumedPerS: perBucket.map((v) => round3(v.length * perS)),
      lag: s.lag.filter((l) => l.group === group).map((l) => ({ group: l.group, values: l.values.slice() })),
      faults: result.metrics.faults.map((f) => ({ label: f.label, startS: f.startUs / 1e6, endS: f.endUs / 1e6 })),
      rebalances: markers.map((m) => ({ group, startS: m.startUs / 1e6, cause: m.cause })),
    },
  };
}

/** The group metrics side by side: throughput, latency, lag, rebalances, unowned and idle time. */
export function groupMetricDiffs(result: RunResult, a: GroupFigures, b: GroupFigures): MetricDiff[] {
  const detail = (g: string) => result.metrics.groups?.find((x) => x.group === g);
  const lag = (list: { group: string; records: number }[], g: string) => list.find((x) => x.group === g)?.records ?? null;
  const da = detail(a.group);
  const db = detail(b.group);
  const s = (us: number | undefined): number | null => (us === undefined ? null : us / 1e6);
  const latMs = (f: GroupFigures, k: "p50" | "p99" | "max"): number | null => (f.latencyUs ? f.latencyUs[k] / 1000 : null);
  const noLatency = !a.latencyUs || !b.latencyUs ? "a group processed nothing" : undefined;
  return [
    diff("throughput, processed", "msg/s", a.processedPerS, b.processedPerS, "higher"),
    diff("latency p50", "ms", latMs(a, "p50"), latMs(b, "p50"), "lower", noLatency),
    diff("latency p99", "ms", latMs(a, "p99"), latMs(b, "p99"), "lower", noLatency),
    diff("latency max", "ms", latMs(a, "max"), latMs(b, "max"), "lower", noLatency),
    diff("max lag", "records", lag(result.metrics.maxLag, a.group), lag(result.metrics.maxLag, b.group), "lower"),
    diff("final lag", "records", lag(result.metrics.finalLag, a.group), lag(result.metrics.finalLag, b.group), "lower"),
    diff("rebalances", "count", da?.rebalances ?? null, db?.rebalances ?? null, "lower"),
    diff("time rebalancing", "s", s(da?.rebalanceUs), s(db?.rebalanceUs), "lower"),
    diff("partitions unowned, summed", "s", s(da?.partitionUnownedUs), s(db?.partitionUnownedUs), "lower"),
    diff("time with no partition owned", "s", s(da?.notConsumingUs), s(db?.notConsumingUs), "lower"),
    diff("messages processed", "messages", a.processed, b.processed, "neither"),
  ];
}

/** Compares two consumer groups of one run. */
export function compareGroups(result: RunResult, a: GroupFigures, b: GroupFigures, reportHref?: string): CompareResult {
  const side = (f: GroupFigures) => ({ ...runSide(result, f.group, reportHref), group: f.group });
  return {
    brokersim: result.brokersim,
    mode: "groups",
    a: side(a),
    b: side(b),
    verdicts: pairVerdicts(result, result),
    metrics: groupMetricDiffs(result, a, b),
    anomalyKinds: pairKinds(result, result),
    series: { a: a.series, b: b.series },
    notes: [
      `Both groups are in one run of ${result.scenario.name} (seed ${result.seed}): they read the same records under the same faults.`,
      "The invariants are checked over the whole run, so the verdicts are the run's; latency, throughput, lag and rebalances are each group's own.",
    ],
  };
}
