// M/M/1 as a brokersim scenario: one SQS standard queue, one consumer receiving one message at a time with
// long polling, network latency 0 (the only way the model is exactly M/M/1). λ and μ are per millisecond of
// simulated time (λ 0.9 → 900/s, μ 1 → exponential handler of mean 1 ms). Runs the compiled library (dist/)
// when it is built, else the sources (then this process must be started with `--import tsx`).
// Prints one JSON line: customers, mean wait (ms), the scenario's verdicts, whole-process CPU and peak RSS.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cpuStart = process.cpuUsage();
const [lambda, mu, customers, seed] = process.argv.slice(2).map(Number);
const compiled = existsSync(fileURLToPath(new URL("../../dist/runner/run-scenario.js", import.meta.url)));
const lib = compiled ? "../../dist" : "../../src";
const ext = compiled ? ".js" : ".ts";
const { loadScenarioText } = await import(`${lib}/scenario/load${ext}`);
const { runScenario } = await import(`${lib}/runner/run-scenario${ext}`);
const ratePerS = lambda * 1000;
const seconds = Math.ceil((customers / ratePerS) * 1.02);
const text = `
name: mm1
description: M/M/1 at λ ${lambda}, μ ${mu} per ms; the mean queue wait must match Erlang C.
duration: ${seconds}s
drain: 2s
network: { latency: 0ms }
queues: [{ name: q, kind: sqs-standard, visibilityTimeout: 12h }]
queueProducers: [{ name: p, queue: q, rate: ${ratePerS}/s, maxMessages: ${customers} }]
queueConsumers: [{ name: w, queue: q, count: 1, maxMessages: 1, waitTime: 20s, processing: { time: { exponential: { mean: ${1000 / mu}us } } } }]
expect:
  hold: [queue-accounting]
  queueWait: [{ queue: q, erlangC: true, tolerance: 10% }]
`;
const scenario = loadScenarioText(text, "mm1.yaml");
const cpuSim = process.cpuUsage();
const { result } = runScenario(scenario, { seed, file: "mm1.yaml" });
const cpu = process.cpuUsage();
const q = result.metrics.queues[0];
console.log(JSON.stringify({
  customers: q.deliveries,
  meanWait: q.waitMeanExactUs / 1000,
  events: result.events,
  passed: result.passed,
  verdicts: result.verdicts.map((v) => `${v.invariant}:${v.holds ? "holds" : "VIOLATED"}`).join(" "),
  compiled,
  cpuUs: cpu.user + cpu.system,
  setupCpuUs: cpuSim.user + cpuSim.system,
  peakRssKB: process.resourceUsage().maxRSS,
}));
