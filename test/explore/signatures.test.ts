import { describe, expect, it } from "vitest";
// Loads the schema before the models (schema.ts and schema-groups.ts import each other).
import "../../src/scenario/schema.ts";
import { buildSummary, type SeedRow } from "../../src/explore/summary.ts";
import { failureSignatures } from "../../src/explore/signatures.ts";
import { formatSweepSummary } from "../../src/cli/sweep-format.ts";
import { untilFailureLines } from "../../src/cli/sweep.ts";

const header = { brokersim: "x", scenario: { name: "s", file: "s.yaml", digest: "d" }, seeds: { from: 1, to: 6 }, coverageGoals: [], checkDeterminism: false };
const metrics = { latencyP50Us: 1, latencyP99Us: 1, latencyMaxUs: 1, produced: 1, consumed: 1, maxLag: 0 };
function row(seed: number, unmet: string[], violated: string[]): SeedRow {
  return {
    seed, passed: unmet.length === 0, fingerprint: "f", events: 1, metrics, coverage: [],
    expectations: [["hold: no-loss", !unmet.includes("hold: no-loss")], ["latency p99 <= 1ms", !unmet.includes("latency p99 <= 1ms")]],
    verdicts: [["no-loss", !violated.includes("no-loss"), violated.includes("no-loss") ? 3 : 0]],
  };
}

describe("failing seeds grouped by signature", () => {
  const s = buildSummary(header, [
    row(1, [], []),
    row(2, ["latency p99 <= 1ms"], []),
    row(3, ["hold: no-loss"], ["no-loss"]),
    row(4, ["latency p99 <= 1ms"], []),
    row(5, ["latency p99 <= 1ms"], []),
    row(6, [], []),
  ]);

  it("groups by unmet expectations and violated invariants, the commonest first", () => {
    expect(failureSignatures(s)).toEqual([
      { signature: "latency p99 <= 1ms", seeds: [2, 4, 5] },
      { signature: "hold: no-loss | violated: no-loss", seeds: [3] },
    ]);
    expect(formatSweepSummary(s).join("\n")).toContain("failures by signature (2):\n      3 seeds  latency p99 <= 1ms  (seeds 2, 4, 5)");
  });

  it("--until-failure ends with the first failing seed's replay and shrink commands", () => {
    expect(untilFailureLines(s, "s.yaml")).toEqual([
      "first failing seed: 2 (after 6 seeds): latency p99 <= 1ms",
      "replay: brokersim run s.yaml --seed 2",
      "shrink: brokersim shrink s.yaml --seed 2",
    ]);
    expect(untilFailureLines(buildSummary(header, [row(1, [], [])]), "s.yaml")).toEqual(["no failure in seeds 1..6 (1 run)"]);
  });
});
