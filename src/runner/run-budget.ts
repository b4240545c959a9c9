// Budgets for one run: refused up front when the estimate is above them, stopped cleanly when the run itself
// reaches them. A stopped run still produces a whole result: its verdicts cover the simulated time that ran
// and are marked partial, and the result says why and where it stopped.
import type { Simulation } from "../kernel/sim.ts";
import type { Scenario } from "../scenario/schema.ts";
import { BrokersimError } from "../scenario/errors.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { estimateCost, type CostEstimate } from "./cost-estimate.ts";

/**
 * Default event budget: about a minute of this kind of machine. The bundled scenarios run at 0.25-0.75 M
 * events per CPU-second end to end (checks included, 2-core machine shared with other work; measured with
 * bench/calibrate-cost.ts), so a minute is 15-45 M events; 20 M keeps a typical run near a minute.
 */
export const DEFAULT_MAX_EVENTS = 20_000_000;
/** Estimated memory beyond which a run is refused (the history and metrics of ~5 M messages). */
export const DEFAULT_MAX_MEMORY_BYTES = 2 * 1024 ** 3;

export interface Budget {
  maxEvents: number;
  maxMemoryBytes: number;
  /** --allow-large: run whatever the estimate says, with no event budget (the memory check still applies). */
  allowLarge: boolean;
}

export const DEFAULT_BUDGET: Budget = { maxEvents: DEFAULT_MAX_EVENTS, maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES, allowLarge: false };

/** Why and where a run stopped before its end. */
export interface PartialRun {
  reason: "event-budget" | "memory-budget";
  detail: string;
  stoppedAtUs: number;
  endUs: number;
}

function compact(n: number): string {
  if (n >= 1e15) return n.toExponential(1);
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** Throws E_TOO_LARGE (exit 2) when the estimate is above the budget; returns the estimate otherwise. */
export function checkCostBeforeRun(s: Scenario, file: string, budget: Budget = DEFAULT_BUDGET): CostEstimate {
  const est = estimateCost(s);
  if (budget.allowLarge) return est;
  const overEvents = est.events > budget.maxEvents;
  const overMemory = est.memoryBytes > budget.maxMemoryBytes;
  if (!overEvents && !overMemory) return est;
  const top = overEvents
    ? est.drivers.slice(0, 3).map((d) => `    ${compact(d.events)} events from ${d.fields}`).join("\n")
    : est.memoryDrivers.slice(0, 3).map((d) => `    ${bytes(d.events)} for ${d.fields}`).join("\n");
  const what = overEvents
    ? `about ${compact(est.events)} kernel events, above the budget of ${compact(budget.maxEvents)}${budget.maxEvents === DEFAULT_MAX_EVENTS ? " (about a minute on this machine)" : ""}`
    : `about ${bytes(est.memoryBytes)} of memory, above the budget of ${bytes(budget.maxMemoryBytes)}`;
  const suggested = Math.ceil(est.events * 1.2);
  const goAhead = suggested <= Number.MAX_SAFE_INTEGER
    ? `--max-events ${suggested} (an event budget that covers the estimate)`
    : "no event budget is large enough for this; it has to be made smaller";
  throw new BrokersimError("E_TOO_LARGE", `${file}: this run would take ${what}; it is driven by:\n${top}`, {
    hint: `shorten duration or drain, or lower the rates, members or partitions above; to go ahead anyway: ${goAhead}, ` +
      "or --allow-large (no estimate check and no event budget; a run that outgrows memory still stops cleanly with partial verdicts)",
  });
}

/**
 * Runs the simulation to `untilUs`, at most `maxEvents` events, in slices so that `onSlice` (the CLI's progress
 * bar and memory check) can look in; slicing does not change the run (the kernel resumes where it stopped).
 */
export function runWithBudget(
  sim: Simulation,
  untilUs: number,
  maxEvents: number | undefined,
  onSlice?: (p: { events: number; nowUs: number; endUs: number }) => string | undefined,
): PartialRun | undefined {
  const budget = maxEvents ?? Infinity;
  const slice = onSlice ? 200_000 : Infinity;
  for (;;) {
    const left = budget - sim.processed;
    const { stoppedBy } = sim.run({ untilUs, maxEvents: Math.min(left, slice) });
    if (stoppedBy !== "maxEvents") return undefined;
    if (sim.processed >= budget) {
      return {
        reason: "event-budget",
        detail: `stopped at its event budget (${budget} events) at ${formatDurationUs(sim.nowUs)} of ${formatDurationUs(untilUs)} simulated; ` +
          "raise it with --max-events N",
        stoppedAtUs: sim.nowUs,
        endUs: untilUs,
      };
    }
    const stop = onSlice?.({ events: sim.processed, nowUs: sim.nowUs, endUs: untilUs });
    if (stop !== undefined) return { reason: "memory-budget", detail: stop, stoppedAtUs: sim.nowUs, endUs: untilUs };
  }
}

/** A stopped run's verdicts hold only for the time that ran: say so on each one. */
export function markPartial<V extends object>(verdicts: V[], partial: PartialRun | undefined): (V & { partial?: true })[] {
  return partial ? verdicts.map((v) => ({ ...v, partial: true as const })) : verdicts;
}
