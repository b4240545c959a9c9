// Whole runs of small queue scenarios: determinism, what a consumer crash does on each system, and the
// loader's cross-reference errors for the queue fields.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op } from "../../../src/history/history.ts";
import { ReturnReason } from "../../../src/models/queue/queue-types.ts";

function scenario(queue: string, consumer = "", extra = ""): string {
  return `
name: t
description: A small queue scenario written by a test to pin one behaviour of the queue models.
duration: 5s
drain: 20s
network: { latency: 1ms }
queues: [${queue}]
queueProducers: [{ name: p, queue: q, rate: 50/s, keys: { count: 5 } }]
queueConsumers: [{ name: w, queue: q, count: 2${consumer.includes("processing") ? "" : ", processing: { time: 20ms }"}${consumer} }]
${extra}`;
}

function run(text: string, seed = 1) {
  return runScenario(loadScenarioText(text, "t.yaml"), { seed, file: "t.yaml" });
}

describe("queue runs", () => {
  it("are deterministic: same seed, byte-identical result.json", () => {
    const text = scenario("{ name: q, kind: sqs-fifo, visibilityTimeout: 1s }", ", processing: { time: { exponential: { mean: 30ms } }, failureProbability: 10% }");
    const a = JSON.stringify(run(text, 5).result);
    const b = JSON.stringify(run(text, 5).result);
    expect(a).toBe(b);
    expect(JSON.stringify(run(text, 6).result)).not.toBe(a);
  });

  it("are deterministic on RabbitMQ and Pulsar Key_Shared with crashes too", () => {
    for (const q of ["{ name: q, kind: rabbitmq-quorum }", "{ name: q, kind: pulsar, partitions: 2, subscription: key_shared, ackTimeout: 2s }"]) {
      const text = scenario(q, ", prefetch: 3, processing: { time: { exponential: { mean: 30ms } }, failureProbability: 5% }, crashes: [{ at: 2s, restartAfter: 1s }]");
      expect(JSON.stringify(run(text, 3).result)).toBe(JSON.stringify(run(text, 3).result));
    }
  });

  it("SQS: extending the visibility while the handler runs removes the duplicates a short timeout causes", () => {
    const slow = ", processing: { time: { lognormal: { median: 700ms, sigma: 0.35 } } }";
    const base = scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 1s }", slow).replace("rate: 50/s", "rate: 2/s");
    const dup = (text: string) => run(text).result.verdicts.find((v) => v.invariant === "queue-duplicates")!;
    expect(dup(base).holds).toBe(false);
    const extended = scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 1s }", `${slow}, extendVisibilityEvery: 500ms, extendVisibilityBy: 1s`).replace("rate: 50/s", "rate: 2/s");
    expect(dup(extended).holds).toBe(true);
  });

  it("SQS: a crashed consumer's received message comes back only when its visibility timeout expires", () => {
    const { history: h, result } = run(scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 3s }", ", crashes: [{ at: 1s }]"));
    const returns = [];
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.QueueReturn) returns.push(i);
    expect(returns.length).toBeGreaterThan(0);
    for (const r of returns) {
      expect(h.opPartition[r]).toBe(ReturnReason.VisibilityTimeout);
      expect(h.opTimeUs[r]).toBeGreaterThanOrEqual(3_000_000);
    }
    expect(result.verdicts.find((v) => v.invariant === "queue-accounting")!.holds).toBe(true);
  });

  it("RabbitMQ: a crashed consumer's unacknowledged deliveries are requeued at once", () => {
    const { history: h } = run(scenario("{ name: q, kind: rabbitmq-classic }", ", prefetch: 5, crashes: [{ at: 1s, restartAfter: 1s }]"));
    const crashReturns = [];
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.QueueReturn) crashReturns.push(i);
    expect(crashReturns.length).toBeGreaterThan(0);
    for (const r of crashReturns) {
      expect(h.opPartition[r]).toBe(ReturnReason.ConsumerCrash);
      expect(h.opTimeUs[r]).toBe(1_000_000);
    }
  });

  it("on RabbitMQ 4.0–4.2 a nacked poison key reaches the quorum queue's DLQ after delivery-limit + 1 deliveries while the rest flows", () => {
    const text = scenario(
      "{ name: q, kind: rabbitmq-quorum, rabbitmqVersion: '4.2', deliveryLimit: 2, deadLetter: { queue: dlq } }, { name: dlq, kind: rabbitmq-quorum }",
      ", processing: { time: 5ms, poison: { keys: [key-1] } }",
    );
    const { result } = run(text);
    const q = result.metrics.queues!.find((x) => x.queue === "q")!;
    expect(q.ledger!.inDeadLetterQueue).toBeGreaterThan(0);
    expect(q.ledger!.acked + q.ledger!.inDeadLetterQueue).toBe(q.ledger!.sent);
    expect(result.verdicts.find((v) => v.invariant === "dlq-correctness")!.holds).toBe(true);
  });

  it("reports queue wait apart from processing time, and the time-averaged depth, per queue", () => {
    const { result } = run(scenario("{ name: q, kind: sqs-standard }"));
    const q = result.metrics.queues![0];
    expect(q.processingUs.mean).toBe(20_000);
    expect(q.queueWaitUs.count).toBe(q.deliveries);
    expect(q.timeAvgDepth).toBeGreaterThanOrEqual(0);
    expect(q.series.depth.length).toBe(result.metrics.series.t.length);
  });
});

describe("queue scenario errors", () => {
  const err = (text: string): string => {
    try {
      loadScenarioText(text, "bad.yaml");
    } catch (e) {
      return String((e as Error).message);
    }
    return "";
  };
  it("names an unknown queue and suggests the close one", () => {
    const text = scenario("{ name: q, kind: sqs-standard }").replace("queueConsumers: [{ name: w, queue: q,", "queueConsumers: [{ name: w, queue: qq,");
    const m = err(text);
    expect(m).toContain('no queue named "qq"');
    expect(m).toContain("bad.yaml:");
  });
  it("asks for maxReceiveCount on an SQS redrive policy and refuses a reject on SQS", () => {
    expect(err(scenario("{ name: q, kind: sqs-standard, deadLetter: { queue: d } }, { name: d, kind: sqs-standard }"))).toContain("needs maxReceiveCount");
    expect(err(scenario("{ name: q, kind: sqs-standard }", ", onFailure: reject"))).toContain("SQS has no reject");
  });
  it("refuses a scenario with no producer at all", () => {
    const text = `name: t\ndescription: nothing produces in this scenario at all, so it is refused.\nduration: 1s\nqueues: [{ name: q, kind: sqs-standard }]\n`;
    expect(err(text)).toContain("no producer");
  });
});
