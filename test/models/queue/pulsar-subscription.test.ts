import { describe, expect, it } from "vitest";
import { Op } from "../../../src/history/history.ts";
import { PulsarSubscription, type PulsarConfig } from "../../../src/models/queue/pulsar-subscription.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import { javaStringHash, pulsarKeyHash, keySharedSlot, murmur3_32 } from "../../../src/models/queue/pulsar-hash.ts";
import { DeadLetterReason, ReturnReason } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;

function setup(config: Partial<PulsarConfig> = {}) {
  const c = ctx();
  const q = new PulsarSubscription("t", "pulsar", c, { partitions: 1, subscription: "shared", ackTimeoutUs: 0, negativeAckDelayUs: 60 * S, ...config });
  const dlq = new PulsarSubscription("t-DLQ", "pulsar", { ...c, metrics: new QueueMetrics("dlq", "t", 1e9) }, { partitions: 1, subscription: "shared", ackTimeoutUs: 0, negativeAckDelayUs: 60 * S });
  q.deadLetterTarget = dlq;
  const send = (key = "k") => {
    const m = message(c.history, key, c.sim.nowUs);
    q.enqueue(m.msg, m.key, c.sim.nowUs);
    return m.msg;
  };
  const consumer = (name: string, prefetch = 1000) => {
    const f = new FakeConsumer(c.history, name, prefetch);
    q.attach(f);
    return f;
  };
  return { ...c, q, dlq, send, consumer };
}

describe("Pulsar hashes", () => {
  it("murmur3_32 matches the reference vectors", () => {
    expect(murmur3_32(new Uint8Array())).toBe(0);
    expect(murmur3_32(new TextEncoder().encode("hello"))).toBe(0x248bfa47);
    expect(murmur3_32(new TextEncoder().encode("The quick brown fox jumps over the lazy dog"))).toBe(0x2e4ff723);
  });
  it("JavaStringHash is String.hashCode masked to non-negative, and key slots fall in 0..65535", () => {
    expect(javaStringHash("hello")).toBe(99162322);
    for (const k of ["a", "key-1", "key-77"]) expect(keySharedSlot(k)).toBeLessThan(65536);
  });
});

describe("Pulsar subscription", () => {
  it("Key_Shared sends every message of a key to one consumer", () => {
    const { consumer, send } = setup({ subscription: "key_shared" });
    const a = consumer("a");
    const b = consumer("b");
    for (let i = 0; i < 40; i++) send(`key-${i % 8}`);
    for (const f of [a, b]) {
      for (const d of f.got) {
        const other = f === a ? b : a;
        expect(other.got.some((x) => x.key === d.key)).toBe(false);
      }
    }
    expect(a.got.length + b.got.length).toBe(40);
  });

  it("Key_Shared keeps a key on its consumer while an earlier delivery is unacknowledged, then moves it to the new owner", () => {
    const { q, consumer, send } = setup({ subscription: "key_shared" });
    const a = consumer("a");
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    for (const k of keys) send(k);
    // New consumers join while a holds every key unacknowledged: later messages of those keys still go to a.
    const b = consumer("b");
    const c = consumer("c");
    for (const k of keys) send(k);
    expect(a.got).toHaveLength(60);
    expect(b.got.length + c.got.length).toBe(0);
    // Once a has acknowledged everything, keys that hash to b or c go there.
    for (const d of [...a.got]) q.settle(a, d.msg, d.handle, "ack");
    for (const k of keys) send(k);
    expect(b.got.length).toBeGreaterThan(0);
    expect(c.got.length).toBeGreaterThan(0);
  });

  it("Key_Shared reads past a message whose consumer has no permits, but never past an earlier message of the same key", () => {
    const { history, consumer, send } = setup({ subscription: "key_shared" });
    const a = consumer("a", 1);
    const b = consumer("b", 100);
    const sent = Array.from({ length: 40 }, (_, i) => ({ msg: send(`key-${i % 10}`), key: `key-${i % 10}` }));
    expect(a.got).toHaveLength(1);
    const bKeys = new Set(b.got.map((d) => history.keyNames[d.key]));
    // Every message of b's keys flowed, including those queued behind a's blocked ones.
    expect(b.got).toHaveLength(sent.filter((m) => bKeys.has(m.key)).length);
    expect(b.got.length).toBeGreaterThan(0);
    for (const k of bKeys) {
      const order = b.got.filter((d) => history.keyNames[d.key] === k).map((d) => d.msg);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });

  it("Failover gives partition i to the (i mod n)-th consumer sorted by name", () => {
    const { history, send, consumer } = setup({ subscription: "failover", partitions: 2 });
    const z = consumer("z");
    const a = consumer("a");
    for (let i = 0; i < 20; i++) send(`key-${i}`);
    const partitions = (f: FakeConsumer) => new Set(f.got.map((d) => pulsarKeyHash(history.keyNames[d.key]) % 2));
    expect([...partitions(a)]).toEqual([0]);
    expect([...partitions(z)]).toEqual([1]);
    expect(a.got.length + z.got.length).toBe(20);
  });

  it("redelivers a negatively acknowledged message after the 1 minute delay", () => {
    const { sim, history, q, consumer, send } = setup();
    send();
    const a = consumer("a");
    q.settle(a, a.got[0].msg, a.got[0].handle, "requeue");
    sim.run({ untilUs: 60 * S - 1 });
    expect(a.got).toHaveLength(1);
    sim.run({ untilUs: 60 * S });
    expect(a.got.map((d) => d.deliveryNumber)).toEqual([1, 2]);
    expect(history.opPartition[ops(history, Op.QueueReturn)[0]]).toBe(ReturnReason.Requeue);
  });

  it("sends a message to the DLQ when it fails again after maxRedeliverCount redeliveries: maxRedeliverCount + 1 deliveries", () => {
    const { sim, history, q, dlq, consumer, send } = setup({ maxRedeliverCount: 3, negativeAckDelayUs: 1 * S });
    send();
    const a = consumer("a");
    for (let i = 0; i < 10; i++) {
      const d = a.got[a.got.length - 1];
      q.settle(a, d.msg, d.handle, "requeue");
      sim.run({ untilUs: (i + 1) * S });
    }
    expect(a.got).toHaveLength(4);
    expect(history.opPartition[ops(history, Op.QueueDeadLetter)[0]]).toBe(DeadLetterReason.MaxRedeliverCount);
    expect(dlq.depth).toBe(1);
  });

  it("redelivers an unacknowledged message between ackTimeout and ackTimeout + the 1 s tick", () => {
    const { sim, history, consumer, send } = setup({ ackTimeoutUs: 2_500_000 });
    const a = consumer("a");
    sim.run({ untilUs: 300_000 });
    send();
    sim.run({ untilUs: 10 * S });
    const ret = ops(history, Op.QueueReturn)[0];
    const t = history.opTimeUs[ret] - 300_000;
    expect(t).toBeGreaterThanOrEqual(2_500_000);
    expect(t).toBeLessThanOrEqual(3_500_000);
    expect(history.opPartition[ret]).toBe(ReturnReason.AckTimeout);
    expect(a.got.length).toBeGreaterThan(1);
  });
});
