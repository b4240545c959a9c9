// One sweep task in a pool thread: run one seed and keep the compact row. Errors become rows too, so one bad
// seed is reported with its replay command instead of ending the sweep.
import { BrokersimError } from "../scenario/errors.ts";
import { resolveCoverageGoal, reachedGoals } from "./coverage.ts";
import { loadForSeed, runLoaded } from "./run-seed.ts";
import { rowOf, type SeedRow } from "./summary.ts";
import { compareDigests, digestRun, traceRecorder } from "./determinism.ts";
import { stableJson } from "../report/stable-json.ts";

export interface SweepTask {
  text: string;
  file: string;
  seed: number;
  checkDeterminism: boolean;
}

export async function runSweepTask(task: SweepTask): Promise<SeedRow> {
  const spec = { text: task.text, file: task.file, seed: task.seed };
  let loaded;
  try {
    loaded = loadForSeed(spec);
  } catch (err) {
    if (err instanceof BrokersimError) return { seed: task.seed, error: { kind: "input", message: err.format() } };
    return { seed: task.seed, error: { kind: "internal", message: String((err as Error)?.message ?? err) } };
  }
  try {
    const rec = task.checkDeterminism ? traceRecorder() : undefined;
    // A row needs no report: the run leaves out the report-only views (runner/lean-run.ts). The determinism check
    // compares whole results with a full run's, so it runs in full.
    const run = runLoaded(loaded, spec, rec ? { observe: rec.observe } : { lean: true });
    const goals = loaded.scenario.coverage.map(resolveCoverageGoal);
    const row = rowOf(run.result, reachedGoals(goals, run.history, loaded.scenario));
    if (task.checkDeterminism) {
      // The second run happens in this thread after whatever this thread ran before: state leaking from one
      // run into the next (module-level caches, shared mutable defaults) shows up as a divergence.
      const first = rec!.digest(run.result.fingerprint, stableJson(run.result));
      const found = await compareDigests(first, digestRun(spec), spec, digestRun, digestRun);
      row.determinism = { same: found.same, detail: found.detail };
    }
    return row;
  } catch (err) {
    return { seed: task.seed, error: { kind: "internal", message: String((err as Error)?.message ?? err) } };
  }
}

export default runSweepTask;
