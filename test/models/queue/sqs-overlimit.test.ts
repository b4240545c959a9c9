// SQS at the in-flight cap: a standard queue answers a short poll with OverLimit (recorded), a long poll just
// gets nothing, and a FIFO queue never errors; a consumer refused with OverLimit backs off and polls again.
import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/kernel/rng.ts";
import { Op } from "../../../src/history/history.ts";
import { SqsQueue, type SqsConfig } from "../../../src/models/queue/sqs-queue.ts";
import { SqsFifoQueue } from "../../../src/models/queue/sqs-fifo-queue.ts";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;
const CONFIG: SqsConfig = { visibilityTimeoutUs: 30 * S, delayUs: 0, retentionUs: 345_600 * S, inFlightLimit: 2, servers: 1, duplicateProbability: 0 };

function atCap(fifo: boolean) {
  const c = ctx();
  const q = fifo ? new SqsFifoQueue("q.fifo", "sqs-fifo", c, CONFIG, new Rng(1)) : new SqsQueue("q", "sqs-standard", c, CONFIG, new Rng(1));
  const w = new FakeConsumer(c.history, "w");
  q.attach(w);
  for (let i = 0; i < 4; i++) {
    const m = message(c.history, `k${i}`);
    q.enqueue(m.msg, m.key, 0);
  }
  q.receive(w, 2, 0, () => {});
  expect(q.inFlight).toBe(2);
  const answer = (waitUs: number) => {
    let got: { n: number; error?: string } | undefined;
    q.receive(w, 1, waitUs, (b, error) => (got = { n: b.length, error }));
    return got;
  };
  return { ...c, q, w, answer };
}

describe("SQS in-flight cap", () => {
  it("a standard queue answers a short poll at the cap with OverLimit and records it", () => {
    const { history, q, w, answer } = atCap(false);
    expect(answer(0)).toEqual({ n: 0, error: "OverLimit" });
    const rows = ops(history, Op.QueueReceiveError);
    expect(rows).toHaveLength(1);
    expect([history.opActor[rows[0]], history.opAux[rows[0]], history.opOffset[rows[0]]]).toEqual([w.actorId, q.actorId, 2]);
  });

  it("a standard queue's long poll at the cap just waits and returns nothing, with no error", () => {
    const { sim, history, answer } = atCap(false);
    const got = answer(5 * S);
    expect(got).toBeUndefined();
    sim.run({ untilUs: 6 * S });
    expect(ops(history, Op.QueueReceiveError)).toHaveLength(0);
  });

  it("a FIFO queue at the cap returns nothing to a short poll, without an error", () => {
    const { history, answer } = atCap(true);
    expect(answer(0)).toEqual({ n: 0, error: undefined });
    expect(ops(history, Op.QueueReceiveError)).toHaveLength(0);
  });
});

describe("a consumer refused with OverLimit", () => {
  it("backs off, doubling its pause from emptyPollDelay, and polls again until it gets messages", () => {
    const text = `
name: overlimit
description: Short-polling consumers against a standard queue with an in-flight cap of 1, written by a test.
duration: 2s
drain: 10s
network: { latency: 0ms }
queues: [{ name: q, kind: sqs-standard, inFlightLimit: 1, servers: 1 }]
queueProducers: [{ name: p, queue: q, rate: 20/s, arrivals: constant, maxMessages: 10 }]
queueConsumers: [{ name: w, queue: q, count: 2, waitTime: 0s, emptyPollDelay: 10ms, processing: { time: 450ms } }]
`;
    const { result, history } = runScenario(loadScenarioText(text, "t.yaml"), { seed: 1, file: "t.yaml" });
    expect(result.metrics.queues![0].ledger!.acked).toBe(10);
    const errors = ops(history, Op.QueueReceiveError);
    expect(errors.length).toBeGreaterThan(2);
    // One consumer's refusals in a row are spaced 10 ms, 20 ms, 40 ms, ...
    const byW1 = errors.filter((r) => history.actorNames[history.opActor[r]] === "w-1").map((r) => history.opTimeUs[r]);
    const gaps = byW1.slice(1, 4).map((t, i) => t - byW1[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps[0]).toBe(10_000);
    expect(gaps[1]).toBe(20_000);
  });
});
