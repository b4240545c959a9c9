// The sweep summary: one compact row per seed, and aggregates computed from the rows sorted by seed. Because
// the aggregates are a function of the sorted rows only, the summary is the same whatever order workers finish
// in, whatever --jobs is, and whether the seeds ran in one process or as shards merged later.
import type { RunResult, SwarmDraw } from "../report/result-types.ts";
import { replayCommand } from "../runner/run-scenario.ts";

/** What a sweep keeps of one seed's run. */
export interface SeedRow {
  seed: number;
  /** Absent when the seed did not run to completion (see error). */
  passed?: boolean;
  fingerprint?: string;
  events?: number;
  /** [expectation label, met] in the scenario's order. */
  expectations?: [string, boolean][];
  /** [invariant, holds, anomaly count]. */
  verdicts?: [string, boolean, number][];
  metrics?: SeedMetrics;
  /** Coverage goals this seed reached. */
  coverage?: string[];
  swarm?: SwarmDraw[];
  /** "input": the seed's drawn configuration is invalid; "internal": a bug in brokersim. */
  error?: { kind: "input" | "internal"; message: string };
  /** Set when --check-determinism ran: undefined = not checked, otherwise what was found. */
  determinism?: { same: boolean; detail: string };
}

export const METRIC_NAMES = ["latencyP50Us", "latencyP99Us", "latencyMaxUs", "produced", "consumed", "maxLag"] as const;
export type SeedMetrics = Record<(typeof METRIC_NAMES)[number], number>;

export function rowOf(result: RunResult, coverage: string[]): SeedRow {
  const l = result.metrics.endToEndLatencyUs;
  return {
    seed: result.seed,
    passed: result.passed,
    fingerprint: result.fingerprint,
    events: result.events,
    expectations: result.expectations.map((e) => [e.expectation, e.met]),
    verdicts: result.verdicts.map((v) => [v.invariant, v.holds, v.anomalyCount]),
    metrics: {
      latencyP50Us: l.p50,
      latencyP99Us: l.p99,
      latencyMaxUs: l.max,
      produced: result.metrics.produced,
      consumed: result.metrics.consumed,
      maxLag: Math.max(0, ...result.metrics.maxLag.map((g) => g.records)),
    },
    coverage,
    ...(result.swarm ? { swarm: result.swarm } : {}),
  };
}

export interface SweepHeader {
  brokersim: string;
  scenario: { name: string; file: string; /** sha-256 prefix of the file's text: shards must agree on it. */ digest: string };
  seeds: { from: number; to: number };
  /** Present on a shard's summary; a merged or unsharded summary has none. */
  shard?: { index: number; count: number };
  /** Coverage goal labels from the scenario, in its order. */
  coverageGoals: string[];
  checkDeterminism: boolean;
}

export interface Distribution { min: number; p10: number; p50: number; p90: number; max: number; mean: number }

export interface SweepSummary extends SweepHeader {
  /** True when every planned seed has a row (false after Ctrl-C). */
  complete: boolean;
  counts: { planned: number; run: number; passed: number; failed: number; inputErrors: number; internalErrors: number };
  expectations: { expectation: string; seeds: number; unmet: number; failureRate: number }[];
  invariants: { invariant: string; seeds: number; violated: number; failureRate: number }[];
  metrics: Record<string, Distribution | null>;
  coverage: { goal: string; reachedSeeds: number; firstSeed: number | null; reached: boolean }[];
  determinism: { checked: number; diverged: { seed: number; detail: string }[] } | null;
  failing: { seed: number; unmet: string[]; replay: string }[];
  errors: { seed: number; kind: string; message: string; replay: string }[];
  rows: SeedRow[];
}

/** The seeds a shard runs: every count-th seed of the range from its index, so costly seeds spread evenly. */
export function shardSeeds(from: number, to: number, shard?: { index: number; count: number }): number[] {
  const out: number[] = [];
  for (let s = from; s <= to; s++) if (!shard || (s - from) % shard.count === shard.index) out.push(s);
  return out;
}

export function buildSummary(header: SweepHeader, rowsIn: readonly SeedRow[]): SweepSummary {
  const rows = [...rowsIn].sort((a, b) => a.seed - b.seed);
  const planned = shardSeeds(header.seeds.from, header.seeds.to, header.shard).length;
  const ran = rows.filter((r) => r.error === undefined);
  const tally = (get: (r: SeedRow) => [string, boolean][] | undefined) => {
    const by = new Map<string, { seeds: number; bad: number }>();
    for (const r of ran) {
      for (const [name, ok] of get(r) ?? []) {
        const t = by.get(name) ?? { seeds: 0, bad: 0 };
        t.seeds++;
        if (!ok) t.bad++;
        by.set(name, t);
      }
    }
    return [...by].map(([name, t]) => ({ name, ...t, failureRate: round6(t.bad / t.seeds) }));
  };
  const metrics: Record<string, Distribution | null> = {};
  for (const m of METRIC_NAMES) metrics[m] = distribution(ran.map((r) => r.metrics![m]));
  const checked = rows.filter((r) => r.determinism !== undefined);
  return {
    ...header,
    complete: rows.length === planned,
    counts: {
      planned,
      run: rows.length,
      passed: ran.filter((r) => r.passed).length,
      failed: ran.filter((r) => !r.passed).length,
      inputErrors: rows.filter((r) => r.error?.kind === "input").length,
      internalErrors: rows.filter((r) => r.error?.kind === "internal").length,
    },
    expectations: tally((r) => r.expectations).map((t) => ({ expectation: t.name, seeds: t.seeds, unmet: t.bad, failureRate: t.failureRate })),
    invariants: tally((r) => r.verdicts?.map(([n, ok]) => [n, ok] as [string, boolean])).map((t) => ({
      invariant: t.name, seeds: t.seeds, violated: t.bad, failureRate: t.failureRate,
    })),
    metrics,
    coverage: header.coverageGoals.map((goal) => {
      const hits = ran.filter((r) => r.coverage?.includes(goal));
      return { goal, reachedSeeds: hits.length, firstSeed: hits[0]?.seed ?? null, reached: hits.length > 0 };
    }),
    determinism: header.checkDeterminism
      ? { checked: checked.length, diverged: checked.filter((r) => !r.determinism!.same).map((r) => ({ seed: r.seed, detail: r.determinism!.detail })) }
      : null,
    failing: ran.filter((r) => !r.passed).map((r) => ({
      seed: r.seed,
      unmet: (r.expectations ?? []).filter(([, ok]) => !ok).map(([n]) => n),
      replay: replayCommand(header.scenario.file, r.seed),
    })),
    errors: rows.filter((r) => r.error).map((r) => ({ seed: r.seed, kind: r.error!.kind, message: r.error!.message, replay: replayCommand(header.scenario.file, r.seed) })),
    rows,
  };
}

/** Nearest-rank percentiles over the seeds' values; null when no seed ran. */
export function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]!;
  return { min: v[0]!, p10: at(0.1), p50: at(0.5), p90: at(0.9), max: v[v.length - 1]!, mean: round6(v.reduce((s, x) => s + x, 0) / v.length) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Exit code of a sweep: 3 if brokersim itself failed, 2 for an invalid drawn configuration, 1 for unmet expectations. */
export function sweepExitCode(s: SweepSummary): number {
  if (s.counts.internalErrors > 0) return 3;
  if (s.counts.inputErrors > 0) return 2;
  if (s.counts.failed > 0 || (s.determinism?.diverged.length ?? 0) > 0) return 1;
  return 0;
}
