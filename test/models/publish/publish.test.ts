// Publishing services (semantics.md §8): the database's ids and LSNs, crash rollback, each strategy's
// failure mode end to end, and the property that outbox + CDC never loses a committed event under random
// service, connector and broker crashes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
// The scenario schema first: schema.ts and schema-groups.ts import each other, and schema.ts must lead.
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { Op } from "../../../src/history/history.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { everyCommitPublished } from "../../../src/checkers/every-commit-published.ts";
import { rows } from "../cluster-world.ts";

function scenario(body: string) {
  return loadScenarioText(`name: t
description: A publishing test.
network: { latency: 1ms }
cluster: { brokers: 3 }
topics: [{ name: outbox.event.order, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 }]
consumerGroups: [{ name: g, topic: outbox.event.order }]
${body}`, "t.yaml");
}

function run(body: string, seed = 1) {
  const s = scenario(body);
  return { s, ...runScenario(s, { seed, file: "t.yaml" }) };
}

describe("the service's database", () => {
  it("takes ids at insert and LSNs at commit, so ids can commit out of order; LSNs follow commit time", () => {
    const { history: h } = run(`duration: 2s
drain: 1s
services: [{ name: orders, rate: 300/s, database: { transactionTime: { exponential: { mean: 20ms } } }, publish: { strategy: outbox-cdc } }]
`);
    const commits = rows(h, Op.DbCommit);
    expect(commits.length).toBeGreaterThan(400);
    // LSN = commit order.
    commits.forEach((c, i) => expect(c.offset).toBe(i + 1));
    // Some id committed after a higher id.
    const outOfOrder = commits.some((c, i) => i > 0 && c.partition < commits[i - 1].partition);
    expect(outOfOrder).toBe(true);
  });

  it("a crash rolls back open transactions and never loses a committed one", () => {
    const { history: h } = run(`duration: 2s
drain: 1s
services: [{ name: orders, rate: 300/s, database: { transactionTime: 30ms }, publish: { strategy: outbox-cdc } }]
faults: [{ at: 1s, crash: orders, for: 200ms }]
`);
    const rolled = rows(h, Op.DbRollback).filter((r) => r.partition >= 0);
    expect(rolled.length).toBeGreaterThan(3);
    for (const r of rolled) expect(r.t).toBe(1_000_000);
    const committed = new Set(rows(h, Op.DbCommit).map((r) => r.msg));
    for (const r of rolled) expect(committed.has(r.msg)).toBe(false);
  });
});

describe("publishing strategies", () => {
  it("publish-then-commit publishes a phantom when the service dies before its COMMIT", () => {
    const { result } = run(`duration: 3s
drain: 2s
services: [{ name: orders, rate: 300/s, database: { commitLatency: 20ms }, publish: { strategy: dual-write, order: publish-then-commit } }]
faults: [{ at: 1500ms, crash: orders, for: 500ms }]
expect: { violate: [no-phantom-events], hold: [every-commit-published] }
`);
    const v = result.verdicts.find((x) => x.invariant === "no-phantom-events")!;
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/was published at outbox.event.order\/\d+@\d+ .* rolled back/);
    expect(result.passed).toBe(true);
  });

  it("polling by commit order does not skip rows that commit out of id order", () => {
    const { result } = run(`duration: 3s
drain: 2s
services: [{ name: orders, rate: 300/s, database: { transactionTime: { exponential: { mean: 20ms } }, maxConcurrentTransactions: 20 }, publish: { strategy: outbox-polling, interval: 100ms, cursor: commit-order } }]
expect: { hold: [every-commit-published, per-aggregate-order, no-duplicates] }
`);
    expect(result.passed).toBe(true);
  });

  it("a crash between the relay's publish and its mark re-publishes the batch", () => {
    const { history: h } = run(`duration: 3s
drain: 2s
services: [{ name: orders, rate: 300/s, publish: { strategy: outbox-polling, interval: 200ms, cursor: commit-order, markLatency: 300ms } }]
faults: [{ at: 1350ms, crash: orders, for: 100ms }]
`);
    const attempts = new Map<number, number>();
    for (const r of rows(h, Op.ProduceAttempt)) attempts.set(r.msg, (attempts.get(r.msg) ?? 0) + 1);
    expect([...attempts.values()].some((n) => n > 1)).toBe(true);
  });

  it("the CDC connector re-emits exactly what came after its last offset flush", () => {
    const { history: h } = run(`duration: 8s
drain: 2s
services: [{ name: orders, rate: 100/s, publish: { strategy: outbox-cdc, offsetFlushInterval: 2s } }]
faults: [{ at: 5s, crash: orders-connector, for: 500ms }]
`);
    const flushes = rows(h, Op.ConnectorOffsetFlush).filter((r) => r.t < 5_000_000);
    const flushed = flushes[flushes.length - 1].offset;
    const resumed = rows(h, Op.RelayResume).filter((r) => r.t > 5_000_000)[0];
    expect(resumed.offset).toBe(flushed);
    // Every event with an LSN above the flushed offset and read before the crash is read again.
    const reads = rows(h, Op.RelayRead);
    const before = reads.filter((r) => r.t < 5_000_000 && r.offset > flushed).map((r) => r.offset);
    const again = new Set(reads.filter((r) => r.t > 5_000_000).map((r) => r.offset));
    expect(before.length).toBeGreaterThan(50);
    for (const lsn of before) expect(again.has(lsn)).toBe(true);
  });
});

describe("publishing with a Kafka transactional producer", () => {
  it("loses the events of the open Kafka transaction when the service crashes after its database commits", () => {
    const { result, history: h } = run(`duration: 3s
drain: 3s
services: [{ name: orders, rate: 300/s, publish: { strategy: transactional-producer, transactionInterval: 200ms } }]
faults: [{ at: 1550ms, crash: orders, for: 300ms }]
expect: { violate: [every-commit-published, no-aborted-reads], hold: [no-phantom-events] }
`);
    // The default read_uncommitted group even reads the aborted events.
    expect(result.passed).toBe(true);
    const v = result.verdicts.find((x) => x.invariant === "every-commit-published")!;
    expect(v.anomalies[0].explanation).toMatch(/written in Kafka transaction \d+, aborted at .* because a new instance of the transactional.id started; the database had committed on its own/);
    expect(rows(h, Op.TxnAbort).length).toBe(1);
  });
});

describe("outbox + CDC under random crashes (property)", () => {
  it("never violates every-commit-published", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          serviceCrashMs: fc.integer({ min: 200, max: 2500 }),
          connectorCrashMs: fc.integer({ min: 200, max: 2500 }),
          broker: fc.integer({ min: 0, max: 2 }),
          brokerCrashMs: fc.integer({ min: 200, max: 2500 }),
          downMs: fc.integer({ min: 50, max: 800 }),
        }),
        (x) => {
          const s = scenario(`duration: 3s
drain: 4s
services: [{ name: orders, rate: 200/s, database: { transactionTime: { exponential: { mean: 5ms } } }, publish: { strategy: outbox-cdc, offsetFlushInterval: 1s } }]
faults:
  - { at: ${x.serviceCrashMs}ms, crash: orders, for: ${x.downMs}ms }
  - { at: ${x.connectorCrashMs}ms, crash: orders-connector, for: ${x.downMs}ms }
  - { at: ${x.brokerCrashMs}ms, crash: broker-${x.broker}, for: ${x.downMs}ms }
`);
          const { history } = runScenario(s, { seed: x.seed, file: "t.yaml" });
          const v = everyCommitPublished(history, s);
          expect(v.checked).toBeGreaterThan(100);
          expect(v.anomalies.map((a) => a.explanation)).toEqual([]);
        },
      ),
      { seed: 13, numRuns: 12 },
    );
  }, 120_000);
});
