// Runs a range of seeds on a piscina worker pool and folds the rows into a sweep summary. Knows nothing of
// terminals or files: progress goes to a callback and the CLI decides how to show it.
import { Piscina } from "piscina";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { BROKERSIM_VERSION } from "../version.ts";
import { resolveCoverageGoal } from "./coverage.ts";
import { loadForSeed } from "./run-seed.ts";
import { buildSummary, shardSeeds, type SeedRow, type SweepHeader, type SweepSummary } from "./summary.ts";
import { workerEntry } from "./thread.ts";
import type { SweepTask } from "./worker.ts";

const WORKER = workerEntry("worker-entry.mjs");

export interface SweepOptions {
  text: string;
  file: string;
  /** How replay commands name the file, when not `file` (a bundled scenario by its name). */
  replayAs?: string;
  from: number;
  to: number;
  shard?: { index: number; count: number };
  /** Pool threads; default: every core. */
  jobs?: number;
  checkDeterminism?: boolean;
  /** Stop handing out seeds once one fails (the summary is then marked incomplete). */
  untilFailure?: boolean;
  /** Aborting stops handing out seeds and cancels running ones; the summary then holds the finished seeds. */
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepProgress {
  done: number;
  planned: number;
  failed: number;
  errors: number;
  /** The row just finished. */
  row: SeedRow;
}

export function defaultJobs(): number {
  return availableParallelism();
}

export function scenarioDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * Loads the scenario once for the first seed to fail fast on bad input (a ScenarioError with file:line:col),
 * and builds the header every row is summarised under.
 */
export function sweepHeader(opts: SweepOptions): SweepHeader {
  const { scenario } = loadForSeed({ text: opts.text, file: opts.file, seed: opts.from });
  return {
    brokersim: BROKERSIM_VERSION,
    scenario: { name: scenario.name, file: opts.replayAs ?? opts.file, digest: scenarioDigest(opts.text) },
    seeds: { from: opts.from, to: opts.to },
    ...(opts.shard ? { shard: opts.shard } : {}),
    coverageGoals: scenario.coverage.map((g) => resolveCoverageGoal(g).label),
    checkDeterminism: opts.checkDeterminism ?? false,
  };
}

export async function runSweep(opts: SweepOptions): Promise<SweepSummary> {
  const header = sweepHeader(opts);
  const seeds = shardSeeds(opts.from, opts.to, opts.shard);
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), seeds.length || 1));
  const compileInline = jobs >= defaultJobs();
  // A seed is short (a fraction of a second once warm) and every thread compiles the simulator's hot code
  // itself, again after each deoptimisation. V8 does that on background threads, which is free while a core
  // is idle but, with a simulation thread on every core, only competes with them (measured: a single thread
  // used ~1.5 cores in its first seeds). Compiling on the simulation thread itself costs less CPU in total.
  // V8 reads the flag when a thread's isolate is created, so it applies to the pool's threads only; it is
  // set back once they are gone.
  if (compileInline) setFlagsFromString("--no-concurrent-recompilation");
  const pool = new Piscina<SweepTask, SeedRow>({
    filename: WORKER.href,
    minThreads: jobs,
    maxThreads: jobs,
    // Seeds are handed out by the loop below, a few ahead of the threads, so Ctrl-C has little to cancel.
    maxQueue: jobs * 2,
  });
  const rows: SeedRow[] = [];
  let failed = 0;
  let errors = 0;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  if (opts.signal?.aborted) abort.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let next = 0;
    const runOne = async (): Promise<void> => {
      // --until-failure: after a failure no new seed starts, but those already running finish, so the seeds
      // run are always a prefix of the range and the lowest failing one among them is the first failing seed.
      while (next < seeds.length && !abort.signal.aborted && !(opts.untilFailure && failed + errors > 0)) {
        const seed = seeds[next++]!;
        let row: SeedRow;
        try {
          row = await pool.run({ text: opts.text, file: opts.file, seed, checkDeterminism: opts.checkDeterminism ?? false }, { signal: abort.signal });
        } catch (err) {
          if (abort.signal.aborted) return;
          row = { seed, error: { kind: "internal", message: `the worker failed: ${(err as Error)?.message ?? String(err)}` } };
        }
        rows.push(row);
        if (row.error) errors++;
        else if (!row.passed) failed++;
        opts.onProgress?.({ done: rows.length, planned: seeds.length, failed, errors, row });
      }
    };
    await Promise.all(Array.from({ length: jobs }, runOne));
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    await pool.destroy();
    if (compileInline) setFlagsFromString("--concurrent-recompilation");
  }
  return buildSummary(header, rows);
}
