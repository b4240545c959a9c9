import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/kernel/rng.ts";
import { Op } from "../../../src/history/history.ts";
import { SqsFifoQueue, FIFO_DEDUP_WINDOW_US } from "../../../src/models/queue/sqs-fifo-queue.ts";
import type { Delivery } from "../../../src/models/queue/queue-types.ts";
import { ctx, FakeConsumer, message, ops } from "./harness.ts";

const S = 1_000_000;

function setup() {
  const c = ctx();
  const q = new SqsFifoQueue(
    "q.fifo",
    "sqs-fifo",
    c,
    { visibilityTimeoutUs: 30 * S, delayUs: 0, retentionUs: 345_600 * S, inFlightLimit: 120_000, servers: 1, duplicateProbability: 0 },
    new Rng(1),
  );
  const w = new FakeConsumer(c.history, "w");
  q.attach(w);
  const receive = (max = 1): Delivery[] => {
    let out: Delivery[] = [];
    q.receive(w, max, 0, (b) => (out = b));
    return out;
  };
  const send = (key: string, dedupId?: string) => {
    const m = message(c.history, key, c.sim.nowUs);
    q.enqueue(m.msg, m.key, c.sim.nowUs, { dedupId: dedupId ?? `id-${m.msg}` });
    return m.msg;
  };
  /** Lets zero-delay events (a group re-listing itself) run. */
  const settle = () => c.sim.run({ untilUs: c.sim.nowUs });
  return { ...c, q, w, receive, send, settle };
}

describe("SQS FIFO queue", () => {
  it("hands out nothing more of a group while its head is in flight, but serves other groups", () => {
    const { q, w, receive, send, settle } = setup();
    const a1 = send("A");
    const a2 = send("A");
    const b1 = send("B");
    const first = receive();
    expect(first.map((d) => d.msg)).toEqual([a1]);
    expect(receive().map((d) => d.msg)).toEqual([b1]);
    expect(receive()).toEqual([]);
    q.settle(w, a1, first[0].handle, "ack");
    settle();
    expect(receive().map((d) => d.msg)).toEqual([a2]);
  });

  it("puts a message whose visibility ran out first in its group again", () => {
    const { sim, receive, send } = setup();
    const a1 = send("A");
    send("A");
    receive();
    sim.run({ untilUs: 30 * S });
    const again = receive();
    expect(again.map((d) => [d.msg, d.deliveryNumber])).toEqual([[a1, 2]]);
  });

  it("returns several in-order messages of one group in a single receive", () => {
    const { receive, send } = setup();
    const ids = [send("A"), send("A"), send("A")];
    expect(receive(10).map((d) => d.msg)).toEqual(ids);
  });

  it("answers a repeat of a deduplication id within 5 minutes with success but does not enqueue it — also after the first was deleted", () => {
    const { sim, history, q, w, receive, send, settle } = setup();
    const first = send("A", "order-1");
    const d = receive()[0];
    q.settle(w, first, d.handle, "ack");
    settle();
    send("A", "order-1");
    expect(ops(history, Op.QueueDeduplicated)).toHaveLength(1);
    expect(q.depth).toBe(0);
    sim.run({ untilUs: FIFO_DEDUP_WINDOW_US + 1 });
    send("A", "order-1");
    expect(q.depth).toBe(1);
  });
});
