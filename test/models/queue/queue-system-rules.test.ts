// Whole small runs pinning the issue-5 rules through the scenario fields: a double-acking RabbitMQ client,
// Pulsar's retry letter topic, Exclusive refusals, publisher-confirm latency, and the 4.3 delivery-limit rule.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op, type History } from "../../../src/history/history.ts";
import { PRECONDITION_FAILED } from "../../../src/models/queue/queue-types.ts";
import { ops } from "./harness.ts";
import { queuesSection } from "../../../src/report/queue-charts.ts";
import { escapeHtml } from "../../../src/report/html.ts";

function scenario(queues: string, consumer: string, producer = ""): string {
  return `
name: t
description: A small queue scenario written by a test to pin one behaviour of the queue models.
duration: 4s
drain: 30s
network: { latency: 1ms }
queues: [${queues}]
queueProducers: [{ name: p, queue: q, rate: 50/s, keys: { count: 5 }${producer} }]
queueConsumers: [{ name: w, queue: q, count: 2${consumer.includes("processing") ? "" : ", processing: { time: 5ms }"}${consumer} }]
`;
}

function run(text: string, seed = 1) {
  return runScenario(loadScenarioText(text, "t.yaml"), { seed, file: "t.yaml" });
}

const holds = (r: ReturnType<typeof run>, inv: string) => r.result.verdicts.find((v) => v.invariant === inv)!;
const count = (h: History, op: Op) => ops(h, op).length;

describe("a RabbitMQ client that acks twice", () => {
  it("gets its channel closed with PRECONDITION_FAILED, reopens one and keeps consuming; nothing is lost and every duplicate is explained", () => {
    const r = run(scenario("{ name: q, kind: rabbitmq-classic }", ", prefetch: 5, ackBug: { doubleAck: 10% }"));
    const closed = ops(r.history, Op.QueueChannelClosed);
    expect(closed.length).toBeGreaterThan(3);
    expect(closed.every((i) => r.history.opPartition[i] === PRECONDITION_FAILED)).toBe(true);
    const q = r.result.metrics.queues![0];
    expect(q.ledger!.acked).toBe(q.ledger!.sent);
    expect(holds(r, "queue-accounting").holds).toBe(true);
    expect(holds(r, "queue-duplicates").anomalies.filter((a) => a.kind === "unexplained-duplicate")).toEqual([]);
  });

  it("with the stale-tag bug also acks old deliveries on the new channel, which closes it again", () => {
    // A close while a handler runs makes its ack stale, which closes the next channel while the next handler runs: a storm.
    const plain = run(scenario("{ name: q, kind: rabbitmq-classic }", ", prefetch: 5, processing: { time: 200ms }, ackBug: { doubleAck: 10% }", ", maxMessages: 40"));
    const stale = run(
      scenario("{ name: q, kind: rabbitmq-classic }", ", prefetch: 5, processing: { time: 200ms }, ackBug: { doubleAck: 10%, staleTags: true }", ", maxMessages: 40"),
    );
    expect(count(stale.history, Op.QueueChannelClosed)).toBeGreaterThan(count(plain.history, Op.QueueChannelClosed));
  });

  it("is refused on a queue that is not RabbitMQ, with the field's location", () => {
    expect(() => loadScenarioText(scenario("{ name: q, kind: sqs-standard }", ", ackBug: { doubleAck: 1% }"), "bad.yaml")).toThrow(/ackBug/);
  });
});

describe("Pulsar reconsumeLater in a run", () => {
  const text = scenario(
    "{ name: q, kind: pulsar, subscriptionName: billing }",
    ", onFailure: retry-later, retryDelay: 100ms, processing: { time: 5ms, poison: { keys: [key-1] } }",
  );

  it("goes through <topic>-<subscription>-RETRY and, without a policy, ends in <topic>-<subscription>-DLQ after 16 reconsumes", () => {
    const r = run(text);
    const names = r.result.metrics.queues!.map((x) => x.queue);
    expect(names).toEqual(["q", "q-billing-RETRY", "q-billing-DLQ"]);
    const h = r.history;
    const poison = new Set(ops(h, Op.QueueRetryPublish).map((i) => h.opMsg[i]));
    expect(poison.size).toBeGreaterThan(0);
    for (const m of poison) expect(h.keyOf(m)).toBe("key-1");
    expect(count(h, Op.QueueRetryPublish)).toBe(16 * poison.size);
    const q = r.result.metrics.queues![0];
    expect(q.ledger!.inDeadLetterQueue).toBe(poison.size);
    expect(q.ledger!.acked + q.ledger!.inDeadLetterQueue).toBe(q.ledger!.sent);
    for (const inv of ["queue-accounting", "dlq-correctness", "queue-duplicates"]) expect(holds(r, inv).holds).toBe(true);
  });

  it("refuses a retryDelay on a queue that has no retry letter topic", () => {
    expect(() => loadScenarioText(scenario("{ name: q, kind: rabbitmq-classic }", ", retryDelay: 1s"), "bad.yaml")).toThrow(/retryDelay/);
  });
});

describe("Pulsar Exclusive in a run", () => {
  it("refuses the second consumer once; the first gets everything", () => {
    const r = run(scenario("{ name: q, kind: pulsar, subscription: exclusive }", ""));
    const refused = ops(r.history, Op.QueueSubscribeRefused);
    expect(refused.map((i) => r.history.actorNames[r.history.opActor[i]])).toEqual(["w-1"]);
    const handlers = new Set(ops(r.history, Op.QueueProcessEnd).map((i) => r.history.actorNames[r.history.opActor[i]]));
    expect([...handlers]).toEqual(["w-0"]);
  });
});

describe("publisher confirm latency", () => {
  const latency = (queues: string, producer = "") => {
    const q = run(scenario(queues, "", producer)).result.metrics.queues![0];
    expect(q.confirmLatencyUs.count).toBe(q.sent);
    return q.confirmLatencyUs;
  };

  it("a durable classic queue confirms persistent messages after the batched fsync (up to 200 ms), transient ones after a round trip", () => {
    const persistent = latency("{ name: q, kind: rabbitmq-classic }");
    expect(persistent.mean).toBeGreaterThan(50_000);
    expect(persistent.max).toBeLessThanOrEqual(200_000 + 2_000 + 100);
    const transient = latency("{ name: q, kind: rabbitmq-classic }", ", persistent: false");
    expect(transient.max).toBeLessThan(3_000);
  });

  it("a quorum queue confirms after its commit delay", () => {
    const q = latency("{ name: q, kind: rabbitmq-quorum, quorumCommitDelay: 10ms }");
    expect(q.p50).toBeGreaterThanOrEqual(12_000);
    expect(q.max).toBeLessThan(13_000);
  });
});

describe("the quorum delivery limit in a run", () => {
  const poison = ", processing: { time: 5ms, poison: { keys: [key-1] } }";
  const queues = (v: string) => `{ name: q, kind: rabbitmq-quorum, deliveryLimit: 2${v}, deadLetter: { queue: dlq } }, { name: dlq, kind: rabbitmq-quorum }`;

  it("defaults to 4.3: a poison message nacked with requeue is never dead-lettered", () => {
    const r = run(scenario(queues(""), poison));
    expect(count(r.history, Op.QueueDeadLetter)).toBe(0);
    expect(r.result.metrics.queues![0].redeliveries).toBeGreaterThan(100);
  });

  it("on 4.2 dead-letters it after delivery-limit + 1 deliveries, and dlq-correctness agrees", () => {
    const r = run(scenario(queues(", rabbitmqVersion: '4.2'"), poison));
    expect(count(r.history, Op.QueueDeadLetter)).toBeGreaterThan(0);
    expect(holds(r, "dlq-correctness").holds).toBe(true);
  });
});

describe("the report's dead-letter triage", () => {
  it("lists dead letters held at the end with their x-death headers", () => {
    const r = run(
      scenario(
        "{ name: q, kind: rabbitmq-classic, deadLetter: { queue: dlq, exchange: orders-dlx } }, { name: dlq, kind: rabbitmq-classic }",
        ", onFailure: reject, processing: { time: 5ms, poison: { keys: [key-1] } }",
      ),
    );
    const dlq = r.result.metrics.queues!.find((q) => q.queue === "dlq")!;
    expect(dlq.deadLetters!.length).toBeGreaterThan(0);
    expect(dlq.deadLetters![0].key).toBe("key-1");
    expect(dlq.deadLetters![0].xDeath).toMatch(/^x-death \[\{queue q, reason rejected, count 1, .*exchange "", routing-keys \[key-1\]\}\]; x-first-death q\/rejected/);
    expect(r.result.metrics.queues!.find((q) => q.queue === "q")!.deadLetters).toBeUndefined();
    const html = queuesSection(r.result, escapeHtml);
    expect(html).toContain("Dead-letter triage");
    expect(html).toContain("reason rejected");
  });
});
