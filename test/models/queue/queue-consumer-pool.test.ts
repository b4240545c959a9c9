// A queue consumer's worker pool (processing.concurrency / maxInFlight): handlers in parallel up to the limit,
// no ReceiveMessage above maxInFlight (recorded as pauses), visibility timeouts that keep running for messages
// waiting in hand, RabbitMQ's prefetch as the bound of what is held, and crashes that drop the whole pool.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op, type History } from "../../../src/history/history.ts";
import { issuesOf } from "../../scenario/issues-of.ts";

function scenario(queue: string, consumer: string, producer = "rate: 100/s, arrivals: constant, schedule: [{ at: 2s, rate: 0/s }]"): string {
  return `
name: t
description: A small queue scenario written by a test to pin one behaviour of the worker pool.
duration: 4s
drain: 20s
network: { latency: 1ms }
queues: [${queue}]
queueProducers: [{ name: p, queue: q, ${producer}, keys: { count: 50 } }]
queueConsumers: [{ name: w, queue: q, ${consumer} }]
`;
}

const run = (text: string, seed = 1) => runScenario(loadScenarioText(text, "t.yaml"), { seed, file: "t.yaml" });

/** The most handlers of one consumer running at the same time. */
function peakRunning(h: History, actor: string): number {
  const a = h.actorId(actor)!;
  let now = 0, peak = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opActor[i] !== a) continue;
    if (h.opKind[i] === Op.QueueProcessStart) peak = Math.max(peak, ++now);
    else if (h.opKind[i] === Op.QueueProcessEnd) now--;
  }
  return peak;
}

/** The most messages delivered to a consumer and not yet finished by it. */
function peakHeld(h: History, actor: string): number {
  const a = h.actorId(actor)!;
  let now = 0, peak = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === Op.QueueDeliver && h.opActor[i] === a) peak = Math.max(peak, ++now);
    else if (h.opKind[i] === Op.QueueProcessEnd && h.opActor[i] === a) now--;
  }
  return peak;
}

const verdict = (r: ReturnType<typeof run>, name: string) => r.result.verdicts.find((v) => v.invariant === name)!;

describe("queue consumer worker pool", () => {
  it("SQS: runs up to `concurrency` handlers at once and never holds more than maxInFlight", () => {
    const r = run(scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 30s }", "maxMessages: 10, processing: { time: 50ms, concurrency: 4, maxInFlight: 12 }"));
    expect(peakRunning(r.history, "w-0")).toBe(4);
    expect(peakHeld(r.history, "w-0")).toBe(12);
    expect(verdict(r, "queue-accounting").holds).toBe(true);
    expect(verdict(r, "queue-duplicates").holds).toBe(true);
  });

  it("SQS: stops receiving at maxInFlight and resumes when a handler finishes, recorded as pauses", () => {
    const r = run(scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 30s }", "maxMessages: 10, processing: { time: 50ms, concurrency: 2, maxInFlight: 6 }"));
    const h = r.history;
    const q = h.actorId("q")!;
    const rows: number[] = [];
    for (let i = 0; i < h.opCount; i++) if ((h.opKind[i] === Op.AppMemberPaused || h.opKind[i] === Op.AppMemberResumed) && h.opAux[i] === q) rows.push(i);
    expect(rows.length).toBeGreaterThan(2);
    // Pause and resume alternate, starting with a pause; a pause is taken with the hand full.
    rows.forEach((row, i) => expect(h.opKind[row]).toBe(i % 2 === 0 ? Op.AppMemberPaused : Op.AppMemberResumed));
    for (const row of rows) if (h.opKind[row] === Op.AppMemberPaused) expect(h.opOffset[row]).toBe(6);
  });

  it("SQS: messages waiting in hand past their visibility timeout are received again (duplicates); a bound near the pool size avoids it", () => {
    const big = run(scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 1s }", "maxMessages: 10, processing: { time: 50ms, concurrency: 2, maxInFlight: 60 }"));
    expect(verdict(big, "queue-duplicates").holds).toBe(false);
    expect(verdict(big, "queue-accounting").holds).toBe(true);
    const small = run(scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 1s }", "maxMessages: 10, processing: { time: 50ms, concurrency: 2, maxInFlight: 4 }"));
    expect(verdict(small, "queue-duplicates").holds).toBe(true);
  });

  it("RabbitMQ: runs `concurrency` of the prefetched deliveries at once; the prefetch bounds what is held", () => {
    const r = run(scenario("{ name: q, kind: rabbitmq-classic }", "prefetch: 10, processing: { time: 50ms, concurrency: 3 }"));
    expect(peakRunning(r.history, "w-0")).toBe(3);
    expect(peakHeld(r.history, "w-0")).toBeLessThanOrEqual(10);
    expect(verdict(r, "queue-accounting").holds).toBe(true);
  });

  it("a crash drops every running and waiting handler; the queue gets them back and nothing is lost", () => {
    for (const q of ["{ name: q, kind: sqs-standard, visibilityTimeout: 2s }", "{ name: q, kind: rabbitmq-quorum }"]) {
      const consumer = `count: 2, maxMessages: 10, prefetch: 8, processing: { time: 40ms, concurrency: 4${q.includes("sqs") ? ", maxInFlight: 8" : ""} }, crashes: [{ at: 1s, restartAfter: 1s }]`;
      const r = run(scenario(q, consumer));
      expect(verdict(r, "queue-accounting").holds).toBe(true);
      const h = r.history;
      const w0 = h.actorId("w-0")!;
      for (let i = 0; i < h.opCount; i++) {
        const t = h.opTimeUs[i];
        if (h.opActor[i] === w0 && (h.opKind[i] === Op.QueueProcessEnd || h.opKind[i] === Op.QueueProcessStart)) expect(t < 1_000_000 || t >= 2_000_000).toBe(true);
      }
      expect(JSON.stringify(run(scenario(q, consumer)).result)).toBe(JSON.stringify(r.result));
    }
  });

  it("a GC pause freezes the pool: no handler starts or ends until it is over, then the pool carries on", () => {
    const text = scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 30s }", "maxMessages: 10, processing: { time: 50ms, concurrency: 4, maxInFlight: 8 }") + "faults: [{ at: 1s, pause: w-0, for: 500ms }]\n";
    const r = run(text);
    const h = r.history;
    const w0 = h.actorId("w-0")!;
    let after = 0;
    for (let i = 0; i < h.opCount; i++) {
      const t = h.opTimeUs[i];
      const mine = h.opActor[i] === w0 && (h.opKind[i] === Op.QueueProcessStart || h.opKind[i] === Op.QueueProcessEnd);
      if (mine) expect(t <= 1_000_000 || t >= 1_500_000).toBe(true);
      if (mine && t >= 1_500_000) after++;
    }
    expect(after).toBeGreaterThan(0);
    expect(verdict(r, "queue-accounting").holds).toBe(true);
  });

  it("runs the handler steps with concurrency too", () => {
    const text = scenario("{ name: q, kind: sqs-standard, visibilityTimeout: 30s }", "maxMessages: 10, processing: { concurrency: 4 }, handler: [{ process: 30ms }, { effect: { store: db } }]") + "stores: [{ name: db }]\nexpect: { hold: [exactly-once-effects] }\n";
    const r = run(text);
    expect(peakRunning(r.history, "w-0")).toBe(4);
    expect(verdict(r, "exactly-once-effects").holds).toBe(true);
  });
});

describe("worker pool scenario errors", () => {
  const doc = (q: string, processing: string, extra = "") => scenario(q, `processing: { ${processing} }${extra}`);
  it("maxInFlight below the concurrency", () => {
    expect(issuesOf(doc("{ name: q, kind: sqs-standard }", "concurrency: 4, maxInFlight: 2"))).toMatch(/^9:\d+ queueConsumers\[0\]\.processing\.maxInFlight: maxInFlight 2 is below the concurrency 4/);
  });
  it("maxInFlight on RabbitMQ (the prefetch bounds it there)", () => {
    expect(issuesOf(doc("{ name: q, kind: rabbitmq-classic }", "concurrency: 4, maxInFlight: 8"))).toMatch(/^9:\d+ queueConsumers\[0\]\.processing\.maxInFlight: maxInFlight bounds what an SQS consumer receives; q is rabbitmq-classic/);
  });
  it("maxInFlight without a pool", () => {
    expect(issuesOf(doc("{ name: q, kind: sqs-standard }", "maxInFlight: 8"))).toMatch(/maxInFlight needs a worker pool/);
  });
  it("concurrency out of range", () => {
    expect(issuesOf(doc("{ name: q, kind: sqs-standard }", "concurrency: 0"))).toMatch(/^9:\d+ queueConsumers\[0\]\.processing\.concurrency: /);
  });
  it("ack bugs with a pool", () => {
    expect(issuesOf(doc("{ name: q, kind: rabbitmq-classic }", "concurrency: 2", ", ackBug: { doubleAck: 10% }"))).toMatch(/queueConsumers\[0\]\.ackBug: the injected ack bugs are modelled on the one-at-a-time consumer only/);
  });
});
