// RabbitMQ rules added for issue 5: x-death headers and dead-letter cycles, the quorum delivery-limit rule per
// server version, channel errors on double / unknown delivery tags, and when publisher confirms go out.
import { describe, expect, it } from "vitest";
import { Op, type History } from "../../../src/history/history.ts";
import { AmqpQueue, CLASSIC_FSYNC_INTERVAL_US, type AmqpConfig } from "../../../src/models/queue/amqp-queue.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import { DeadLetterReason, PRECONDITION_FAILED, ReturnReason } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;

/** A consumer whose channel the broker can close; it reopens only when the test says so. */
class ChannelConsumer extends FakeConsumer {
  channel = 0;
  readonly closes: number[] = [];
  channelClosed(code: number): void {
    this.closes.push(code);
  }
}

function world(qConfig: Partial<AmqpConfig> = {}, dlqConfig: Partial<AmqpConfig> = {}) {
  const c = ctx();
  const q = new AmqpQueue("q", "rabbitmq-classic", c, { quorum: false, deliveryLimit: -1, dlx: { exchange: "dlx" }, ...qConfig });
  const dlq = new AmqpQueue("dlq", "rabbitmq-classic", { ...c, metrics: new QueueMetrics("dlq", "t", 1e9) }, { quorum: false, deliveryLimit: -1, dlx: { exchange: "dlx2" }, ...dlqConfig });
  q.deadLetterTarget = dlq;
  const send = (key = "order-1", ttlUs?: number) => {
    const m = message(c.history, key, c.sim.nowUs);
    q.enqueue(m.msg, m.key, c.sim.nowUs, { ttlUs });
    return m.msg;
  };
  return { ...c, q, dlq, send };
}

const rowsOf = (h: History, kind: Op) => ops(h, kind).map((i) => ({ msg: h.opMsg[i], reason: h.opPartition[i], offset: h.opOffset[i], at: h.opTimeUs[i] }));

describe("RabbitMQ x-death", () => {
  it("a rejected message arrives in the DLQ with one x-death entry, x-first-death and x-last-death set, and its routing key kept", () => {
    const { q, dlq, send, history } = world();
    const id = send("order-7");
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    q.settle(c, id, c.got[0].handle, "reject");
    const d = dlq.message(id)!.deaths!;
    expect(d.xDeath).toHaveLength(1);
    expect(d.xDeath[0]).toMatchObject({ queue: "q", reason: "rejected", count: 1, exchange: "", routingKeys: ["order-7"] });
    expect(d.first).toEqual({ queue: "q", reason: "rejected", exchange: "" });
    expect(d.last).toEqual(d.first);
    expect(d.route).toEqual({ exchange: "dlx", routingKey: "order-7" });
  });

  it("strips the per-message TTL on dead-lettering but records it as original-expiration", () => {
    const { sim, q, dlq, send, history } = world();
    const id = send("k", 1 * S);
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    q.settle(c, id, c.got[0].handle, "reject");
    sim.run({ untilUs: 10 * S });
    expect(dlq.message(id)?.expiresAtUs).toBe(Infinity);
    expect(dlq.message(id)!.deaths!.xDeath[0].originalExpirationUs).toBe(1 * S);
  });

  it("uses the DLX routing key for the dead letter while x-death keeps the original routing keys", () => {
    const { q, dlq, send, history } = world({ dlx: { exchange: "dlx", routingKey: "parked" } });
    const id = send("order-3");
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    q.settle(c, id, c.got[0].handle, "reject");
    const d = dlq.message(id)!.deaths!;
    expect(d.xDeath[0].routingKeys).toEqual(["order-3"]);
    expect(d.route).toEqual({ exchange: "dlx", routingKey: "parked" });
  });

  it("drops a message that expires around a cycle with no rejection in it", () => {
    // q (TTL 1 s) dead-letters to dlq (TTL 1 s), which dead-letters back to q.
    const { sim, q, dlq, send, history } = world({ messageTtlUs: 1 * S }, { messageTtlUs: 1 * S });
    dlq.deadLetterTarget = q;
    const id = send();
    sim.run({ untilUs: 5 * S });
    const moved = rowsOf(history, Op.QueueDeadLetter);
    expect(moved.map((r) => r.reason)).toEqual([DeadLetterReason.Expired]);
    const dropped = rowsOf(history, Op.QueueDrop);
    expect(dropped).toEqual([expect.objectContaining({ msg: id, reason: DeadLetterReason.Expired })]);
    expect(q.message(id)).toBeUndefined();
    expect(dlq.message(id)).toBeUndefined();
  });

  it("keeps a message cycling when a rejection is part of the cycle, counting each (queue, reason) and moving it to the front", () => {
    const { sim, q, dlq, send, history } = world({}, { messageTtlUs: 1 * S });
    dlq.deadLetterTarget = q;
    const id = send();
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    q.settle(c, id, c.got[0].handle, "reject"); // q → dlq (rejected)
    sim.run({ untilUs: 2 * S }); // dlq → q (expired): the cycle holds a rejection, so it is not dropped
    expect(q.message(id)).toBeDefined();
    q.settle(c, id, c.got[1].handle, "reject"); // q → dlq again
    sim.run({ untilUs: 4 * S }); // and back
    const d = q.message(id)!.deaths!;
    expect(d.xDeath.map((e) => [e.queue, e.reason, e.count])).toEqual([
      ["dlq", "expired", 2],
      ["q", "rejected", 2],
    ]);
    expect(d.xDeath[1].firstUs).toBe(0);
    expect(d.xDeath[1].lastUs).toBeGreaterThan(1 * S);
    expect(d.first).toMatchObject({ queue: "q", reason: "rejected" });
    expect(d.last).toMatchObject({ queue: "dlq", reason: "expired", exchange: "dlx" });
    expect(ops(history, Op.QueueDrop)).toHaveLength(0);
  });
});

describe("RabbitMQ quorum delivery limit by server version", () => {
  const quorum = (failedDeliveriesOnly: boolean) => world({ quorum: true, deliveryLimit: 2, failedDeliveriesOnly });

  it("4.3: nack with requeue does not count, however often; x-acquired-count counts every hand-out", () => {
    const { q, send, history } = quorum(true);
    const id = send();
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    for (let i = 0; i < 10; i++) q.settle(c, id, c.got[i].handle, "requeue");
    expect(ops(history, Op.QueueDeadLetter)).toHaveLength(0);
    expect(q.message(id)!.acquired).toBe(11);
    expect(q.message(id)!.returns).toBe(0);
  });

  it("4.3: channel losses count, and the third failed delivery with a limit of 2 dead-letters (delivery_limit)", () => {
    const { q, send, history } = quorum(true);
    const id = send();
    const c = new FakeConsumer(history, "c", 1);
    for (let i = 0; i < 3; i++) {
      q.attach(c);
      q.detach(c, true);
    }
    const rows = rowsOf(history, Op.QueueDeadLetter);
    expect(rows).toEqual([expect.objectContaining({ msg: id, reason: DeadLetterReason.DeliveryLimit, offset: 3 })]);
  });

  it("4.0–4.2: every return counts, a nack with requeue too", () => {
    const { q, send, history } = quorum(false);
    const id = send();
    const c = new FakeConsumer(history, "c", 1);
    q.attach(c);
    for (let i = 0; i < 3; i++) q.settle(c, id, c.got[i].handle, "requeue");
    expect(rowsOf(history, Op.QueueDeadLetter)).toEqual([expect.objectContaining({ msg: id, reason: DeadLetterReason.DeliveryLimit })]);
  });
});

describe("RabbitMQ channel errors", () => {
  function twoDelivered() {
    const w = world();
    const a = w.send();
    const b = w.send();
    const c = new ChannelConsumer(w.history, "c", 10);
    w.q.attach(c);
    return { ...w, a, b, c };
  }

  it("a second ack of the same tag closes the channel with PRECONDITION_FAILED and requeues its other deliveries as redelivered", () => {
    const { q, history, a, b, c } = twoDelivered();
    const tagA = c.got[0].handle;
    q.settle(c, a, tagA, "ack", 0);
    q.settle(c, a, tagA, "ack", 0);
    const closed = ops(history, Op.QueueChannelClosed);
    expect(closed).toHaveLength(1);
    expect(history.opPartition[closed[0]]).toBe(PRECONDITION_FAILED);
    expect(history.opOffset[closed[0]]).toBe(tagA);
    expect(c.closes).toEqual([PRECONDITION_FAILED]);
    expect(rowsOf(history, Op.QueueReturn)).toEqual([expect.objectContaining({ msg: b, reason: ReturnReason.ChannelError })]);
    // Nothing more is pushed on the closed channel; the reopened one gets b again, flagged redelivered.
    expect(c.got).toHaveLength(2);
    c.channel = 1;
    q.attach(c);
    expect(c.got[2]).toMatchObject({ msg: b, deliveryNumber: 2 });
  });

  it("an ack sent on a channel that has closed since never arrives; an old tag sent on the new channel is an unknown tag", () => {
    const { q, history, a, b, c } = twoDelivered();
    q.settle(c, a, c.got[0].handle, "ack", 0);
    q.settle(c, a, c.got[0].handle, "ack", 0); // closes channel 0
    q.settle(c, b, c.got[1].handle, "ack", 0); // in flight on channel 0: dropped
    expect(ops(history, Op.QueueChannelClosed)).toHaveLength(1);
    c.channel = 1;
    q.attach(c);
    q.settle(c, b, c.got[1].handle, "ack", 1); // the stale tag of channel 0 on channel 1
    expect(ops(history, Op.QueueChannelClosed)).toHaveLength(2);
    expect(ops(history, Op.QueueAck)).toHaveLength(1);
    expect(q.message(b)?.holder).toBe(-1);
  });

  it("consumer_timeout closes the channel with PRECONDITION_FAILED too (no offending tag)", () => {
    const { sim, q, send, history } = world();
    send();
    const c = new ChannelConsumer(history, "c", 1);
    q.attach(c);
    sim.run({ untilUs: 31 * 60 * S });
    const closed = ops(history, Op.QueueChannelClosed);
    expect(closed).toHaveLength(1);
    expect(history.opOffset[closed[0]]).toBe(-1);
    expect(rowsOf(history, Op.QueueReturn)[0].reason).toBe(ReturnReason.AckTimeout);
  });
});

describe("RabbitMQ publisher confirms", () => {
  it("a durable classic queue confirms persistent messages at the fsync ending their batch (200 ms after the first)", () => {
    const { sim, q } = world({ durable: true });
    const at: number[] = [];
    for (const t of [0, 50_000, 150_000, 250_000]) {
      sim.at(t, () => at.push(q.confirmAtUs(true)));
    }
    sim.run({ untilUs: S });
    expect(CLASSIC_FSYNC_INTERVAL_US).toBe(200_000);
    expect(at).toEqual([200_000, 200_000, 200_000, 450_000]);
  });

  it("confirms transient messages, and any message to a non-durable queue, at once", () => {
    const { sim, q } = world({ durable: true });
    sim.run({ untilUs: 70_000 });
    expect(q.confirmAtUs(false)).toBe(70_000);
    const nd = world({ durable: false });
    expect(nd.q.confirmAtUs(true)).toBe(0);
  });

  it("a quorum queue confirms once a quorum of replicas has the message (the configured commit delay)", () => {
    const { q } = world({ quorum: true, quorumCommitUs: 3_000 });
    expect(q.confirmAtUs(true)).toBe(3_000);
    expect(q.confirmAtUs(false)).toBe(3_000);
  });
});
