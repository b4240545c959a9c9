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
  const named = renameShrunk(shrunk.data, spec, chosen);
  const dropped = opts.probe ? [] : dropVacuousHolds(named, spec, chosen);
  shrunk.changes.push(...dropped);
  const out = { ...named, seed: spec.seed };
  const header = [
    `# Shrunk by brokersim from ${spec.file} with seed ${spec.seed}: still fails "${chosen}".`,
    `# ${shrunk.runs} runs (${shrunk.rejected} invalid candidates skipped)${shrunk.exhausted ? ", stopped by the run budget" : ""}.`,
    ...(shrunk.changes.length ? shrunk.changes.map((c) => `#   ${c}`) : ["#   nothing could be removed"]),
    `# Replay: brokersim run <this file> (the seed is in the file)`,
  ];
  return { ...shrunk, data: out, target: chosen, original: result, yaml: `${header.join("\n")}\n${stringify(out)}` };
}

/**
 * The shrunk scenario gets a name of its own (its runs land beside the original's, not over them) and a
 * description that says what it is; the original description described a scenario that no longer exists.
 */
function renameShrunk(data: ScenarioData, spec: SeedSpec, target: string): ScenarioData {
  const name = typeof data.name === "string" ? data.name : "scenario";
  return {
    ...data,
    ...(data.expect && typeof data.expect === "object" ? { expect: { ...(data.expect as object) } } : {}),
    name: name.endsWith("-shrunk") ? name : `${name}-shrunk`,
    description: `The smallest scenario found, from ${name} (${spec.file}) with seed ${spec.seed}, that still fails "${target}". See the comments above for what was removed.`,
  };
}

/**
 * `expect.hold` entries whose subject the shrinking removed (no consumer group left for no-loss...) would read
 * "holds" over nothing: run the shrunk scenario once and drop the ones that were not checked, saying why.
 */
function dropVacuousHolds(data: ScenarioData, spec: SeedSpec, target: string): string[] {
  const expect = data.expect as { hold?: unknown } | undefined;
  if (!expect || !Array.isArray(expect.hold) || expect.hold.length === 0) return [];
  let result: RunResult;
  try {
    result = runScenario(loadScenarioText(stringify(data), spec.file), { seed: spec.seed, file: spec.file }).result;
  } catch (err) {
    if (err instanceof BrokersimError) return [];
    throw err;
  }
  const vacuous = new Map(result.verdicts.filter((v) => v.holds && v.notChecked !== undefined).map((v) => [v.invariant, v.notChecked!]));
  const kept: unknown[] = [];
  const changes: string[] = [];
  for (const inv of expect.hold) {
    const why = typeof inv === "string" ? vacuous.get(inv) : undefined;
    if (why !== undefined && `hold: ${inv}` !== target) changes.push(`expect.hold: dropped ${inv}, which had nothing left to check (${why})`);
    else kept.push(inv);
  }
  expect.hold = kept;
  return changes;
}
