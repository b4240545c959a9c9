// A lean run: what a sweep keeps of each seed (the verdicts, the expectations, the headline metrics and the
// fingerprint: explore/summary.ts rowOf) without the views only a run's report reads — the per-group and
// per-queue latency phases, the group charts, the producer, ISR and lineage diagrams, the flows. They cost
// about a tenth of a seed's CPU, and in a sweep thread their code is compiled again after each deoptimisation.
// A lean run's verdicts and expectations are the full run's: the latency analysis still runs whenever
// `expect.latency` sets a bound it checks.
import type { LatencyAnalysis } from "../latency/breakdown.ts";
import type { Scenario } from "../scenario/schema.ts";

/** The latency analysis of a lean run that checks no latency bound: no subjects, no outcomes. */
export const LEAN_LATENCY: LatencyAnalysis = Object.freeze({ breakdown: { subjects: [], explanations: [] }, expectations: [] });

/** Which report-only parts a run leaves out. */
export function leanSkips(opts: { lean?: boolean }, scenario: Scenario): { latency: boolean } {
  return { latency: opts.lean === true && scenario.expect.latency === undefined };
}
