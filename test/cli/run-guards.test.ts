import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { budgetFromArgs, checkRawArgs, ensureDir, runProgressLine, safeDirName } from "../../src/cli/run-guards.ts";
import { DEFAULT_MAX_EVENTS } from "../../src/runner/run-budget.ts";

const refused = (argv: string[]) => {
  try {
    checkRawArgs(argv);
  } catch (err) {
    return `${(err as Error).message} | ${(err as { hint?: string }).hint ?? ""}`;
  }
  return "";
};

describe("raw CLI arguments", () => {
  it("refuses an empty, non-numeric, fractional or negative seed, echoing what was given", () => {
    expect(refused(["run", "a.yaml", "--seed", ""])).toMatch(/--seed: expected a whole number >= 0, found ""/);
    expect(refused(["run", "a.yaml", "--seed=abc"])).toMatch(/found "abc"/);
    expect(refused(["run", "a.yaml", "--seed", "1.5"])).toMatch(/found "1.5"/);
    expect(refused(["run", "a.yaml", "--seed", "7"])).toBe("");
  });

  it("refuses a negative seed range that yargs would read as flags", () => {
    expect(refused(["sweep", "a.yaml", "--seeds", "-5..5"])).toMatch(/--seeds: .* found "-5..5" \| seeds are never negative/);
    expect(refused(["sweep", "a.yaml", "--seeds", "1..5"])).toBe("");
  });

  it("gives a usage line when a command has no scenario", () => {
    expect(refused(["run"])).toMatch(/run: no scenario given \| usage: brokersim run <scenario/);
    expect(refused(["run", "--seed", "3"])).toMatch(/no scenario given/);
    expect(refused(["sweep", "--seeds", "1..3"])).toMatch(/sweep: no scenario given/);
    expect(refused(["compare"])).toMatch(/compare: no scenario given \| usage: brokersim compare <a> <b>/);
    expect(refused(["run", "--json", "baseline"])).toBe("");
  });

  it("refuses --out naming a file, and a bad --max-events", () => {
    const dir = mkdtempSync(join(tmpdir(), "guards-"));
    const file = join(dir, "f");
    writeFileSync(file, "x");
    expect(refused(["run", "a.yaml", "--out", file])).toMatch(/is a file, not a directory/);
    expect(refused(["run", "a.yaml", "--max-events", "0"])).toMatch(/--max-events: expected a whole number above 0/);
    expect(() => ensureDir(join(file, "sub"))).toThrow(/a part of that path is a file/);
  });
});

describe("output names and budgets", () => {
  it("keeps long scenario names to a safe directory name, distinct per name", () => {
    const a = safeDirName("a".repeat(300));
    const b = safeDirName(`${"a".repeat(299)}b`);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
    expect(safeDirName("baseline")).toBe("baseline");
  });

  it("turns --max-events and --allow-large into a budget", () => {
    expect(budgetFromArgs({}).maxEvents).toBe(DEFAULT_MAX_EVENTS);
    expect(budgetFromArgs({ maxEvents: 5 }).maxEvents).toBe(5);
    expect(budgetFromArgs({ allowLarge: true })).toMatchObject({ maxEvents: Infinity, allowLarge: true });
  });

  it("draws a progress bar with the simulated time and an ETA", () => {
    const line = runProgressLine({ events: 2_500_000, nowUs: 10e6, endUs: 40e6 }, 5, 100);
    expect(line).toMatch(/^\[#+-+\] 10s\/40s simulated {2}2\.5 M events {2}ETA 0:15$/);
  });
});
