import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { ProducerStateTable } from "../../src/models/kafka/idempotence.ts";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";
import { Partition } from "../../src/models/kafka/partition.ts";
import { RecordAccumulator, ProducerBatch } from "../../src/models/kafka/accumulator.ts";
import { UniformStickyPartitioner } from "../../src/models/kafka/sticky-partitioner.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { resolveIdempotence } from "../../src/models/kafka/producer.ts";
import { buildWorld, rows } from "./cluster-world.ts";

describe("idempotent producer state at the broker", () => {
  it("recognises a retried batch among the last 5 and answers with its original offset", () => {
    const t = new ProducerStateTable();
    expect(t.check(7, 0, 10)).toEqual({ kind: "append" });
    t.onAppend(7, 0, 10, 100);
    t.onAppend(7, 10, 10, 110);
    expect(t.check(7, 0, 10)).toEqual({ kind: "duplicate", firstOffset: 100 });
  });

  it("forgets a batch once 5 newer ones arrived: its retry is then out of order, not a duplicate", () => {
    const t = new ProducerStateTable();
    for (let i = 0; i < 6; i++) t.onAppend(7, i * 10, 10, i * 10);
    expect(t.check(7, 10, 10)).toEqual({ kind: "duplicate", firstOffset: 10 });
    expect(t.check(7, 0, 10).kind).toBe("out-of-order");
  });

  it("refuses a gap in sequences, but accepts a producer id it holds no state for at any sequence (as Kafka does since KIP-360)", () => {
    const t = new ProducerStateTable();
    t.onAppend(7, 0, 5, 0);
    expect(t.check(7, 6, 5)).toEqual({ kind: "out-of-order", expected: 5 });
    expect(t.check(8, 3, 1).kind).toBe("append");
  });

  it("rebuilds from the log after truncation, so a follower turned leader still deduplicates", () => {
    const log = new PartitionLog("t", 0);
    log.appendBatch([1, 2], 0, 7, 0);
    log.appendBatch([3, 4], 0, 7, 2);
    log.appendBatch([5], 0, 7, 4);
    const t = new ProducerStateTable();
    log.truncateTo(4);
    t.rebuild(log);
    expect(t.check(7, 2, 2)).toEqual({ kind: "duplicate", firstOffset: 2 });
    expect(t.check(7, 4, 1)).toEqual({ kind: "append" });
  });
});

describe("enable.idempotence", () => {
  it("is on by default and silently off with acks=1 or more than 5 in flight", () => {
    expect(resolveIdempotence({ acks: -1, maxInFlight: 5, retries: 10 })).toBe(true);
    expect(resolveIdempotence({ acks: 1, maxInFlight: 5, retries: 10 })).toBe(false);
    expect(resolveIdempotence({ acks: -1, maxInFlight: 6, retries: 10 })).toBe(false);
  });
});

describe("record accumulator", () => {
  const part = new Partition("t", 0, 0, [0], 1, false, []);

  it("starts a new batch when the next record would pass batch.size", () => {
    const acc = new RecordAccumulator(100, 5000);
    const first = acc.append(part, 1, 60, 0);
    expect(acc.append(part, 2, 60, 0)).not.toBe(first);
    expect(acc.queueDepth(part)).toBe(2);
  });

  it("holds a batch for linger.ms unless it is full", () => {
    const acc = new RecordAccumulator(100, 5000);
    acc.append(part, 1, 10, 0);
    expect(acc.readyHead(part, 4999)).toBeUndefined();
    expect(acc.readyHead(part, 5000)).toBeDefined();
  });

  it("puts a failed batch back in front without idempotence and in sequence order with it", () => {
    const acc = new RecordAccumulator(100, 0);
    const later = new ProducerBatch(part, 0);
    later.baseSequence = 10;
    const earlier = new ProducerBatch(part, 0);
    earlier.baseSequence = 5;
    acc.reenqueue(later, true);
    acc.reenqueue(earlier, true);
    expect(acc.shift(part)).toBe(earlier);
    const acc2 = new RecordAccumulator(100, 0);
    acc2.append(part, 1, 10, 0);
    const retried = new ProducerBatch(part, 0);
    acc2.reenqueue(retried, false);
    expect(acc2.shift(part)).toBe(retried);
  });
});

describe("uniform sticky partitioner", () => {
  const parts = [0, 1, 2, 3].map((p) => {
    const x = new Partition("t", 0, p, [0], 1, false, []);
    x.leader = 0;
    return x;
  });

  it("stays on one partition until batch.size bytes went to it and its batch is ready", () => {
    const s = new UniformStickyPartitioner(new Rng(1), 1000);
    const first = s.partition(parts, () => 0);
    for (let i = 0; i < 9; i++) s.onAppend(100, false, parts, () => 0);
    expect(s.partition(parts, () => 0)).toBe(first);
    s.onAppend(100, false, parts, () => 0);
    expect(s.switches).toBe(0);
    s.onAppend(100, true, parts, () => 0);
    expect(s.switches).toBe(1);
  });

  it("switches unconditionally at twice batch.size", () => {
    const s = new UniformStickyPartitioner(new Rng(1), 1000);
    s.partition(parts, () => 0);
    for (let i = 0; i < 20; i++) s.onAppend(100, false, parts, () => 0);
    expect(s.switches).toBe(1);
  });

  it("never picks a partition without a leader", () => {
    const offline = parts.map((p, i) => {
      const x = new Partition("t", 0, i, [0], 1, false, []);
      x.leader = i === 2 ? 0 : -1;
      return x;
    });
    const s = new UniformStickyPartitioner(new Rng(3), 10);
    for (let i = 0; i < 20; i++) {
      expect(s.partition(offline, () => 0).partition).toBe(2);
      s.onAppend(100, true, offline, () => 0);
    }
  });
});

describe("producer outcomes", () => {
  it("gives up after delivery.timeout: unknown when an attempt may have been written", () => {
    const { sim, history } = buildWorld(`duration: 2s
drain: 5s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s, maxMessages: 1, arrivals: constant, requestTimeout: 1s, deliveryTimeout: 3s }]
faults: [{ at: 0s, partition: { groups: [[p], [broker-0]] } }]
`);
    sim.run({ untilUs: 7_000_000 });
    const unknown = rows(history, Op.ProduceUnknown);
    expect(unknown).toHaveLength(1);
    expect(unknown[0].t).toBeGreaterThanOrEqual(2_000_000);
    expect(unknown[0].t).toBeLessThanOrEqual(3_000_000);
    expect(rows(history, Op.ProduceRetry).length).toBeGreaterThanOrEqual(1);
  });

  it("fails definitely, never unknown, when nothing was ever sent (no leader reachable)", () => {
    const { sim, history } = buildWorld(`duration: 1s
drain: 5s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s, maxMessages: 1, arrivals: constant, requestTimeout: 1s, deliveryTimeout: 2s }]
faults: [{ at: 0s, crash: broker-0 }]
`);
    sim.run({ untilUs: 6_000_000 });
    expect(rows(history, Op.ProduceFail)).toHaveLength(1);
    expect(rows(history, Op.ProduceUnknown)).toHaveLength(0);
  });

  it("acks=0 reports offset -1 and does not wait for an answer", () => {
    const { sim, history } = buildWorld(`duration: 1s
drain: 1s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s, maxMessages: 3, acks: 0, arrivals: constant }]
`);
    sim.run({ untilUs: 2_000_000 });
    expect(rows(history, Op.Ack).map((r) => r.offset)).toEqual([-1, -1, -1]);
  });

  it("without idempotence and with several requests in flight, a lost request's retry lands after later batches", () => {
    const { sim, history } = buildWorld(`duration: 5s
drain: 5s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 1000/s, keys: { count: 1 }, idempotence: false, maxInFlight: 5, requestTimeout: 300ms }]
faults: [{ at: 1s, loss: 5%, between: [p], for: 3s }]
`);
    sim.run({ untilUs: 10_000_000 });
    const appends = rows(history, Op.Append).sort((a, b) => a.offset - b.offset);
    let reordered = 0;
    for (let i = 1; i < appends.length; i++) if (appends[i].msg < appends[i - 1].msg) reordered++;
    expect(reordered).toBeGreaterThan(0);
  });

  it("with idempotence the same faults leave the log in send order and without duplicates", () => {
    const { sim, history } = buildWorld(`duration: 5s
drain: 5s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 1000/s, keys: { count: 1 }, maxInFlight: 5, requestTimeout: 300ms }]
faults: [{ at: 1s, loss: 5%, between: [p], for: 3s }]
`);
    sim.run({ untilUs: 10_000_000 });
    const msgs = rows(history, Op.Append).sort((a, b) => a.offset - b.offset).map((r) => r.msg);
    expect(msgs).toEqual([...msgs].sort((a, b) => a - b));
    expect(new Set(msgs).size).toBe(msgs.length);
    expect(rows(history, Op.Ack)).toHaveLength(history.messageCount);
  });
});

describe("retry backoff", () => {
  it("doubles from retry.backoff up to retry.backoff.max, with ±20% jitter", () => {
    const { sim, history } = buildWorld(`duration: 1s
drain: 10s
cluster: { brokers: 1 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s, maxMessages: 1, arrivals: constant, requestTimeout: 100ms, retryBackoff: 100ms, retryBackoffMax: 1s, deliveryTimeout: 9s }]
faults: [{ at: 0s, partition: { groups: [[p], [broker-0]] } }]
`);
    sim.run({ untilUs: 11_000_000 });
    const sends = [rows(history, Op.ProduceAttempt)[0].t + 5000, ...rows(history, Op.ProduceRetry).map((r) => r.t)];
    const expected = [100, 200, 400, 800, 1000, 1000].map((ms) => ms * 1000);
    expected.forEach((backoff, k) => {
      // Each gap is the request timeout (the request is lost) plus the backoff.
      const gap = sends[k + 1] - sends[k] - 100_000;
      expect(gap).toBeGreaterThanOrEqual(backoff * 0.8 - 1);
      expect(gap).toBeLessThanOrEqual(backoff * 1.2 + 1);
    });
  });
});

describe("null keys", () => {
  it("are spread over partitions by the sticky partitioner, many records per partition in a row", () => {
    const { sim, history, producers } = buildWorld(`duration: 2s
drain: 1s
topics: [{ name: t, partitions: 4 }]
producers: [{ name: p, topic: t, rate: 2000/s, keys: { none: true }, batchSize: 4096 }]
`);
    sim.run({ untilUs: 3_000_000 });
    const parts = rows(history, Op.ProduceAttempt).map((r) => r.partition);
    expect(new Set(parts).size).toBe(4);
    let runs = 1;
    for (let i = 1; i < parts.length; i++) if (parts[i] !== parts[i - 1]) runs++;
    // ~4096 / (100 + 12) ≈ 36 records per stay.
    expect(parts.length / runs).toBeGreaterThan(20);
    expect(history.keyOf(0)).toBe("");
    expect(producers[0].idempotent).toBe(true);
  });
});
