import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { analyseLatency, explainPooledOutcome } from "../../src/latency/breakdown.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import type { ExpectationOutcome, LatencySummaryUs } from "../../src/report/result-types.ts";

const MS = 1000;

function scenario(latency: string) {
  return loadScenarioText(
    [
      "name: x",
      "description: d.",
      "duration: 2s",
      "topics: [{ name: orders, partitions: 2 }]",
      "producers: [{ name: checkout, topic: orders, rate: 200/s }]",
      "consumerGroups: [{ name: fast, topic: orders }, { name: slow, topic: orders }]",
      "expect:",
      `  latency: ${latency}`,
    ].join("\n") + "\n",
    "x.yaml",
  );
}

/** 100 records, each processed by `fast` in 10 ms and by `slow` in 10 ms, except that slow takes 2 s for the last 5. */
function history() {
  const b = new HistoryBuilder();
  const h = b.h;
  const fast = h.actor("fast", "group");
  const slow = h.actor("slow", "group");
  const f0 = h.actor("fast-0", "consumer");
  const s0 = h.actor("slow-0", "consumer");
  for (let i = 0; i < 100; i++) {
    const m = b.send("checkout", `k${i}`, "orders", i * MS);
    b.append(m, 0, i, i * MS + 1 * MS).ack(m, 0, i, i * MS + 2 * MS);
    const lat = i >= 95 ? 2000 : 10;
    for (const [g, c, l] of [[fast, f0, 10], [slow, s0, lat]] as const) {
      h.record(Op.Deliver, i * MS + 3 * MS, m, c, 0, i, g);
      h.record(Op.ProcessStart, i * MS + (l - 1) * MS, m, c, 0, i, g);
      h.record(Op.ProcessEnd, i * MS + l * MS, m, c, 0, i, g);
    }
  }
  return h;
}

const input = (pooled: Partial<LatencySummaryUs> = {}) => ({
  bucketUs: 100 * MS,
  bucketCount: 30,
  faults: [],
  pooledSummary: { count: 200, mean: 0, p50: 10 * MS, p90: 10 * MS, p99: 2000 * MS, p999: 2000 * MS, max: 2000 * MS, ...pooled },
  maxLag: [{ group: "fast", records: 3 }, { group: "slow", records: 40 }],
  finalLag: [{ group: "fast", records: 0 }, { group: "slow", records: 0 }],
});

describe("latency bounds per group", () => {
  it("holds for one group and fails for the other, naming the slow group's records and phase", () => {
    const a = analyseLatency(history(), scenario("{ groups: { fast: { p99: 100ms, maxLag: 10 }, slow: { p99: 100ms, maxLag: 10 } } }"), input());
    expect(a.expectations.map((e) => [e.expectation, e.met])).toEqual([
      ["latency group fast: p99 <= 100ms, maxLag <= 10", true],
      ["latency group slow: p99 <= 100ms, maxLag <= 10", false],
    ]);
    // HDR histograms keep 3 significant digits: 10 ms reads as 10.007 ms.
    expect(a.expectations[0].detail).toMatch(/^within bounds: p99 10(\.\d+)?ms <= 100ms; maxLag 3 <= 10$/);
    expect(a.expectations[1].detail).toMatch(/^exceeded: p99 2(\.\d+)?s > 100ms; maxLag 40 > 10 — 5 of 100 records slower, sent 95ms–99ms; fetched, waiting in the consumer \d+% of their latency/);
    expect(a.breakdown.explanations).toHaveLength(1);
    expect(a.breakdown.explanations[0]).toMatchObject({ subject: "group slow", bound: "p99 <= 100ms", slow: 5, total: 100 });
    expect(a.pooled).toBeUndefined();
  });

  it("meets `violated: true` only when the bound is exceeded", () => {
    const a = analyseLatency(history(), scenario("{ groups: { fast: { p99: 100ms, violated: true }, slow: { p99: 100ms, violated: true } } }"), input());
    expect(a.expectations.map((e) => e.met)).toEqual([false, true]);
    expect(a.expectations[1].expectation).toBe("latency group slow: p99 <= 100ms (expected to be exceeded)");
  });

  it("gives each group its own summary, phases summing to its latency, and a p99 series", () => {
    const a = analyseLatency(history(), scenario("{ p99: 5s }"), input());
    const [fast, slow] = a.breakdown.subjects;
    expect(fast).toMatchObject({ kind: "group", name: "fast" });
    expect(fast.summary.max).toBeCloseTo(10 * MS, -2);
    expect(slow.summary.max).toBeGreaterThanOrEqual(2000 * MS);
    expect(fast.phases.map((p) => p.phase)).toEqual(["to-leader", "acks", "log", "consumer", "processing"]);
    const meanSum = fast.phases.reduce((s, p) => s + p.meanUs, 0);
    // Every fast record takes exactly 10 ms, so the phase means add up to 10 ms exactly.
    expect(meanSum).toBe(10 * MS);
    expect(fast.p99Us[0]).toBeCloseTo(10 * MS, -2);
    expect(slow.p99Us.filter((v) => v !== null).length).toBeGreaterThan(1);
  });

  it("says no record was processed when a bounded group processed nothing", () => {
    const b = new HistoryBuilder();
    b.send("checkout", "k", "orders", 0);
    const a = analyseLatency(b.h, scenario("{ groups: { slow: { p99: 1s } } }"), input({ count: 0 }));
    expect(a.expectations[0]).toMatchObject({ met: false, detail: "exceeded: p99: no record was processed" });
  });

  it("appends the pooled explanation to a failed pooled bound", () => {
    const a = analyseLatency(history(), scenario("{ p99: 100ms }"), input());
    expect(a.pooled).toMatchObject({ subject: "all groups", slow: 5, total: 200 });
    const outcomes: ExpectationOutcome[] = [{ expectation: "latency p99 <= 100ms", met: false, detail: "exceeded: p99 2s > 100ms" }];
    explainPooledOutcome(outcomes, a.pooled);
    expect(outcomes[0].detail).toMatch(/^exceeded: p99 2s > 100ms — 5 of 200 records slower/);
  });
});
