import { describe, expect, it } from "vitest";
// Loads the schema before the models: schema-groups.ts and schema.ts import each other, and under vitest the
// cycle only resolves when schema.ts is entered first.
import "../../src/scenario/schema.ts";
import { runSweep } from "../../src/explore/sweep.ts";
import { stableJson } from "../../src/report/stable-json.ts";

// A latency bound that some seeds meet and some do not, so the sweep has both outcomes.
const TEXT = `name: flaky-latency
description: A tiny run whose p99 bound fails for some seeds.
duration: 1s
drain: 1s
topics: [{ name: t, partitions: { oneOf: [1, 2] } }]
producers: [{ name: p, topic: t, rate: 300/s, keys: { count: 10 } }]
consumerGroups: [{ name: g, topic: t, members: 1, processing: { time: { exponential: { mean: 2500us } } } }]
expect:
  hold: [no-loss]
  latency: { p99: 60ms }
coverage:
  - { latency-above: 50ms }
  - produce-unknown
`;
const base = { text: TEXT, file: "flaky.yaml", from: 1, to: 8 };

describe("sweep", () => {
  it("gives the same summary with one worker and with two", async () => {
    const one = await runSweep({ ...base, jobs: 1 });
    const two = await runSweep({ ...base, jobs: 2 });
    expect(stableJson(two)).toBe(stableJson(one));
    expect(one.complete).toBe(true);
    expect(one.counts.run).toBe(8);
    expect(one.counts.failed).toBeGreaterThan(0);
    expect(one.counts.passed).toBeGreaterThan(0);
    expect(one.rows.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Swarm draws are stored per seed so a single seed replays its configuration.
    expect(one.rows[0]!.swarm?.[0]?.path).toBe("topics[0].partitions");
    const latency = one.coverage.find((c) => c.goal === "latency-above 50ms")!;
    expect(latency.reached).toBe(true);
    expect(one.coverage.find((c) => c.goal === "produce-unknown")!.reached).toBe(false);
  });

  it("stops when aborted and returns a valid partial summary of the finished seeds", async () => {
    const controller = new AbortController();
    const s = await runSweep({
      ...base, to: 40, jobs: 2, signal: controller.signal,
      onProgress: (p) => { if (p.done === 3) controller.abort(); },
    });
    expect(s.complete).toBe(false);
    expect(s.counts.run).toBeGreaterThanOrEqual(3);
    expect(s.counts.run).toBeLessThan(40);
    expect(s.counts.passed + s.counts.failed).toBe(s.counts.run);
  });

  it("runs every seed twice when checking determinism and finds them identical", async () => {
    const s = await runSweep({ ...base, to: 2, jobs: 2, checkDeterminism: true });
    expect(s.determinism).toEqual({ checked: 2, diverged: [] });
  });
});
