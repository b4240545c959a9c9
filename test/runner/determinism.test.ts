import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { stableJson } from "../../src/report/stable-json.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const TEXT = `name: det
description: A small run with randomness everywhere, for determinism tests.
duration: 3s
drain: 2s
network: { latency: { exponential: { mean: 800us } } }
topics: [{ name: t, partitions: 4 }]
producers: [{ name: p, topic: t, rate: 500/s, keys: { count: 50, distribution: zipf } }]
consumerGroups: [{ name: g, topic: t, members: 3, processing: { time: { lognormal: { median: 1ms, sigma: 0.8 } } } }]
`;

function run(seed: number) {
  return runScenario(loadScenarioText(TEXT, "det.yaml"), { seed, file: "det.yaml" }).result;
}

describe("determinism", () => {
  it("gives byte-identical result.json and the same fingerprint for the same seed", () => {
    const a = run(42);
    const b = run(42);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(stableJson(b)).toBe(stableJson(a));
  });

  it("gives a different fingerprint for a different seed", () => {
    expect(run(43).fingerprint).not.toBe(run(42).fingerprint);
  });

  it("keeps the wall clock and ambient randomness out of everything but the CLI", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (p !== join(ROOT, "src", "cli")) walk(p);
        } else if (p.endsWith(".ts")) {
          const text = readFileSync(p, "utf8");
          const m = /Math\.random|Date\.now|performance\.now|new Date\(|setTimeout|setInterval|crypto\.random/.exec(text);
          if (m) offenders.push(`${p.slice(ROOT.length + 1)}: ${m[0]}`);
        }
      }
    };
    walk(join(ROOT, "src"));
    expect(offenders).toEqual([]);
  });
});
