import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { erlangCPrediction, evaluateQueueExpectations } from "../../src/checkers/queue-expectations.ts";
import type { QueueStats } from "../../src/metrics/queue-metrics.ts";

const text = (time: string, arrivals = "poisson") => `
name: t
description: A scenario for the expect.queueWait evaluation, written by a test of the Erlang C expectation.
duration: 10s
queues: [{ name: q, kind: sqs-standard }]
queueProducers: [{ name: p, queue: q, rate: 700/s, arrivals: ${arrivals} }]
queueConsumers: [{ name: w, queue: q, count: 4, processing: { time: ${time} } }]
expect:
  queueWait: [{ queue: q, erlangC: true, tolerance: 5% }]
`;

describe("expect.queueWait", () => {
  it("predicts the M/M/c mean wait from the scenario (c = 4, λ = 700/s, mean 5 ms → 7.379 ms)", () => {
    const s = loadScenarioText(text("{ exponential: { mean: 5ms } }"), "t.yaml");
    expect(erlangCPrediction(s, "q")).toBeCloseTo(7379, 0);
  });

  it("says why a queue is not M/M/c instead of predicting", () => {
    expect(erlangCPrediction(loadScenarioText(text("5ms"), "t.yaml"), "q")).toBe("its handler time is not exponential");
    expect(erlangCPrediction(loadScenarioText(text("{ exponential: { mean: 5ms } }", "constant"), "t.yaml"), "q")).toContain("not plain Poisson");
  });

  it("is met within the tolerance and unmet outside it", () => {
    const s = loadScenarioText(text("{ exponential: { mean: 5ms } }"), "t.yaml");
    const stats = (mean: number) => [{ queue: "q", deliveries: 100, waitMeanExactUs: mean, queueWaitUs: { count: 100 } } as unknown as QueueStats];
    expect(evaluateQueueExpectations(s, stats(7500))[0].met).toBe(true);
    expect(evaluateQueueExpectations(s, stats(9000))[0].met).toBe(false);
  });
});
