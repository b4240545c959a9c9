// Kafka transactions (semantics.md §1): the last stable offset, control markers and their offset gaps, the
// read_committed and read_uncommitted views, epoch fencing by InitProducerId and by the transaction timeout,
// and a zombie producer fenced end to end.
import { describe, expect, it } from "vitest";
// The scenario schema first: schema.ts and schema-groups.ts import each other, and schema.ts must lead.
import { loadScenarioText } from "../../src/scenario/load.ts";
import { Op } from "../../src/history/history.ts";
import { Partition, SKIPPED } from "../../src/models/kafka/partition.ts";
import { ProducerStateTable } from "../../src/models/kafka/idempotence.ts";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";
import { TxnIndex } from "../../src/models/kafka/txn-index.ts";
import { readCommittedInto, type FetchedEntry } from "../../src/models/groups/read-committed.ts";
import { buildWorld, rows } from "./cluster-world.ts";

void loadScenarioText;

function partition(): Partition {
  return new Partition("t", 0, 0, [0], 1, false, []);
}

/** Appends like a leader: a transactional batch of `n` records for `pid`, or a marker. */
function write(p: Partition, pid: number, n: number, seq: number, epoch = 0): number {
  const base = p.log.appendBatch(Array.from({ length: n }, (_, i) => 100 + p.log.logEndOffset + i), 0, pid, seq, epoch);
  if (pid >= 0) p.txn.onTransactionalAppend(pid, base);
  return base;
}
function marker(p: Partition, pid: number, commit: boolean, epoch = 0): number {
  const o = p.log.appendBatch([900 + p.log.logEndOffset], 0, pid, -1, epoch);
  p.txn.onMarker(pid, o, commit);
  return o;
}
function plain(p: Partition, n: number): number {
  return p.log.appendBatch(Array.from({ length: n }, (_, i) => 100 + p.log.logEndOffset + i), 0, -1, -1);
}

describe("the last stable offset", () => {
  it("is the high watermark when no transaction is open", () => {
    const p = partition();
    plain(p, 5);
    p.log.setHighWatermark(5);
    expect(p.lastStableOffset).toBe(5);
  });

  it("is the first offset of the earliest open transaction; later records wait even when not transactional", () => {
    const p = partition();
    plain(p, 2); // 0-1
    write(p, 7, 3, 0); // 2-4, open
    plain(p, 2); // 5-6
    p.log.setHighWatermark(7);
    expect(p.lastStableOffset).toBe(2);
    const out: FetchedEntry[] = [];
    expect(readCommittedInto(p, { topic: "t", partition: 0 }, 0, 100, out)).toBe(2);
    expect(out.map((e) => e.offset)).toEqual([0, 1]);
  });

  it("stays put until the marker is below the high watermark, then moves past the transaction", () => {
    const p = partition();
    write(p, 7, 3, 0); // 0-2
    const m = marker(p, 7, true); // 3
    p.log.setHighWatermark(3);
    expect(p.lastStableOffset).toBe(0);
    p.log.setHighWatermark(m + 1);
    expect(p.lastStableOffset).toBe(4);
  });

  it("is capped by the high watermark", () => {
    const t = new TxnIndex();
    t.onTransactionalAppend(1, 10);
    expect(t.lastStableOffset(4)).toBe(4);
    expect(t.lastStableOffset(20)).toBe(10);
  });
});

describe("control markers and aborted records", () => {
  it("each marker takes one offset; read_committed passes over markers and aborted records, leaving offset gaps", () => {
    const p = partition();
    write(p, 7, 2, 0); // 0-1 aborted
    write(p, 8, 2, 0); // 2-3 committed
    marker(p, 7, false); // 4
    marker(p, 8, true); // 5
    plain(p, 1); // 6
    p.log.setHighWatermark(7);
    expect(p.log.isControlAt(4)).toBe(true);
    expect(p.log.isControlAt(2)).toBe(false);
    const out: FetchedEntry[] = [];
    readCommittedInto(p, { topic: "t", partition: 0 }, 0, 100, out);
    const returned = out.filter((e) => e.msg !== SKIPPED).map((e) => e.offset);
    expect(returned).toEqual([2, 3, 6]);
    // The position still moves past everything (the skipped entries carry it).
    expect(out.map((e) => e.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("read_uncommitted returns aborted records but never a marker", () => {
    const p = partition();
    write(p, 7, 2, 0);
    marker(p, 7, false);
    p.log.setHighWatermark(3);
    expect([0, 1, 2].map((o) => p.readUncommitted(o))).toEqual([p.log.msgAt(0), p.log.msgAt(1), SKIPPED]);
  });

  it("a producer's later transaction after an aborted one is readable again", () => {
    const t = new TxnIndex();
    t.onTransactionalAppend(7, 0);
    t.onMarker(7, 3, false);
    t.onTransactionalAppend(7, 4);
    t.onMarker(7, 6, true);
    expect([0, 2, 4, 5].map((o) => t.isAborted(7, o))).toEqual([true, true, false, false]);
  });
});

describe("markers at the broker's producer state", () => {
  it("a commit marker keeps the sequence going; an abort marker with a bumped epoch fences the old epoch", () => {
    const t = new ProducerStateTable();
    t.onAppend(5, 0, 3, 0, 0);
    t.onMarker(5, 0);
    expect(t.check(5, 3, 2, 0)).toEqual({ kind: "append" });
    t.onMarker(5, 1);
    expect(t.check(5, 3, 2, 0).kind).toBe("invalid-epoch");
    expect(t.check(5, 0, 2, 2)).toEqual({ kind: "append" });
  });

  it("a follower rebuilding from the log recognises markers by their missing sequence", () => {
    const log = new PartitionLog("t", 0);
    log.appendBatch([1, 2], 0, 5, 0, 0);
    log.appendBatch([3], 0, 5, -1, 1); // abort marker, epoch 1
    const t = new ProducerStateTable();
    t.rebuild(log);
    expect(t.epochOf(5)).toBe(1);
    const f = new ProducerStateTable();
    f.onReplicated(log, 0);
    expect(f.check(5, 2, 1, 0).kind).toBe("invalid-epoch");
  });
});

const TXN = `duration: 6s
drain: 4s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 }]
`;

describe("transactional producers end to end", () => {
  it("commits every transaction, writes one marker per partition of it, and acknowledges records at the commit", () => {
    const w = buildWorld(`${TXN}producers: [{ name: p, topic: t, rate: 200/s, arrivals: constant, keys: { count: 9 }, transactionalId: tx, transaction: { records: 10 } }]\n`);
    w.run(10_000_000);
    const h = w.history;
    const begins = rows(h, Op.TxnBegin).length;
    expect(begins).toBeGreaterThan(100);
    expect(rows(h, Op.TxnCommit).length).toBe(begins);
    expect(rows(h, Op.TxnMarker).length).toBe(rows(h, Op.TxnAddPartition).length);
    const acks = rows(h, Op.Ack);
    const attempts = rows(h, Op.ProduceAttempt).length;
    expect(acks.length).toBe(attempts);
    // Every record was acknowledged at or after its transaction's commit.
    const commitAt = new Map(rows(h, Op.TxnCommit).map((r) => [r.offset, r.t]));
    const txnOf = new Map(rows(h, Op.TxnRecord).map((r) => [r.msg, r.offset]));
    for (const a of acks) expect(a.t).toBeGreaterThanOrEqual(commitAt.get(txnOf.get(a.msg)!)!);
    // Markers never collide with records: offsets in a partition are distinct.
    const seen = new Set<string>();
    for (const r of [...rows(h, Op.Append), ...rows(h, Op.TxnMarker)]) {
      const k = `${r.partition}@${r.offset}`;
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });

  it("the coordinator aborts a transaction open past transaction.timeout.ms and fences its producer", () => {
    // The producer freezes mid-transaction for longer than its 2s timeout.
    const w = buildWorld(`${TXN}producers: [{ name: p, topic: t, rate: 100/s, keys: { count: 9 }, transactionalId: tx, transactionTimeout: 2s, transaction: { interval: 500ms } }]
faults: [{ at: 1s, pause: p, for: 3s }]
`);
    w.run(10_000_000);
    const aborts = rows(w.history, Op.TxnAbort);
    expect(aborts.length).toBe(1);
    expect(aborts[0].aux).toBe(2); // TxnAbortReason.Timeout
    // The transaction open at the pause began at most 500ms before it; the timeout counts from its first partition.
    const began = rows(w.history, Op.TxnAddPartition).filter((r) => r.offset === aborts[0].offset)[0].t;
    expect(began).toBeLessThan(1_000_000);
    expect(aborts[0].t).toBe(began + 2_000_000);
    const fenced = rows(w.history, Op.ProducerFenced);
    expect(fenced.length).toBe(1);
    expect(fenced[0].t).toBeGreaterThanOrEqual(4_000_000);
  });

  it("InitProducerId of a new instance aborts the old one's open transaction and the old one ends fenced", () => {
    const w = buildWorld(`${TXN}producers:
  - { name: a, topic: t, rate: 200/s, keys: { count: 9 }, transactionalId: tx, transaction: { interval: 200ms } }
  - { name: b, topic: t, rate: 0/s, schedule: [{ at: 2s, rate: 200/s }], keys: { count: 9 }, transactionalId: tx, transaction: { interval: 200ms } }
faults: [{ at: 1500ms, pause: a, for: 2s }]
`);
    w.run(10_000_000);
    const h = w.history;
    const inits = rows(h, Op.TxnInitProducerId);
    expect(inits.map((r) => [r.actor, r.partition])).toEqual([["a", 0], ["b", 2]]);
    expect(inits[0].offset).toBe(inits[1].offset); // one producer id per transactional.id
    const abort = rows(h, Op.TxnAbort);
    expect(abort.map((r) => [r.actor, r.partition, r.aux])).toEqual([["a", 1, 3]]);
    expect(rows(h, Op.ProducerFenced).map((r) => r.actor)).toEqual(["a"]);
    // After the fence, no commit of epoch 0.
    const fenceAt = abort[0].t;
    for (const c of rows(h, Op.TxnCommit)) if (c.t > fenceAt) expect(c.partition).toBe(2);
  });

  it("a transaction coordinator crash moves the coordinator and transactions go on", () => {
    const w = buildWorld(`${TXN}producers: [{ name: p, topic: t, rate: 200/s, keys: { count: 9 }, transactionalId: tx, transaction: { records: 20 } }]
faults: [{ at: 2s, crash: broker-0 }, { at: 2s, crash: broker-1 }, { at: 2s, crash: broker-2 }, { at: 2500ms, restart: broker-0 }, { at: 2500ms, restart: broker-1 }, { at: 2500ms, restart: broker-2 }]
`);
    w.run(10_000_000);
    const commits = rows(w.history, Op.TxnCommit);
    expect(commits.some((c) => c.t > 3_000_000)).toBe(true);
    expect(rows(w.history, Op.ProducerFenced)).toEqual([]);
  });
});

describe("exactly-once read-process-write", () => {
  it("a zombie member's transaction is aborted for its stale generation, and each input's result is read once", async () => {
    const { runScenario } = await import("../../src/runner/run-scenario.ts");
    const s = loadScenarioText(`name: eos
description: A read-process-write zombie.
duration: 12s
drain: 8s
cluster: { brokers: 3 }
topics: [{ name: in, partitions: 2, replicationFactor: 3 }, { name: out, partitions: 2, replicationFactor: 3 }]
producers: [{ name: src, topic: in, rate: 50/s, keys: { count: 10 } }]
consumerGroups:
  - { name: rpw, topic: in, members: 2, sessionTimeout: 6s, heartbeatInterval: 2s, maxPollRecords: 20, isolationLevel: read_committed, processing: { time: 10ms }, transactional: { outputTopic: out } }
  - { name: reader, topic: out, isolationLevel: read_committed }
faults: [{ at: 2s, pause: rpw-0, for: 9s }]
`, "eos.yaml");
    const { history: h } = runScenario(s, { seed: 1, file: "eos.yaml" });
    const aborts = rows(h, Op.TxnAbort);
    expect(aborts.some((a) => a.actor === "rpw-0-producer" && a.aux === 5)).toBe(true);
    const inTopic = h.actorId("in")!;
    const acked = rows(h, Op.Ack).filter((r) => h.msgTopic[r.msg] === inTopic).length;
    const reader = h.actorId("reader")!;
    // Every input record's result was read exactly once by the read_committed reader (none of the zombie's).
    let n = 0;
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.ProcessEnd && h.opAux[i] === reader) n++;
    expect(acked).toBeGreaterThan(400);
    expect(n).toBe(acked);
  }, 60_000);
});
