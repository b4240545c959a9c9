// Producer epochs (KIP-360): the broker's per-producer epoch checks, and the idempotent producer's local
// epoch bump with re-sequencing after a batch's outcome becomes unknown or a sequence gap appears.
import { describe, expect, it } from "vitest";
// The scenario schema first: schema.ts and schema-groups.ts import each other, and schema.ts must lead.
import { loadScenarioText } from "../../src/scenario/load.ts";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { duplicateOffsets } from "../../src/checkers/duplicate-offsets.ts";
import { ProducerStateTable } from "../../src/models/kafka/idempotence.ts";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";
import { Partition } from "../../src/models/kafka/partition.ts";
import { ProducerBatch } from "../../src/models/kafka/accumulator.ts";
import { MAX_PRODUCER_EPOCH, TransactionManager, type EpochBump } from "../../src/models/kafka/transaction-manager.ts";
import { PRODUCE_ERROR_CODES } from "../../src/models/kafka/sender.ts";
import { buildWorld, rows } from "./cluster-world.ts";

describe("producer epochs at the broker", () => {
  it("refuses a batch of an older epoch with InvalidProducerEpoch", () => {
    const t = new ProducerStateTable();
    t.onAppend(7, 0, 5, 0, 1);
    expect(t.check(7, 5, 1, 0)).toEqual({ kind: "invalid-epoch", current: 1 });
  });

  it("requires a newer epoch to start at sequence 0, and then lets it replace the old state", () => {
    const t = new ProducerStateTable();
    t.onAppend(7, 0, 5, 0, 0);
    expect(t.check(7, 5, 1, 1)).toEqual({ kind: "out-of-order", expected: 0 });
    expect(t.check(7, 0, 1, 1)).toEqual({ kind: "append" });
    t.onAppend(7, 0, 1, 5, 1);
    expect(t.epochOf(7)).toBe(1);
    // The old epoch's next batch is now refused, not taken as the continuation.
    expect(t.check(7, 5, 1, 0).kind).toBe("invalid-epoch");
  });

  it("recognises duplicates among the last 5 batches only within the same epoch", () => {
    const t = new ProducerStateTable();
    t.onAppend(7, 0, 5, 100, 0);
    expect(t.check(7, 0, 5, 0)).toEqual({ kind: "duplicate", firstOffset: 100 });
    // Sequences 0-4 again under epoch 1 are a new batch: appended, not answered with offset 100.
    expect(t.check(7, 0, 5, 1)).toEqual({ kind: "append" });
  });

  it("keeps producer epochs in the log, through replication and a rebuild after truncation", () => {
    const leader = new PartitionLog("t", 0);
    leader.appendBatch([1, 2], 0, 7, 0, 0);
    leader.appendBatch([3], 0, 7, 2, 0);
    leader.appendBatch([4, 5], 0, 7, 0, 1);
    leader.appendBatch([6], 0, 7, 2, 1);
    const follower = new PartitionLog("t", 0);
    follower.appendChunk(leader.chunk(0, 100)!);
    expect([0, 2, 3, 5].map((o) => follower.producerEpochAt(o))).toEqual([0, 0, 1, 1]);
    follower.truncateTo(5);
    const t = new ProducerStateTable();
    t.rebuild(follower);
    expect(t.epochOf(7)).toBe(1);
    expect(t.check(7, 0, 2, 1)).toEqual({ kind: "duplicate", firstOffset: 3 });
    expect(t.check(7, 2, 1, 1)).toEqual({ kind: "append" });
    expect(t.check(7, 3, 1, 0).kind).toBe("invalid-epoch");
  });
});

function batch(p: Partition, n: number): ProducerBatch {
  const b = new ProducerBatch(p, 0);
  for (let i = 0; i < n; i++) b.msgs.push(i);
  return b;
}

function manager() {
  let nextId = 1000;
  const bumps: EpochBump[] = [];
  const tm = new TransactionManager(() => nextId++, (b) => bumps.push(b));
  return { tm, bumps };
}

describe("the idempotent producer's epoch bumps (TransactionManager)", () => {
  const p = new Partition("t", 0, 0, [0], 1, false, []);
  const q = new Partition("t", 0, 1, [0], 1, false, []);

  it("bumps on OutOfOrderSequence for the batch right after the last acknowledged one, and re-numbers unacknowledged batches from 0", () => {
    const { tm, bumps } = manager();
    const [a, b, c] = [batch(p, 2), batch(p, 3), batch(p, 4)];
    for (const x of [a, b, c]) tm.assign(x);
    tm.onAcked(a);
    expect([b.baseSequence, c.baseSequence]).toEqual([2, 5]);
    // The broker lost what followed a (a gap at 2): b is the next sequence, so this is a real gap.
    tm.onOutOfOrder(b);
    tm.beforeDrain();
    expect(bumps).toEqual([{ producerId: 1000, epoch: 1, partition: p }]);
    tm.prepare(p);
    expect([b.baseSequence, b.producerEpoch, c.baseSequence, c.producerEpoch]).toEqual([0, 1, 3, 1]);
    const d = batch(p, 1);
    tm.assign(d);
    expect([d.baseSequence, d.producerEpoch]).toEqual([7, 1]);
  });

  it("does not bump for OutOfOrderSequence on a batch behind another pending one: that sequence may still fill in", () => {
    const { tm, bumps } = manager();
    const [a, b] = [batch(p, 2), batch(p, 2)];
    tm.assign(a);
    tm.assign(b);
    tm.onOutOfOrder(b);
    tm.beforeDrain();
    expect(bumps).toEqual([]);
  });

  it("holds new batches back while a lost batch's outcome is unresolved, and bumps once nothing acknowledged proves it landed", () => {
    const { tm, bumps } = manager();
    const [a, b] = [batch(p, 2), batch(p, 2)];
    tm.assign(a);
    tm.assign(b);
    a.attempts = 1;
    tm.onAbandoned(a, true, true);
    expect(tm.prepare(p)).toBe(false);
    tm.onOutOfOrder(b);
    tm.beforeDrain();
    expect(bumps.map((x) => x.epoch)).toEqual([1]);
    tm.prepare(p);
    expect([b.baseSequence, b.producerEpoch]).toEqual([0, 1]);
    expect(tm.prepare(p)).toBe(true);
  });

  it("resolves without a bump when a later batch of the partition was acknowledged (the lost one did land)", () => {
    const { tm, bumps } = manager();
    const [a, b] = [batch(p, 2), batch(p, 2)];
    tm.assign(a);
    tm.assign(b);
    a.attempts = 1;
    tm.onAbandoned(a, true, true);
    tm.onAcked(b);
    tm.beforeDrain();
    expect(bumps).toEqual([]);
    expect(tm.prepare(p)).toBe(true);
  });

  it("bumps after a batch failed for certain with retries left (InvalidProducerEpoch): its sequence left a gap", () => {
    const { tm, bumps } = manager();
    const a = batch(p, 2);
    tm.assign(a);
    a.attempts = 1;
    tm.onAbandoned(a, false, true);
    tm.beforeDrain();
    expect(bumps.map((x) => x.epoch)).toEqual([1]);
  });

  it("lets other partitions finish their in-flight batches on the old epoch, then restart at 0 with the new one", () => {
    const { tm } = manager();
    const [a, b, c] = [batch(p, 2), batch(q, 3), batch(q, 1)];
    tm.assign(a);
    tm.assign(b);
    tm.assign(c);
    tm.onOutOfOrder(a);
    tm.beforeDrain();
    expect(tm.prepare(q)).toBe(false);
    expect([c.baseSequence, c.producerEpoch]).toEqual([3, 0]);
    tm.onAcked(b);
    tm.onAcked(c);
    expect(tm.prepare(q)).toBe(true);
    const d = batch(q, 1);
    tm.assign(d);
    expect([d.baseSequence, d.producerEpoch]).toEqual([0, 1]);
  });

  it("takes a new producer id at epoch 0 instead of bumping past 32767", () => {
    const { tm, bumps } = manager();
    tm.epoch = MAX_PRODUCER_EPOCH;
    const a = batch(p, 1);
    tm.assign(a);
    tm.onOutOfOrder(a);
    tm.beforeDrain();
    expect(bumps).toEqual([{ producerId: 1001, epoch: 0, partition: p }]);
  });
});

// One broker, one partition, one key. Requests to the broker are lost for a while: batches in flight then time
// out, are retried, and the oldest run out of delivery.timeout with an unknown outcome while later ones were sent.
const LOSSY = `duration: 6s
drain: 6s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 500/s, keys: { count: 1 }, requestTimeout: 200ms, deliveryTimeout: 600ms }]
faults: [{ at: 1s, loss: 30%, between: [p], for: 2s }]
`;

describe("an idempotent producer through lost requests", () => {
  it("bumps its epoch (same producer id) after an in-flight batch expires, and later batches are accepted in order without an OutOfOrderSequence loop", () => {
    const { sim, history, producers } = buildWorld(LOSSY);
    const pid = producers[0].sender.producerId;
    sim.run({ untilUs: 12_000_000 });
    const unknown = rows(history, Op.ProduceUnknown);
    const bumps = rows(history, Op.ProducerEpochBump);
    expect(unknown.length).toBeGreaterThan(0);
    expect(bumps.length).toBeGreaterThan(0);
    expect(bumps.every((b) => b.offset === pid)).toBe(true);
    expect(bumps.map((b) => b.msg)).toEqual(bumps.map((_, i) => i + 1));
    expect(producers[0].sender.producerEpoch).toBe(bumps.length);
    // Everything sent after the loss ended is acknowledged, under the last epoch.
    const attempts = rows(history, Op.ProduceAttempt);
    const acked = new Map(rows(history, Op.Ack).map((r) => [r.msg, r]));
    const late = attempts.filter((r) => r.t > 3_100_000);
    expect(late.length).toBeGreaterThan(1000);
    expect(late.every((r) => acked.get(r.msg)?.aux === bumps.length)).toBe(true);
    // Few refusals, none after the loss: no loop of OutOfOrderSequence answers.
    const ooos = rows(history, Op.ProduceError).filter((r) => r.aux === PRODUCE_ERROR_CODES.OUT_OF_ORDER_SEQUENCE);
    expect(ooos.every((r) => r.t < 3_700_000)).toBe(true);
    // The log keeps send order and holds each record once.
    const msgs = rows(history, Op.Append).sort((a, b) => a.offset - b.offset).map((r) => r.msg);
    expect(msgs).toEqual([...msgs].sort((a, b) => a - b));
    expect(new Set(msgs).size).toBe(msgs.length);
  });

  it("replays the same epoch bumps, event for event, from the same seed", () => {
    const trace = () => {
      const { sim, history } = buildWorld(LOSSY, 7);
      sim.run({ untilUs: 12_000_000 });
      return JSON.stringify([rows(history, Op.ProducerEpochBump), rows(history, Op.Ack).map((r) => [r.t, r.msg, r.offset, r.aux])]);
    };
    expect(trace()).toBe(trace());
  });

  it("takes a new producer id at epoch 0 when the producer process restarts (InitProducerId)", () => {
    const { sim, producers } = buildWorld(`duration: 3s
drain: 1s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 100/s }]
faults: [{ at: 1s, crash: p, for: 1s }]
`);
    const before = producers[0].sender.producerId;
    sim.run({ untilUs: 4_000_000 });
    expect(producers[0].sender.producerId).not.toBe(before);
    expect(producers[0].sender.producerEpoch).toBe(0);
  });
});

describe("the duplicate-offsets checker and epoch bumps", () => {
  const scenario = loadScenarioText(
    `name: tiny
description: An idempotent producer.
duration: 1s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s }]
`,
    "tiny.yaml",
  );
  function history(bumpAtUs: number) {
    const b = new HistoryBuilder();
    const m = b.send("p", "a", "t", 0);
    const topic = b.h.actor("t", "topic");
    b.h.record(Op.Append, 10, m, topic, 0, 0, 0);
    b.h.record(Op.ProducerEpochBump, bumpAtUs, 1, b.h.actor("p", "producer"), 0, 1000, topic);
    b.h.record(Op.Append, 50, m, topic, 0, 1, 0);
    b.h.record(Op.FinalLogRange, 99e6, 2, topic, 0, 0, 0);
    return b.h;
  }

  it("explains a copy of an idempotent producer's record appended again after its epoch bump", () => {
    const v = duplicateOffsets(history(30), scenario);
    expect(v.holds).toBe(false);
    expect(v.unpermitted).toBe(0);
    expect(v.anomalies[0].explanation).toContain("bumped its epoch to 1");
  });

  it("still calls a copy with no epoch bump in between a broken promise of idempotence", () => {
    const v = duplicateOffsets(history(80), scenario);
    expect(v.unpermitted).toBe(1);
  });
});
