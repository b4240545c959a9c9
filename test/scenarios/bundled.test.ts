import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { ESTIMATE_FACTOR, estimateCost } from "../../src/runner/cost-estimate.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();

describe("every bundled scenario", () => {
  it("exists", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const f of files) {
    it(`${f} meets its own expectations at its default seed`, () => {
      const scenario = loadScenarioFile(join(DIR, f));
      expect(scenario.description.length).toBeGreaterThan(40);
      const { result } = runScenario(scenario, { seed: scenario.seed, file: `scenarios/${f}` });
      const unmet = result.expectations.filter((e) => !e.met).map((e) => `${e.expectation}: ${e.detail}`);
      expect(unmet).toEqual([]);
      expect(result.expectations.length).toBeGreaterThan(0);
      // The pre-run cost estimate is calibrated on these runs (bench/calibrate-cost.ts).
      expect(estimateCost(scenario).events / result.events, "estimate / real event count").toBeGreaterThan(1 / ESTIMATE_FACTOR);
      expect(estimateCost(scenario).events / result.events, "estimate / real event count").toBeLessThan(ESTIMATE_FACTOR);
    });
  }
});
