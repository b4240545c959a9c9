// A queue with Poisson arrivals, exponential handler times, c competing consumers and no network delay is an
// M/M/c system, so its mean queue wait must match Erlang C. Each case runs several seeds (independent
// replications) and checks the theoretical value lies inside the 95% confidence interval of their mean.
// Heavier runs (10^6+ customers, tighter intervals) are in bench/queue-theory.ts.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { confidenceInterval, erlangC, mmcMeanWait } from "../../src/metrics/queueing-theory.ts";

function mmcScenario(kind: string, c: number, rho: number, seconds: number): string {
  // λ stays at 1000·ρ per second; each consumer's mean handler time is c ms, so μ·c = 1000/s.
  const lambda = 1000 * rho;
  return `
name: mmc-${kind}-${c}
description: An M/M/c queue built by the theory test; its mean queue wait is compared with Erlang C.
duration: ${seconds}s
drain: 5s
network: { latency: 0ms }
queues: [{ name: q, kind: ${kind}, visibilityTimeout: 12h, servers: 1 }]
queueProducers: [{ name: p, queue: q, rate: ${lambda}/s }]
queueConsumers: [{ name: w, queue: q, count: ${c}, prefetch: 1, processing: { time: { exponential: { mean: ${c}ms } } } }]
`;
}

function replicate(kind: string, c: number, rho: number, seconds: number, seeds: number) {
  const scenario = loadScenarioText(mmcScenario(kind, c, rho, seconds), "mmc.yaml");
  return Array.from({ length: seeds }, (_, i) => runScenario(scenario, { seed: 101 + i, file: "mmc.yaml" }).result.metrics.queues![0]);
}

describe("Erlang C itself", () => {
  it("gives the known waiting probability of M/M/2 at a = 1 (one third)", () => {
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
  });
  it("reduces to ρ for one server", () => {
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    expect(mmcMeanWait(1, 900, 1000)).toBeCloseTo(0.009, 12);
  });
});

const CASES: [kind: string, c: number, rho: number, seconds: number, seeds: number][] = [
  ["sqs-standard", 1, 0.5, 20, 6],
  ["sqs-standard", 1, 0.9, 50, 6],
  ["sqs-standard", 4, 0.7, 30, 6],
  ["rabbitmq-classic", 1, 0.7, 30, 6],
  ["rabbitmq-quorum", 3, 0.9, 50, 6],
];

describe("a queue with Poisson arrivals, exponential handlers and c consumers behaves as M/M/c", () => {
  for (const [kind, c, rho, seconds, seeds] of CASES) {
    it(`${kind}: c = ${c}, utilisation ${rho}: Erlang C's mean wait is inside the 95% CI of ${seeds} seeds`, () => {
      const runs = replicate(kind, c, rho, seconds, seeds);
      const theoryUs = mmcMeanWait(c, 1000 * rho, 1000 / c) * 1e6;
      const waits = runs.map((q) => q.queueWaitUs.mean);
      const ci = confidenceInterval(waits);
      expect(Math.abs(ci.mean - theoryUs)).toBeLessThanOrEqual(ci.halfWidth);
      // An interval wide enough to contain anything would make the check empty: keep it under 15% of the value.
      expect(ci.halfWidth / theoryUs).toBeLessThan(0.15);
      // Each consumer was busy ρ of the time on average: mean handler time ≈ c ms.
      for (const q of runs) expect(q.processingUs.mean / (c * 1000)).toBeCloseTo(1, 1);
    });
  }

  it("Little's law: the time-averaged depth equals the arrival rate times the mean wait", () => {
    const [q] = replicate("sqs-standard", 2, 0.8, 20, 1);
    const seconds = 25; // duration + drain: the window the depth is averaged over
    const lambda = q.enqueued / seconds;
    const meanWaitS = q.queueWaitUs.mean / 1e6;
    expect(q.timeAvgDepth).toBeGreaterThan(0.5);
    expect(Math.abs(q.timeAvgDepth - lambda * meanWaitS) / q.timeAvgDepth).toBeLessThan(0.01);
  });
});
