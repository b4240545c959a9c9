// One seed of one scenario file, from text: draw the swarm values for that seed (if the file has any), load and
// validate, run. Sweeps, shrinking, replay and the determinism check all start here, so a seed means the same
// concrete configuration everywhere. The text is passed (not a path) because workers must not depend on the
// file changing under them mid-sweep.
import { loadScenarioText } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { runScenario, type RunOutput } from "../runner/run-scenario.ts";
import type { Simulation } from "../kernel/sim.ts";
import type { SwarmDraw } from "../report/result-types.ts";
import { swarmPrepare } from "./swarm.ts";

export { swarmPrepare };

export interface SeedSpec {
  /** The scenario file's text. */
  text: string;
  /** The file as the user named it (for messages and the replay command). */
  file: string;
  seed: number;
}

export interface LoadedSeed {
  scenario: Scenario;
  /** The drawn swarm values; empty when the file has none. */
  draws: SwarmDraw[];
}

/** Loads the scenario as `seed` sees it; throws ScenarioError (with file:line:col) on bad input. */
export function loadForSeed(spec: SeedSpec): LoadedSeed {
  let draws: SwarmDraw[] = [];
  const scenario = loadScenarioText(spec.text, spec.file, swarmPrepare(spec.seed, (d) => (draws = d)));
  return { scenario, draws };
}

export interface SeedRunOptions {
  observe?: (sim: Simulation) => void;
  untilUs?: number;
  /** Leave out what only the report reads (runner/lean-run.ts). */
  lean?: boolean;
}

export interface SeedRun extends RunOutput, LoadedSeed {}

export function runLoaded(loaded: LoadedSeed, spec: SeedSpec, opts: SeedRunOptions = {}): SeedRun {
  const out = runScenario(loaded.scenario, { seed: spec.seed, file: spec.file, ...opts });
  // Only swarm runs carry the field, so result.json of an ordinary scenario is unchanged.
  if (loaded.draws.length > 0) out.result.swarm = loaded.draws;
  return { ...out, ...loaded };
}

export function runSeed(spec: SeedSpec, opts: SeedRunOptions = {}): SeedRun {
  return runLoaded(loadForSeed(spec), spec, opts);
}
