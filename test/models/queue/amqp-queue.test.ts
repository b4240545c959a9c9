import { describe, expect, it } from "vitest";
import { Op } from "../../../src/history/history.ts";
import { AmqpQueue, type AmqpConfig } from "../../../src/models/queue/amqp-queue.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import { DeadLetterReason } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

function setup(config: Partial<AmqpConfig> = {}, prefetch = 0) {
  const c = ctx();
  const q = new AmqpQueue("q", "rabbitmq", c, { quorum: false, deliveryLimit: -1, ...config });
  const dlq = new AmqpQueue("dlq", "rabbitmq", { ...c, metrics: new QueueMetrics("dlq", "t", 1e9) }, { quorum: false, deliveryLimit: -1 });
  const send = (key = "k", ttlUs?: number) => {
    const m = message(c.history, key, c.sim.nowUs);
    q.enqueue(m.msg, m.key, c.sim.nowUs, { ttlUs });
    return m.msg;
  };
  const consumer = (name: string, p = prefetch) => {
    const f = new FakeConsumer(c.history, name, p);
    q.attach(f);
    return f;
  };
  return { ...c, q, dlq, send, consumer };
}

describe("RabbitMQ queue", () => {
  it("pushes at most prefetch unacknowledged deliveries to a consumer", () => {
    const { q, send, consumer } = setup();
    for (let i = 0; i < 5; i++) send();
    const c = consumer("c", 2);
    expect(c.got).toHaveLength(2);
    q.settle(c, c.got[0].msg, c.got[0].handle, "ack");
    expect(c.got).toHaveLength(3);
  });

  it("classic: a requeued message goes back to its original position; quorum: returned messages are served first, in return order", () => {
    for (const quorum of [false, true]) {
      const { q, send, consumer } = setup({ quorum, deliveryLimit: quorum ? 20 : -1 });
      const ids = [send(), send(), send()];
      const c = consumer("c", 2);
      // c holds ids0 and ids1; requeuing ids0 hands it straight back, so c now holds ids1 (older handle), ids0.
      q.settle(c, c.got[0].msg, c.got[0].handle, "requeue");
      expect(c.got[2].msg).toBe(ids[0]);
      // The crash returns them in handle order: ids1 first, then ids0.
      q.detach(c, true);
      const d = consumer("d", 3);
      expect(d.got.map((x) => x.msg)).toEqual(quorum ? [ids[1], ids[0], ids[2]] : [ids[0], ids[1], ids[2]]);
    }
  });

  it("requeues every unacknowledged delivery of a crashed consumer, flagged as redelivered, to the others", () => {
    const { q, send, consumer } = setup();
    send();
    send();
    const a = consumer("a", 2);
    const b = consumer("b", 2);
    expect(a.got).toHaveLength(2);
    q.detach(a, true);
    expect(b.got.map((d) => d.deliveryNumber)).toEqual([2, 2]);
  });

  it("quorum on 4.0–4.2: dead-letters with reason delivery_limit once a message was returned (even by nack-requeue) more than the limit", () => {
    const { history, q, dlq, send, consumer } = setup({ quorum: true, deliveryLimit: 20, failedDeliveriesOnly: false });
    q.deadLetterTarget = dlq;
    const id = send();
    const c = consumer("c", 1);
    let deliveries = 0;
    while (c.got.length > deliveries) {
      const d = c.got[deliveries++];
      q.settle(c, d.msg, d.handle, "requeue");
    }
    expect(deliveries).toBe(21);
    const row = ops(history, Op.QueueDeadLetter)[0];
    expect(history.opMsg[row]).toBe(id);
    expect(history.opPartition[row]).toBe(DeadLetterReason.DeliveryLimit);
    expect(dlq.depth).toBe(1);
  });

  it("reject without requeue dead-letters (reason rejected) with a DLX and drops without one", () => {
    for (const withDlx of [true, false]) {
      const { history, q, dlq, send, consumer } = setup();
      if (withDlx) q.deadLetterTarget = dlq;
      send();
      const c = consumer("c", 1);
      q.settle(c, c.got[0].msg, c.got[0].handle, "reject");
      const rows = ops(history, withDlx ? Op.QueueDeadLetter : Op.QueueDrop);
      expect(rows).toHaveLength(1);
      expect(history.opPartition[rows[0]]).toBe(DeadLetterReason.Rejected);
    }
  });

  it("expires messages only at the head: a short-TTL message behind a long-lived head waits until the head leaves", () => {
    const { sim, history, q, send, consumer } = setup();
    const head = send("k", 10_000_000);
    send("k", 1_000_000);
    sim.run({ untilUs: 5_000_000 });
    expect(ops(history, Op.QueueDrop)).toHaveLength(0);
    const c = consumer("c", 1);
    expect(c.got.map((d) => d.msg)).toEqual([head]);
    // The expired one reached the head when the first left: removed (expired), never delivered.
    const drops = ops(history, Op.QueueDrop);
    expect(drops).toHaveLength(1);
    expect(history.opPartition[drops[0]]).toBe(DeadLetterReason.Expired);
    q.settle(c, head, c.got[0].handle, "ack");
    expect(c.got).toHaveLength(1);
  });

  it("drops the head (reason maxlen) when a publish overflows max-length", () => {
    const { history, q, send } = setup({ maxLength: 2 });
    const first = send();
    send();
    send();
    expect(q.depth).toBe(2);
    const rows = ops(history, Op.QueueDrop);
    expect(history.opMsg[rows[0]]).toBe(first);
    expect(history.opPartition[rows[0]]).toBe(DeadLetterReason.Maxlen);
  });
});

describe("RabbitMQ consumer_timeout", () => {
  it("requeues a delivery left unacknowledged for 30 minutes (checked every minute), closing its channel", () => {
    const { sim, history, send, consumer } = setup();
    send();
    const a = consumer("a", 1);
    expect(a.got).toHaveLength(1);
    sim.run({ untilUs: 30 * 60_000_000 });
    const rows = ops(history, Op.QueueReturn);
    expect(rows).toHaveLength(1);
    expect(history.opTimeUs[rows[0]]).toBeGreaterThanOrEqual(1_800_000_000);
    expect(a.got.map((d) => d.deliveryNumber)).toEqual([1, 2]);
  });
});
