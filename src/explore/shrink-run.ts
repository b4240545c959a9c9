// Shrinking against the real simulator: the probe writes the candidate as YAML, loads it through the same
// validation a user's file goes through (an invalid candidate is rejected, never run), runs the seed and asks
// whether the target expectation is still unmet.
import { stringify } from "yaml";
import { BrokersimError } from "../scenario/errors.ts";
import { loadScenarioText } from "../scenario/load.ts";
import { runScenario } from "../runner/run-scenario.ts";
import type { RunResult } from "../report/result-types.ts";
import { runLoaded, swarmPrepare, type SeedSpec } from "./run-seed.ts";
import { shrink, type Probe, type ScenarioData, type ShrinkOptions, type ShrinkResult } from "./shrink.ts";

export interface ScenarioShrink extends ShrinkResult {
  /** The unmet expectation kept failing throughout. */
  target: string;
  original: RunResult;
  /** The minimal scenario as YAML, with its seed, ready for `brokersim run`. */
  yaml: string;
}

/** The scenario data as the seed sees it (swarm values drawn), before the schema fills defaults. */
export function concreteData(spec: SeedSpec): { data: ScenarioData; result: RunResult } {
  let data: ScenarioData | undefined;
  const prep = swarmPrepare(spec.seed, () => {});
  const scenario = loadScenarioText(spec.text, spec.file, {
    prepare: (raw, source) => (data = prep.prepare!(raw, source) as ScenarioData),
  });
  const { result } = runLoaded({ scenario, draws: [] }, spec);
  return { data: data!, result };
}

export function unmetExpectations(result: RunResult): string[] {
  return result.expectations.filter((e) => !e.met).map((e) => e.expectation);
}

/**
 * The shape of a failure, numbers left out: "exceeded: p99 1.2s > 200ms" and "exceeded: p99 640ms > 200ms" are
 * the same failure, "exceeded: p99: no message was processed" is not (removing every consumer makes a latency
 * bound fail too, for a reason that teaches nothing). Plurals fold so "1 message" matches "3 messages".
 */
export function failureShape(detail: string): string {
  return detail.replace(/\d+(\.\d+)?\s*(µs|us|ms|s|min|m|h)?\b/g, "#").replace(/(\w)s\b/g, "$1");
}

export function scenarioProbe(spec: SeedSpec, target: string, shape?: string): Probe {
  return (data) => {
    let scenario;
    try {
      scenario = loadScenarioText(stringify(data), spec.file);
    } catch (err) {
      if (err instanceof BrokersimError) return "invalid";
      throw err;
    }
    const { result } = runScenario(scenario, { seed: spec.seed, file: spec.file });
    const same = result.expectations.some((e) => e.expectation === target && !e.met && (shape === undefined || failureShape(e.detail) === shape));
    return same ? "fails" : "passes";
  };
}

/**
 * Shrinks `spec` keeping `target` (default: the first unmet expectation) unmet. Throws E_USAGE when the seed
 * meets every expectation or the named target is not among the unmet ones.
 */
export function shrinkScenario(spec: SeedSpec, target?: string, opts: ShrinkOptions & { probe?: Probe } = {}): ScenarioShrink {
  const { data, result } = concreteData(spec);
  const unmet = unmetExpectations(result);
  if (unmet.length === 0) {
    throw new BrokersimError("E_USAGE", `seed ${spec.seed} meets every expectation of ${spec.file}: there is no failure to shrink`, {
      hint: "find a failing seed first, e.g. with brokersim sweep, and pass it with --seed",
    });
  }
  const chosen = target ?? unmet[0]!;
  if (!unmet.includes(chosen)) {
    throw new BrokersimError("E_USAGE", `--expectation ${JSON.stringify(chosen)} is not unmet for seed ${spec.seed}`, {
      hint: `unmet for this seed: ${unmet.map((u) => JSON.stringify(u)).join(", ")}`,
    });
  }
  const shape = failureShape(result.expectations.find((e) => e.expectation === chosen)!.detail);
  const shrunk = shrink(data, opts.probe ?? scenarioProbe(spec, chosen, shape), opts);
  const out = { ...shrunk.data, seed: spec.seed };
  const header = [
    `# Shrunk by brokersim from ${spec.file} with seed ${spec.seed}: still fails "${chosen}".`,
    `# ${shrunk.runs} runs (${shrunk.rejected} invalid candidates skipped)${shrunk.exhausted ? ", stopped by the run budget" : ""}.`,
    ...(shrunk.changes.length ? shrunk.changes.map((c) => `#   ${c}`) : ["#   nothing could be removed"]),
    `# Replay: brokersim run <this file> (the seed is in the file)`,
  ];
  return { ...shrunk, data: out, target: chosen, original: result, yaml: `${header.join("\n")}\n${stringify(out)}` };
}
