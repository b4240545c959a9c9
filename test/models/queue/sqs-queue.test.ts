import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/kernel/rng.ts";
import { Op } from "../../../src/history/history.ts";
import { SqsQueue, SQS_MAX_VISIBILITY_US, type SqsConfig } from "../../../src/models/queue/sqs-queue.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import type { Delivery } from "../../../src/models/queue/queue-types.ts";
import { DeadLetterReason, ReturnReason } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;
const CONFIG: SqsConfig = {
  visibilityTimeoutUs: 30 * S,
  delayUs: 0,
  retentionUs: 345_600 * S,
  inFlightLimit: 120_000,
  servers: 1,
  duplicateProbability: 0,
};

function setup(config: Partial<SqsConfig> = {}) {
  const c = ctx();
  const q = new SqsQueue("q", "sqs-standard", c, { ...CONFIG, ...config }, new Rng(7));
  const worker = new FakeConsumer(c.history, "w");
  q.attach(worker);
  const receive = (max = 1, waitUs = 0, vis?: number): Delivery[] => {
    let out: Delivery[] = [];
    q.receive(worker, max, waitUs, (b) => (out = b), vis);
    return out;
  };
  return { ...c, q, worker, receive };
}

describe("SQS standard queue", () => {
  it("hides a received message for the visibility timeout, then hands it out again with a new handle and receive count 2", () => {
    const { sim, history, q, receive } = setup();
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    const first = receive();
    expect(first.map((d) => d.deliveryNumber)).toEqual([1]);
    sim.run({ untilUs: 30 * S - 1 });
    expect(receive()).toEqual([]);
    sim.run({ untilUs: 30 * S });
    const second = receive();
    expect(second[0].deliveryNumber).toBe(2);
    expect(second[0].handle).not.toBe(first[0].handle);
  });

  it("answers a delete with an old receipt handle with success but keeps the message", () => {
    const { sim, history, q, receive, worker } = setup({ visibilityTimeoutUs: 1 * S });
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    const old = receive()[0];
    sim.run({ untilUs: 1 * S });
    const fresh = receive()[0];
    q.settle(worker, msg, old.handle, "ack");
    expect(ops(history, Op.QueueAckStale)).toHaveLength(1);
    expect(q.inFlight).toBe(1);
    q.settle(worker, msg, fresh.handle, "ack");
    expect(q.inFlight + q.depth).toBe(0);
  });

  it("makes a message visible at once on ChangeMessageVisibility 0, and rejects extending past 12 h from the first receive", () => {
    const { sim, history, q, receive, worker } = setup();
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    const d = receive()[0];
    expect(q.changeVisibility(worker, msg, d.handle, SQS_MAX_VISIBILITY_US + 1)).toBe(false);
    expect(q.changeVisibility(worker, msg, d.handle, SQS_MAX_VISIBILITY_US)).toBe(true);
    sim.run({ untilUs: 10 * S });
    expect(q.changeVisibility(worker, msg, d.handle, SQS_MAX_VISIBILITY_US - 5 * S)).toBe(false);
    expect(q.changeVisibility(worker, msg, d.handle, 0)).toBe(true);
    expect(receive()[0].deliveryNumber).toBe(2);
  });

  it("moves a message to the dead-letter queue instead of receiving it a (maxReceiveCount + 1)-th time", () => {
    const { sim, history, q, receive } = setup({ visibilityTimeoutUs: 1 * S, maxReceiveCount: 3 });
    const dlq = new SqsQueue("dlq", "sqs-standard", { sim, history, metrics: new QueueMetrics("dlq", "t", 100 * S) }, CONFIG, new Rng(1));
    q.deadLetterTarget = dlq;
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const d of receive()) seen.push(d.deliveryNumber);
      sim.run({ untilUs: (i + 1) * S });
    }
    expect(seen).toEqual([1, 2, 3]);
    const row = ops(history, Op.QueueDeadLetter)[0];
    expect(history.opPartition[row]).toBe(DeadLetterReason.MaxReceiveCount);
    expect(dlq.depth).toBe(1);
  });

  it("short polling can answer empty while messages exist; long polling waits and answers when one arrives", () => {
    const { sim, history, q, receive, worker: long0 } = setup({ servers: 8 });
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    let empties = 0;
    for (let i = 0; i < 50; i++) {
      const got = receive(1, 0);
      if (got.length === 0) empties++;
      else q.changeVisibility(long0, msg, got[0].handle, 0); // put it back for the next try
    }
    expect(empties).toBeGreaterThan(5);
    expect(empties).toBeLessThan(45);

    const long = setup();
    let answer: Delivery[] | undefined;
    long.q.receive(long.worker, 1, 20 * S, (b) => (answer = b));
    expect(answer).toBeUndefined();
    long.sim.at(3 * S, () => {
      const m = message(long.history);
      long.q.enqueue(m.msg, m.key, 3 * S);
    });
    long.sim.run({ untilUs: 3 * S });
    expect(answer).toHaveLength(1);
    void sim;
  });

  it("standard: a deleted message can come back once (duplicateProbability), a visibility timeout later", () => {
    const { sim, history, q, receive, worker } = setup({ duplicateProbability: 1, visibilityTimeoutUs: 2 * S });
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    const d = receive()[0];
    q.settle(worker, msg, d.handle, "ack");
    expect(receive()).toEqual([]);
    sim.run({ untilUs: 2 * S });
    const again = receive();
    expect(again.map((x) => x.msg)).toEqual([msg]);
    expect(history.opPartition[ops(history, Op.QueueReturn)[0]]).toBe(ReturnReason.StandardDuplicate);
  });

  it("returns nothing while the in-flight limit is reached", () => {
    const { history, q, receive } = setup({ inFlightLimit: 1 });
    for (let i = 0; i < 2; i++) {
      const m = message(history);
      q.enqueue(m.msg, m.key, 0);
    }
    expect(receive()).toHaveLength(1);
    expect(receive()).toEqual([]);
    expect(q.depth).toBe(1);
  });

  it("keeps a delayed message unreceivable until DelaySeconds passed", () => {
    const { sim, history, q, receive } = setup({ delayUs: 5 * S });
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    expect(receive()).toEqual([]);
    sim.run({ untilUs: 5 * S });
    expect(receive()).toHaveLength(1);
  });

  it("drops a message once its retention period has passed since it was sent", () => {
    const { sim, history, q, receive } = setup({ retentionUs: 60 * S });
    const { msg, key } = message(history);
    q.enqueue(msg, key, 0);
    sim.run({ untilUs: 61 * S });
    expect(receive()).toEqual([]);
    const row = ops(history, Op.QueueDrop)[0];
    expect(history.opPartition[row]).toBe(DeadLetterReason.Retention);
  });
});
