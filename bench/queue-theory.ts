// Queues against M/M/c theory at the scale the unit tests cannot afford: several seeds of ~300k customers per
// case, mean queue wait vs Erlang C with a 95% confidence interval, and Little's law. Also the model's speed.
// `npm run bench queue-theory`.
import { loadScenarioText } from "../src/scenario/load.ts";
import { runScenario } from "../src/runner/run-scenario.ts";
import { confidenceInterval, mmcMeanWait } from "../src/metrics/queueing-theory.ts";

const CASES: [kind: string, c: number, rho: number][] = [
  ["sqs-standard", 1, 0.5],
  ["sqs-standard", 1, 0.9],
  ["sqs-standard", 8, 0.9],
  ["rabbitmq-quorum", 4, 0.7],
  ["pulsar", 4, 0.9],
];
const SEEDS = 8;
const SECONDS = 350;

export function benchQueueTheory(): object[] {
  const rows: object[] = [];
  for (const [kind, c, rho] of CASES) {
    const lambda = 1000 * rho;
    const text = `
name: mmc
description: M/M/c bench scenario comparing simulated mean queue wait with Erlang C.
duration: ${SECONDS}s
drain: 5s
network: { latency: 0ms }
queues: [{ name: q, kind: ${kind}, visibilityTimeout: 12h, servers: 1, subscription: shared }]
queueProducers: [{ name: p, queue: q, rate: ${lambda}/s }]
queueConsumers: [{ name: w, queue: q, count: ${c}, prefetch: 1, processing: { time: { exponential: { mean: ${c}ms } } } }]
`;
    const scenario = loadScenarioText(text, "mmc.yaml");
    const waits: number[] = [];
    let customers = 0;
    let events = 0;
    let littleWorst = 0;
    const t0 = process.hrtime.bigint();
    for (let s = 0; s < SEEDS; s++) {
      const { result } = runScenario(scenario, { seed: 1000 + s, file: "mmc.yaml" });
      const q = result.metrics.queues![0];
      waits.push(q.waitMeanExactUs);
      customers += q.deliveries;
      events += result.events;
      const l = q.littlesLaw;
      littleWorst = Math.max(littleWorst, Math.abs(l.measuredDepth - l.predictedDepth) / Math.max(1e-9, l.measuredDepth));
    }
    const cpuS = Number(process.hrtime.bigint() - t0) / 1e9;
    const theory = mmcMeanWait(c, lambda, 1000 / c) * 1e6;
    const ci = confidenceInterval(waits);
    rows.push({
      kind,
      c,
      rho,
      customers,
      "Erlang C wait (µs)": Math.round(theory),
      "simulated (µs)": Math.round(ci.mean),
      "95% CI ±": Math.round(ci.halfWidth),
      "off %": Number(((100 * (ci.mean - theory)) / theory).toFixed(2)),
      inside: Math.abs(ci.mean - theory) <= ci.halfWidth,
      "Little worst %": Number((100 * littleWorst).toFixed(4)),
      "events/s (M)": Number((events / cpuS / 1e6).toFixed(2)),
      "customers/s (k)": Number((customers / cpuS / 1e3).toFixed(1)),
    });
  }
  return rows;
}
