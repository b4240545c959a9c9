import { describe, expect, it } from "vitest";
// Loads the schema before the models: schema-groups.ts and schema.ts import each other, and under vitest the
// cycle only resolves when schema.ts is entered first.
import "../../src/scenario/schema.ts";
import { formatSweepSummary, progressLine } from "../../src/cli/sweep-format.ts";
import { buildSummary } from "../../src/explore/summary.ts";

describe("sweep terminal output", () => {
  it("draws a bar with the count, rate, ETA and failures on a terminal", () => {
    const line = progressLine({ done: 25, planned: 100, failed: 2, errors: 0 }, 5, 100);
    expect(line).toBe("[##########------------------------------] 25/100 seeds  5.0/s  ETA 0:15  2 failed");
  });

  it("writes a plain line without the bar when not on a terminal", () => {
    expect(progressLine({ done: 1, planned: 4, failed: 0, errors: 1 }, 2, 0)).toBe("progress: 1/4 seeds  0.5/s  ETA 0:06  0 failed  1 errors");
  });

  it("shows each failing seed's replay command with its drawn swarm configuration", () => {
    const s = buildSummary(
      { brokersim: "x", scenario: { name: "s", file: "s.yaml", digest: "d" }, seeds: { from: 3, to: 3 }, coverageGoals: [], checkDeterminism: false },
      [{
        seed: 3, passed: false, fingerprint: "f", events: 1, expectations: [["hold: no-loss", false]], verdicts: [["no-loss", false, 1]],
        metrics: { latencyP50Us: 1, latencyP99Us: 1, latencyMaxUs: 1, produced: 1, consumed: 1, maxLag: 0 },
        coverage: [], swarm: [{ path: "topics[0].partitions", value: 12 }],
      }],
    );
    const text = formatSweepSummary(s).join("\n");
    expect(text).toContain("  brokersim run s.yaml --seed 3    # hold: no-loss\n      drawn: topics[0].partitions = 12");
  });
});
