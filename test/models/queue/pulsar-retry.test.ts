// Pulsar's retry letter topic (reconsumeLater) and the Exclusive subscription's refusal of a second consumer.
import { describe, expect, it } from "vitest";
import { Op } from "../../../src/history/history.ts";
import { PulsarSubscription, type PulsarConfig } from "../../../src/models/queue/pulsar-subscription.ts";
import { deadLetterTopicName, retryTopicName } from "../../../src/models/queue/pulsar-retry.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import { DeadLetterReason } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;

class RetryingConsumer extends FakeConsumer {
  retryDelayUs = 5 * S;
}

function setup(config: Partial<PulsarConfig> = {}) {
  const c = ctx();
  const base: PulsarConfig = { partitions: 1, subscription: "shared", ackTimeoutUs: 0, negativeAckDelayUs: 60 * S, ...config };
  const topic = (name: string) => new PulsarSubscription(name, "pulsar", { ...c, metrics: new QueueMetrics(name, "t", 1e10) }, base);
  const q = topic("orders");
  const retry = topic(retryTopicName("orders", "sub"));
  const dlq = topic(deadLetterTopicName("orders", "sub"));
  q.deadLetterTarget = dlq;
  retry.deadLetterTarget = dlq;
  q.enableRetry(retry);
  const send = () => {
    const m = message(c.history, "k", c.sim.nowUs);
    q.enqueue(m.msg, m.key, c.sim.nowUs);
    return m.msg;
  };
  const a = new RetryingConsumer(c.history, "a", 10);
  q.attach(a);
  /** reconsumeLater on the latest delivery, then runs until the retry copy is due. */
  const reconsume = () => {
    const d = a.got[a.got.length - 1];
    q.settle(a, d.msg, d.handle, "retry-later");
    c.sim.run({ untilUs: c.sim.nowUs + a.retryDelayUs });
  };
  return { ...c, q, retry, dlq, send, a, reconsume };
}

describe("Pulsar retry letter topic", () => {
  it("names the retry and dead-letter topics <topic>-<subscription>-RETRY / -DLQ", () => {
    expect(retryTopicName("orders", "billing")).toBe("orders-billing-RETRY");
    expect(deadLetterTopicName("orders", "billing")).toBe("orders-billing-DLQ");
  });

  it("reconsumeLater acks the original and publishes a copy (RECONSUMETIMES 1, DELAY_TIME) to the retry topic, delivered after the delay", () => {
    const { sim, history, q, retry, send, a } = setup();
    const id = send();
    q.settle(a, id, a.got[0].handle, "retry-later");
    const ack = ops(history, Op.QueueAck);
    const pub = ops(history, Op.QueueRetryPublish);
    expect(ack).toHaveLength(1);
    expect(pub).toHaveLength(1);
    expect(ack[0]).toBeLessThan(pub[0]);
    expect([history.opMsg[pub[0]], history.opActor[pub[0]], history.opAux[pub[0]]]).toEqual([id, q.actorId, retry.actorId]);
    expect([history.opPartition[pub[0]], history.opOffset[pub[0]]]).toEqual([1, 5 * S]);
    expect(q.message(id)).toBeUndefined();
    sim.run({ untilUs: 5 * S - 1 });
    expect(a.got).toHaveLength(1);
    sim.run({ untilUs: 5 * S });
    // The same message (same id) comes from the retry topic with its RECONSUMETIMES.
    expect(a.got[1]).toMatchObject({ msg: id, reconsumes: 1, deliveryNumber: 1 });
    expect(retry.message(id)!.retryProps).toEqual({ RECONSUMETIMES: 1, DELAY_TIME: 5000, REAL_TOPIC: "orders", ORIGIN_MESSAGE_ID: id });
    // Reconsumed again from the retry topic: RECONSUMETIMES 2, still naming the topic it was first consumed from.
    q.settle(a, id, a.got[1].handle, "retry-later");
    expect(retry.message(id)!.retryProps).toEqual({ RECONSUMETIMES: 2, DELAY_TIME: 5000, REAL_TOPIC: "orders", ORIGIN_MESSAGE_ID: id });
    const deliver = ops(history, Op.QueueDeliver);
    expect(history.opAux[deliver[1]]).toBe(retry.actorId);
  });

  it("counts RECONSUMETIMES 1, 2, ... across copies and sends the copy to the DLQ once it would exceed maxRedeliverCount", () => {
    const { history, q, dlq, retry, send, a, reconsume } = setup({ maxRedeliverCount: 2 });
    const id = send();
    for (let i = 0; i < 5; i++) reconsume();
    expect(a.got.map((d) => d.reconsumes ?? 0)).toEqual([0, 1, 2]);
    expect(ops(history, Op.QueueRetryPublish).map((r) => history.opPartition[r])).toEqual([1, 2]);
    // The first copy is published by the topic, the next by the retry topic itself.
    expect(ops(history, Op.QueueRetryPublish).map((r) => history.opActor[r])).toEqual([q.actorId, retry.actorId]);
    const dead = ops(history, Op.QueueDeadLetter);
    expect(dead).toHaveLength(1);
    expect([history.opActor[dead[0]], history.opPartition[dead[0]]]).toEqual([retry.actorId, DeadLetterReason.MaxRedeliverCount]);
    expect(dlq.message(id)).toBeDefined();
  });

  it("without a dead-letter policy allows 16 reconsumes: 17 deliveries, then the DLQ", () => {
    const { dlq, send, a, reconsume } = setup();
    const id = send();
    for (let i = 0; i < 30; i++) reconsume();
    expect(a.got).toHaveLength(17);
    expect(dlq.message(id)).toBeDefined();
  });

  it("settles a delivery from the retry topic there: an ack removes the copy", () => {
    const { history, q, retry, send, a, reconsume } = setup();
    const id = send();
    reconsume();
    q.settle(a, id, a.got[1].handle, "ack");
    expect(retry.message(id)).toBeUndefined();
    const acks = ops(history, Op.QueueAck);
    expect(acks).toHaveLength(2);
    expect(history.opAux[acks[1]]).toBe(retry.actorId);
  });

  it("subscribes the consumer to the retry topic and takes it off both when it leaves", () => {
    const { sim, history, q, send, a } = setup();
    const id = send();
    q.settle(a, id, a.got[0].handle, "retry-later");
    q.detach(a, true);
    sim.run({ untilUs: 10 * S });
    expect(a.got).toHaveLength(1);
    const b = new RetryingConsumer(history, "b", 10);
    q.attach(b);
    expect(b.got).toEqual([expect.objectContaining({ msg: id, reconsumes: 1 })]);
  });
});

describe("Pulsar Exclusive subscription", () => {
  it("refuses a second consumer (ConsumerBusy): recorded, not a member, never given a message", () => {
    const c = ctx();
    const q = new PulsarSubscription("t", "pulsar", c, { partitions: 1, subscription: "exclusive", ackTimeoutUs: 0, negativeAckDelayUs: 60 * S });
    const a = new FakeConsumer(c.history, "a", 10);
    const b = new FakeConsumer(c.history, "b", 10);
    expect(q.attach(a)).toBe(true);
    expect(q.attach(b)).toBe(false);
    expect(b.index).toBe(-1);
    const refused = ops(c.history, Op.QueueSubscribeRefused);
    expect(refused).toHaveLength(1);
    expect([c.history.opActor[refused[0]], c.history.opAux[refused[0]]]).toEqual([b.actorId, q.actorId]);
    const m = message(c.history);
    q.enqueue(m.msg, m.key, 0);
    q.detach(a, true);
    // b was never a member: nothing goes to it after a leaves.
    expect(b.got).toHaveLength(0);
    expect(q.depth).toBe(1);
  });

  it("accepts a consumer once the previous one has left", () => {
    const c = ctx();
    const q = new PulsarSubscription("t", "pulsar", c, { partitions: 1, subscription: "exclusive", ackTimeoutUs: 0, negativeAckDelayUs: 60 * S });
    const a = new FakeConsumer(c.history, "a", 10);
    q.attach(a);
    q.detach(a, true);
    expect(q.attach(new FakeConsumer(c.history, "b", 10))).toBe(true);
  });
});
