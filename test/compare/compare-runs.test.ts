// A comparison says, for every invariant and metric, what each side found and which way the difference goes.
import { describe, expect, it } from "vitest";
import { compareRuns, diff, pairKinds, pairVerdicts, runMetricDiffs } from "../../src/compare/compare-runs.ts";
import { compareGroups, groupFigures } from "../../src/compare/compare-groups.ts";
import { formatCompareTable, formatDelta } from "../../src/compare/compare-format.ts";
import { HistoryBuilder } from "../../src/history/history.ts";
import type { RunResult, Verdict } from "../../src/report/result-types.ts";
import { buildFixtureResult } from "../report/fixture.ts";
import { join } from "node:path";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";

const verdict = (invariant: string, holds: boolean, extra: Partial<Verdict> = {}): Verdict => ({
  invariant,
  holds,
  checked: 10,
  anomalyCount: holds ? 0 : 3,
  anomalies: [],
  summary: "",
  ...extra,
});

function withVerdicts(name: string, verdicts: Verdict[], seed = 1): RunResult {
  const r = buildFixtureResult({ name });
  return { ...r, seed, verdicts };
}

describe("a metric difference", () => {
  it("favours the side with the lower value when lower is better, and gives b − a and b / a", () => {
    const d = diff("latency p99", "ms", 200, 50, "lower");
    expect(d).toMatchObject({ delta: -150, ratio: 0.25, favours: "b" });
    expect(formatDelta(d)).toBe("−150.0 ms (0.25×)");
  });

  it("favours the side with the higher value when higher is better", () => {
    expect(diff("throughput", "msg/s", 1000, 800, "higher").favours).toBe("a");
  });

  it("favours no side for counts that are neither better nor worse, nor when equal", () => {
    expect(diff("produced", "messages", 10, 12, "neither").favours).toBe("n/a");
    expect(diff("rebalances", "count", 2, 2, "lower").favours).toBe("same");
  });

  it("has no ratio against a zero and no difference when a side has no value", () => {
    expect(diff("anomalies", "count", 0, 4, "lower")).toMatchObject({ delta: 4, ratio: null, favours: "a" });
    expect(diff("latency p99", "ms", null, 4, "lower", "a: no consumer group")).toMatchObject({ delta: null, ratio: null, favours: "n/a", note: "a: no consumer group" });
  });

  it("writes a drop to zero as such, not as 0.00×", () => {
    expect(formatDelta(diff("redeliveries", "count", 598, 0, "lower"))).toBe("−598 (to none)");
  });

  it("writes a large drop as a fraction, not as 0.00×", () => {
    expect(formatDelta(diff("latency p99", "ms", 40_000, 16, "lower"))).toBe("−39,984 ms (1/2,500)");
  });
});

describe("verdicts side by side", () => {
  it("names holds, violated, not checked and absent, and marks the invariants whose verdicts differ", () => {
    const a = withVerdicts("a", [verdict("no-loss", true), verdict("no-duplicates", false), verdict("loss-explained", true, { notChecked: "no consumer group" })]);
    const b = withVerdicts("b", [verdict("no-loss", true), verdict("no-duplicates", true), verdict("queue-accounting", true)]);
    expect(pairVerdicts(a, b)).toEqual([
      { invariant: "no-loss", a: "holds", b: "holds", aAnomalies: 0, bAnomalies: 0, differs: false },
      { invariant: "no-duplicates", a: "violated", b: "holds", aAnomalies: 3, bAnomalies: 0, differs: true },
      { invariant: "loss-explained", a: "not checked", b: "absent", aAnomalies: 0, bAnomalies: 0, differs: true },
      { invariant: "queue-accounting", a: "absent", b: "holds", aAnomalies: 0, bAnomalies: 0, differs: true },
    ]);
  });

  it("counts anomalies per invariant and kind on each side", () => {
    const a = withVerdicts("a", [verdict("no-loss", false, { anomalyCount: 5, anomalyKinds: [{ kind: "unseen", count: 4 }, { kind: "lost-by-broker", count: 1 }] })]);
    const b = withVerdicts("b", [verdict("no-loss", false, { anomalyCount: 2, anomalyKinds: [{ kind: "unseen", count: 2 }] })]);
    expect(pairKinds(a, b)).toEqual([
      { invariant: "no-loss", kind: "unseen", a: 4, b: 2 },
      { invariant: "no-loss", kind: "lost-by-broker", a: 1, b: 0 },
    ]);
  });
});

describe("the metrics of two runs", () => {
  it("show latency as absent, with the reason, for a side without consumer groups", () => {
    const a = buildFixtureResult({ name: "a" });
    const b = buildFixtureResult({ name: "b" });
    const resolved = { ...(b.scenario.resolved as object), consumerGroups: [] };
    const noGroups: RunResult = { ...b, scenario: { ...b.scenario, resolved } };
    const p99 = runMetricDiffs(a, noGroups).find((m) => m.metric === "latency p99")!;
    expect(p99.b).toBeNull();
    expect(p99.note).toBe("b: no consumer group");
  });

  it("carry rebalances, unowned partition time and max lag per group", () => {
    const c = compareRuns(buildFixtureResult({ name: "a" }), buildFixtureResult({ name: "b" }));
    const names = c.metrics.map((m) => m.metric);
    for (const g of ["billing", "analytics"]) expect(names).toContain(`max lag (${g})`);
    expect(c.notes).toEqual([]);
  });

  it("say when the sides ran with different seeds", () => {
    const c = compareRuns(withVerdicts("x", [], 1), withVerdicts("x", [], 2));
    expect([c.a.label, c.b.label]).toEqual(["x (seed 1)", "x (seed 2)"]);
    expect(c.notes[0]).toContain("different seeds (1 and 2)");
  });

  it("print as a compact table with both sides and the favoured one", () => {
    const a = withVerdicts("a", [verdict("no-loss", false)]);
    const b = withVerdicts("b", [verdict("no-loss", true)]);
    const lines = formatCompareTable(compareRuns(a, b));
    expect(lines[0]).toMatch(/^ +a +b +difference$/);
    expect(lines.find((l) => l.includes("no-loss"))).toMatch(/VIOLATED \(3\) +holds +DIFFERS$/);
    expect(lines.find((l) => l.includes("anomalies "))).toMatch(/−3 \(to none\) {2}b lower$/);
  });
});

describe("two groups of one run", () => {
  it("take each group's own processings and latency from the history", () => {
    const hb = new HistoryBuilder();
    const m0 = hb.send("p", "k", "t", 0);
    const m1 = hb.send("p", "k", "t", 100_000);
    hb.process(m0, "fast", "fast-1", 0, 0, 1_000, 2_000).process(m1, "fast", "fast-1", 0, 1, 101_000, 102_000);
    hb.process(m0, "slow", "slow-1", 0, 0, 50_000, 60_000).process(m1, "slow", "slow-1", 0, 1, 150_000, 160_000);
    const r = buildFixtureResult({ name: "two-groups" });
    const fast = groupFigures(hb.h, r, "fast")!;
    const slow = groupFigures(hb.h, r, "slow")!;
    expect(fast.processed).toBe(2);
    expect(fast.latencyUs).toEqual({ p50: 2_000, p99: 2_000, max: 2_000 });
    expect(slow.latencyUs).toEqual({ p50: 60_000, p99: 60_000, max: 60_000 });
    expect(fast.series.consumedPerS[0]).toBe(10); // two processings in the first 200 ms bucket
    expect(groupFigures(hb.h, r, "nobody")).toBeUndefined();
    const c = compareGroups(r, fast, slow);
    expect(c.mode).toBe("groups");
    expect(c.metrics.find((m) => m.metric === "latency p99")).toMatchObject({ a: 2, b: 60, favours: "a" });
  });
});

describe("queue designs side by side", () => {
  it("compares each queue's flow, redeliveries, waits and depth, where stream figures have nothing to show", () => {
    const run = (name: string) => runScenario(loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", `${name}.yaml`)), { seed: 1, file: `${name}.yaml` }).result;
    const rows = runMetricDiffs(run("queue-sqs-backlog-in-hand"), run("queue-sqs-bounded-in-hand"));
    const redeliveries = rows.find((r) => r.metric.startsWith("redeliveries ("));
    expect(redeliveries, rows.map((r) => r.metric).join(", ")).toBeDefined();
    expect(redeliveries!.a).toBeGreaterThan(100);
    expect(redeliveries!.b).toBe(0);
    expect(redeliveries!.favours).toBe("b");
    const acked = rows.find((r) => r.metric.startsWith("acknowledged ("))!;
    expect(acked.b).toBeGreaterThan(acked.a!);
    expect(acked.favours).toBe("b");
    const e2e = rows.find((r) => r.metric.startsWith("send → ack p99 ("))!;
    expect(e2e.a).toBeGreaterThan(0);
    expect(e2e.b).toBeGreaterThan(0);
    for (const m of ["sent (", "dead-lettered (", "queue wait p99 (", "processing p99 (", "max depth ("]) expect(rows.some((r) => r.metric.startsWith(m)), m).toBe(true);
  });

  it("says which side has no such queue instead of showing a zero", () => {
    const a = buildFixtureResult({ name: "a" });
    const q = { queue: "jobs", sent: 5, acked: 5, redeliveries: 0, deadLettered: 0, maxDepth: 2, queueWaitUs: { p99: 1000 }, processingUs: { p99: 2000 } };
    const withQueue = { ...a, metrics: { ...a.metrics, queues: [q as never] } };
    const rows = runMetricDiffs(withQueue, { ...a, metrics: { ...a.metrics, queues: [] } });
    const sent = rows.find((r) => r.metric === "sent (jobs)")!;
    expect(sent).toMatchObject({ a: 5, b: null, favours: "n/a", note: "b: no such queue" });
  });
});
