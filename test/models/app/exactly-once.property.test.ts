// Property: a consumer whose dedup key is written atomically with the effect, in a durable store, with a TTL
// longer than any redelivery, never applies an effect twice and never loses one, whatever members crash when
// (and whether the store itself goes down for a while). Random crash schedules, pinned seed.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";

const crash = fc.record({
  member: fc.integer({ min: 0, max: 2 }),
  atMs: fc.integer({ min: 200, max: 5_800 }),
  forMs: fc.integer({ min: 100, max: 4_000 }),
});

function yaml(crashes: { member: number; atMs: number; forMs: number }[], storeDownAtMs: number | null, seed: number): string {
  const faults = crashes.map((c) => `  - { at: ${c.atMs}ms, crash: billing-${c.member}, for: ${c.forMs}ms }`);
  if (storeDownAtMs !== null) faults.push(`  - { at: ${storeDownAtMs}ms, crash: ledger, for: 500ms }`);
  return `name: prop
description: atomic dedup with a long TTL under random crashes.
duration: 6s
drain: 20s
seed: ${seed}
topics: [{ name: orders, partitions: 3 }]
producers: [{ name: p, topic: orders, rate: 100/s, keys: { count: 30 } }]
stores: [{ name: ledger, commitLatency: { uniform: { min: 1ms, max: 5ms } } }]
consumerGroups:
  - name: billing
    topic: orders
    members: 3
    sessionTimeout: 2s
    heartbeatInterval: 500ms
    handler:
      - dedup: { store: ledger, ttl: 1h, atomic: true }
      - process: { uniform: { min: 1ms, max: 8ms } }
      - effect: { store: ledger }
    errorHandling: { backOff: { interval: 100ms, maxRetries: 1000 } }
faults:
${faults.length > 0 ? faults.join("\n") : "  []"}
expect:
  hold: [exactly-once-effects, effects-no-loss]
`.replace("faults:\n  []", "faults: []");
}

describe("exactly-once effects with atomic dedup and a long TTL", () => {
  it("hold under random member crashes and store outages", () => {
    fc.assert(
      fc.property(fc.array(crash, { maxLength: 4 }), fc.option(fc.integer({ min: 500, max: 5_000 }), { nil: null }), fc.integer({ min: 1, max: 1000 }), (crashes, storeDown, seed) => {
        const s = loadScenarioText(yaml(crashes, storeDown, seed), "prop.yaml");
        const { result } = runScenario(s, { seed, file: "prop.yaml" });
        const bad = result.verdicts.filter((v) => !v.holds).map((v) => `${v.invariant}: ${v.anomalies[0]?.explanation}`);
        const app = result.verdicts.filter((v) => v.invariant === "exactly-once-effects" || v.invariant === "effects-no-loss");
        expect(app.every((v) => v.checked > 0)).toBe(true);
        expect(bad.filter((b) => b.startsWith("exactly-once-effects") || b.startsWith("effects-no-loss"))).toEqual([]);
      }),
      { seed: 1212, numRuns: 12 },
    );
  });

  it("the same design with check-then-act and a short TTL does break under crashes (the property can fail)", () => {
    const text = yaml([{ member: 1, atMs: 2500, forMs: 4000 }], null, 3).replace("ttl: 1h, atomic: true", "ttl: 100ms").replace("process: { uniform: { min: 1ms, max: 8ms } }", "process: 20ms");
    const { result } = runScenario(loadScenarioText(text, "prop.yaml"), { seed: 3, file: "prop.yaml" });
    expect(result.verdicts.find((v) => v.invariant === "exactly-once-effects")!.holds).toBe(false);
  });
});
