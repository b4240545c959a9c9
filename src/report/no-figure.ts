// Figures that would read 0 without meaning it (p99 "0.0 ms" in a run without consumers reads as instant, "0 /
// 59795 processed" as total loss, "produced 0" in a queue-only run as an idle one): the terminal and the report
// show "—" and this reason instead.
import type { RunResult } from "./result-types.ts";

/**
 * Why a stream figure would read 0 without meaning it: no stream producer (a queue-only run), or no consumer
 * group to process what was produced. undefined when the figure is real.
 */
export function noStreamReason(r: RunResult): { produced?: string; processed?: string } {
  const s = r.scenario.resolved as { producers?: unknown[]; consumerGroups?: unknown[] } | undefined;
  const producers = s?.producers?.length ?? 0;
  const groups = s?.consumerGroups?.length ?? 0;
  return {
    produced: producers === 0 ? "no stream producer" : undefined,
    processed: producers === 0 ? "no stream producer" : groups === 0 ? "no consumer group" : r.metrics.endToEndLatencyUs.count === 0 ? "nothing processed" : undefined,
  };
}

