import { describe, expect, it } from "vitest";
// Loads the schema before the models (schema-groups.ts and schema.ts import each other).
import "../../src/scenario/schema.ts";
import { runSeed } from "../../src/explore/run-seed.ts";
import { rowOf } from "../../src/explore/summary.ts";

// A consumer crash under auto-commit with async hand-off loses records (loss-explained) and repeats some
// (duplicates-explained), so the verdicts a lean run must keep are not all trivially true.
const CRASH = `name: lean-crash
description: Auto-commit with async hand-off, then a member crashes.
duration: 2s
drain: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 400/s, keys: { count: 8 } }]
consumerGroups:
  - name: g
    topic: t
    members: 2
    commit: { mode: auto, interval: 100ms }
    processing: { time: { constant: 2ms }, handoff: async }
faults:
  - { at: 1s, crash: g-0 }
expect:
  hold: [no-duplicates]
`;

const BOUND = `name: lean-latency
description: "A per-group latency bound, which a lean run still checks."
duration: 1s
drain: 1s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 300/s, keys: { count: 4 } }]
consumerGroups: [{ name: g, topic: t, members: 1, processing: { time: { exponential: { mean: 2500us } } } }]
expect:
  latency: { p99: 1ms, groups: { g: { p99: 1ms } } }
`;

describe("lean run (what a sweep keeps of a seed)", () => {
  for (const [name, text] of [["crash", CRASH], ["latency bound", BOUND]] as const) {
    it(`has the full run's row, verdicts and expectations: ${name}`, () => {
      for (const seed of [1, 2]) {
        const spec = { text, file: `${name}.yaml`, seed };
        const full = runSeed(spec).result;
        const lean = runSeed(spec, { lean: true }).result;
        expect(rowOf(lean, [])).toEqual(rowOf(full, []));
        expect(lean.verdicts).toEqual(full.verdicts);
        expect(lean.expectations).toEqual(full.expectations);
        expect(lean.fingerprint).toBe(full.fingerprint);
      }
    });
  }

  it("leaves out the report-only views, but keeps the latency analysis a bound needs", () => {
    const crash = runSeed({ text: CRASH, file: "c.yaml", seed: 1 }, { lean: true }).result;
    expect(crash.metrics.latencyBreakdown).toBeUndefined();
    expect(crash.metrics.groups).toBeUndefined();
    expect(runSeed({ text: CRASH, file: "c.yaml", seed: 1 }).result.metrics.latencyBreakdown).toBeDefined();
    const bound = runSeed({ text: BOUND, file: "b.yaml", seed: 1 }, { lean: true }).result;
    expect(bound.metrics.latencyBreakdown).toBeDefined();
    expect(bound.expectations.some((e) => e.expectation.startsWith("latency group g") && !e.met)).toBe(true);
  });
});
