import { describe, expect, it } from "vitest";
// Loads the schema before the models: schema-groups.ts and schema.ts import each other, and under vitest the
// cycle only resolves when schema.ts is entered first.
import "../../src/scenario/schema.ts";
import { buildSummary, shardSeeds, sweepExitCode, type SeedRow, type SweepHeader } from "../../src/explore/summary.ts";
import { mergeSummaries, missingShards } from "../../src/explore/merge.ts";
import { stableJson } from "../../src/report/stable-json.ts";

const HEADER: SweepHeader = {
  brokersim: "0.1.0",
  scenario: { name: "s", file: "s.yaml", digest: "abc" },
  seeds: { from: 1, to: 6 },
  coverageGoals: ["produce-retry"],
  checkDeterminism: false,
};

function row(seed: number, passed: boolean, p99: number, coverage: string[] = []): SeedRow {
  return {
    seed, passed, fingerprint: `f${seed}`, events: 100 + seed,
    expectations: [["hold: no-loss", passed], ["latency p99 <= 1s", true]],
    verdicts: [["no-loss", passed, passed ? 0 : 2]],
    metrics: { latencyP50Us: 1, latencyP99Us: p99, latencyMaxUs: p99 * 2, produced: 10, consumed: 10, maxLag: seed },
    coverage,
  };
}

const ROWS = [row(1, true, 10), row(2, false, 50, ["produce-retry"]), row(3, true, 20), row(4, true, 40), row(5, false, 30, ["produce-retry"]), row(6, true, 60)];

describe("sweep summary", () => {
  it("is the same whatever order the seeds finished in", () => {
    const a = buildSummary(HEADER, ROWS);
    const b = buildSummary(HEADER, [...ROWS].reverse());
    expect(stableJson(b)).toBe(stableJson(a));
  });

  it("counts failures per expectation and per invariant, with rates", () => {
    const s = buildSummary(HEADER, ROWS);
    expect(s.counts).toEqual({ planned: 6, run: 6, passed: 4, failed: 2, inputErrors: 0, internalErrors: 0 });
    expect(s.expectations).toEqual([
      { expectation: "hold: no-loss", seeds: 6, unmet: 2, failureRate: 0.333333 },
      { expectation: "latency p99 <= 1s", seeds: 6, unmet: 0, failureRate: 0 },
    ]);
    expect(s.invariants).toEqual([{ invariant: "no-loss", seeds: 6, violated: 2, failureRate: 0.333333 }]);
    expect(sweepExitCode(s)).toBe(1);
  });

  it("lists failing seeds with the command that replays each", () => {
    const s = buildSummary(HEADER, ROWS);
    expect(s.failing).toEqual([
      { seed: 2, unmet: ["hold: no-loss"], replay: "brokersim run s.yaml --seed 2" },
      { seed: 5, unmet: ["hold: no-loss"], replay: "brokersim run s.yaml --seed 5" },
    ]);
  });

  it("gives nearest-rank distributions of metrics across seeds", () => {
    expect(buildSummary(HEADER, ROWS).metrics.latencyP99Us).toEqual({ min: 10, p10: 10, p50: 30, p90: 60, max: 60, mean: 35 });
  });

  it("reports which coverage goals were reached, in how many seeds, and flags the rest", () => {
    const s = buildSummary({ ...HEADER, coverageGoals: ["produce-retry", "lag-above 5"] }, ROWS);
    expect(s.coverage).toEqual([
      { goal: "produce-retry", reachedSeeds: 2, firstSeed: 2, reached: true },
      { goal: "lag-above 5", reachedSeeds: 0, firstSeed: null, reached: false },
    ]);
  });

  it("marks a partial summary (interrupted sweep) as incomplete but still valid", () => {
    const s = buildSummary(HEADER, ROWS.slice(0, 3));
    expect(s.complete).toBe(false);
    expect(s.counts.run).toBe(3);
    expect(s.counts.planned).toBe(6);
  });

  it("exits 3 on an internal error and 2 on an invalid drawn configuration", () => {
    expect(sweepExitCode(buildSummary(HEADER, [row(1, true, 1), { seed: 2, error: { kind: "internal", message: "boom" } }]))).toBe(3);
    expect(sweepExitCode(buildSummary(HEADER, [row(1, true, 1), { seed: 2, error: { kind: "input", message: "bad" } }]))).toBe(2);
    expect(sweepExitCode(buildSummary(HEADER, [row(1, true, 1)]))).toBe(0);
  });
});

describe("shards", () => {
  it("split a seed range into disjoint interleaved parts that cover it", () => {
    const parts = [0, 1, 2].map((index) => shardSeeds(1, 10, { index, count: 3 }));
    expect(parts).toEqual([[1, 4, 7, 10], [2, 5, 8], [3, 6, 9]]);
  });

  it("merge into exactly the unsharded summary", () => {
    const whole = buildSummary(HEADER, ROWS);
    const parts = [0, 1].map((index) => {
      const shard = { index, count: 2 };
      const mine = shardSeeds(1, 6, shard);
      return { file: `s${index}.json`, summary: buildSummary({ ...HEADER, shard }, ROWS.filter((r) => mine.includes(r.seed))) };
    });
    expect(parts[0]!.summary.counts.planned).toBe(3);
    expect(stableJson(mergeSummaries([parts[1]!, parts[0]!]))).toBe(stableJson(whole));
    expect(missingShards(parts)).toEqual([]);
    expect(missingShards([parts[0]!])).toEqual([1]);
  });

  it("refuse to merge shards of different scenario text, seed ranges or shard counts, or a repeated shard", () => {
    const one = (over: Partial<SweepHeader>, index = 0) => ({ file: `x${index}`, summary: buildSummary({ ...HEADER, shard: { index, count: 2 }, ...over }, []) });
    expect(() => mergeSummaries([one({}), one({ scenario: { ...HEADER.scenario, digest: "zzz" } }, 1)])).toThrow(/other scenario text/);
    expect(() => mergeSummaries([one({}), one({ seeds: { from: 1, to: 7 } }, 1)])).toThrow(/covers seeds 1..7/);
    expect(() => mergeSummaries([one({}), one({ shard: { index: 1, count: 3 } }, 1)])).toThrow(/shard of 3/);
    expect(() => mergeSummaries([one({}), one({})])).toThrow(/repeats shard 0\/2/);
  });
});
