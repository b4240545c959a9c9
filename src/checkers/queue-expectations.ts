// Evaluates a scenario's `expect.queueWait` entries against the queue metrics: the mean queue wait within a
// relative tolerance of a stated value, or of the M/M/c prediction (Erlang C) computed from the scenario.
import type { ExpectationOutcome } from "../report/result-types.ts";
import type { QueueStats } from "../metrics/queue-metrics.ts";
import type { Scenario } from "../scenario/schema.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { mmcMeanWait } from "../metrics/queueing-theory.ts";

/** The M/M/c mean wait (µs) of a queue from the scenario, or a reason it is not an M/M/c system. */
export function erlangCPrediction(scenario: Scenario, queue: string): number | string {
  const lambda = scenario.queueProducers.filter((p) => p.queue === queue && p.arrivals === "poisson").reduce((s, p) => s + p.rate, 0);
  if (scenario.queueProducers.some((p) => p.queue === queue && (p.arrivals !== "poisson" || p.schedule.length > 0))) {
    return "its producers are not plain Poisson arrivals";
  }
  const consumers = scenario.queueConsumers.filter((c) => c.queue === queue);
  if (consumers.length !== 1) return "it needs exactly one queueConsumers entry";
  const time = consumers[0].processing.time as { exponential?: { mean: number } };
  if (!time.exponential) return "its handler time is not exponential";
  const c = consumers[0].count;
  const mu = 1e6 / time.exponential.mean;
  if (lambda >= c * mu) return `it is unstable (λ = ${lambda}/s ≥ cμ = ${c * mu}/s)`;
  return mmcMeanWait(c, lambda, mu) * 1e6;
}

export function evaluateQueueExpectations(scenario: Scenario, stats: QueueStats[]): ExpectationOutcome[] {
  return (scenario.expect.queueWait ?? []).map((e) => {
    const st = stats.find((q) => q.queue === e.queue);
    const target = e.erlangC ? erlangCPrediction(scenario, e.queue) : e.mean;
    const label = `queue ${e.queue} mean wait within ${Math.round(e.tolerance * 100)}% of ${e.erlangC ? "Erlang C" : formatDurationUs(e.mean ?? 0)}`;
    if (!st || typeof target !== "number") {
      return { expectation: label, met: false, detail: typeof target === "string" ? `no M/M/c prediction: ${target}` : "no such queue or no value given" };
    }
    const actual = st.queueWaitUs.count > 0 ? st.waitMeanExactUs : NaN;
    const off = Math.abs(actual - target) / target;
    return {
      expectation: label,
      met: off <= e.tolerance,
      detail: `measured ${formatDurationUs(Math.round(actual))} over ${st.deliveries} deliveries, expected ${formatDurationUs(Math.round(target))} (${(off * 100).toFixed(1)}% off)`,
    };
  });
}
