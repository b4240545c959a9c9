// The reference flow's end-to-end promise: the CDC connector re-emits an event under the message id it was first
// published with (the outbox row's event id), so a consumer that dedups on the message id absorbs re-emissions;
// and the property that outbox + CDC + consumer dedup never loses a committed event nor applies one twice under
// random service, connector, broker and consumer crashes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
// The scenario schema first: schema.ts and schema-groups.ts import each other, and schema.ts must lead.
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { Op } from "../../../src/history/history.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { everyCommitPublished } from "../../../src/checkers/every-commit-published.ts";
import { exactlyOnceEffects } from "../../../src/checkers/app/exactly-once-effects.ts";
import { duplicateOffsets } from "../../../src/checkers/duplicate-offsets.ts";
import { producerReorder } from "../../../src/checkers/producer-reorder.ts";
import { rows } from "../cluster-world.ts";

function flow(faults: string, dedup = true) {
  return loadScenarioText(`name: t
description: A reference-flow test.
network: { latency: 1ms }
cluster: { brokers: 3 }
duration: 3s
drain: 6s
topics: [{ name: outbox.event.order, partitions: 4, replicationFactor: 3, minInsyncReplicas: 2 }]
services: [{ name: orders, rate: 150/s, aggregates: { count: 50 }, database: { transactionTime: { exponential: { mean: 5ms } } }, publish: { strategy: outbox-cdc, offsetFlushInterval: 1s } }]
stores: [{ name: ledger }]
consumerGroups:
  - name: billing
    topic: outbox.event.order
    members: 2
    sessionTimeout: 2s
    heartbeatInterval: 500ms
    handler:
${dedup ? "      - dedup: { store: ledger, key: message-id, ttl: 1h, atomic: true }\n" : ""}      - effect: { store: ledger }
faults:
${faults}`, "t.yaml");
}

describe("the event id survives re-publication", () => {
  it("a re-emitted event is appended again under its first message id, and billing's dedup absorbs it", () => {
    const s = flow("  - { at: 1800ms, crash: orders-connector, for: 300ms }");
    const { history: h } = runScenario(s, { seed: 1, file: "t.yaml" });
    const appends = new Map<number, number>();
    for (const r of rows(h, Op.Append)) appends.set(r.msg, (appends.get(r.msg) ?? 0) + 1);
    const twice = [...appends].filter(([, n]) => n > 1).map(([m]) => m);
    // The connector flushed its offset at 1s: the events after it are published a second time, same ids.
    expect(twice.length).toBeGreaterThan(50);
    expect(h.messageCount).toBe(rows(h, Op.DbCommit).length + rows(h, Op.DbRollback).filter((r) => r.partition >= 0).length);
    const hits = new Set(rows(h, Op.AppDedupHit).map((r) => r.msg));
    expect(twice.filter((m) => hits.has(m)).length).toBeGreaterThan(50);
    expect(exactlyOnceEffects(h, s).holds).toBe(true);
    // The Kafka-level checkers know a re-read outbox row is an application resend, not a broken idempotence
    // promise, and that the connector sends in commit order, not in the order the ids were taken.
    const dup = duplicateOffsets(h, s);
    expect(dup.anomalyCount).toBe(twice.length);
    for (const a of dup.anomalies) expect(a.explanation).toMatch(/Expected under at-least-once publishing: orders-connector read the outbox row 2 times/);
    expect(dup.summary).not.toMatch(/violation of the contract/);
    expect(producerReorder(h, s).anomalies.map((a) => a.explanation)).toEqual([]);
  });

  it("without the dedup step the same re-emissions are charged twice", () => {
    const s = flow("  - { at: 1800ms, crash: orders-connector, for: 300ms }", false);
    const { history: h } = runScenario(s, { seed: 1, file: "t.yaml" });
    const v = exactlyOnceEffects(h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/the handler has no dedup step/);
  });
});

describe("outbox + CDC + consumer dedup under random crashes (property)", () => {
  it("never violates every-commit-published or exactly-once-effects", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          serviceCrashMs: fc.integer({ min: 200, max: 2500 }),
          connectorCrashMs: fc.integer({ min: 200, max: 2500 }),
          broker: fc.integer({ min: 0, max: 2 }),
          brokerCrashMs: fc.integer({ min: 200, max: 2500 }),
          member: fc.integer({ min: 0, max: 1 }),
          memberCrashMs: fc.integer({ min: 200, max: 2500 }),
          downMs: fc.integer({ min: 50, max: 800 }),
        }),
        (x) => {
          const s = flow(`  - { at: ${x.serviceCrashMs}ms, crash: orders, for: ${x.downMs}ms }
  - { at: ${x.connectorCrashMs}ms, crash: orders-connector, for: ${x.downMs}ms }
  - { at: ${x.brokerCrashMs}ms, crash: broker-${x.broker}, for: ${x.downMs}ms }
  - { at: ${x.memberCrashMs}ms, crash: billing-${x.member}, for: ${x.downMs}ms }`);
          const { history } = runScenario(s, { seed: x.seed, file: "t.yaml" });
          const published = everyCommitPublished(history, s);
          expect(published.checked).toBeGreaterThan(100);
          expect(published.anomalies.map((a) => a.explanation)).toEqual([]);
          const effects = exactlyOnceEffects(history, s);
          expect(effects.checked).toBeGreaterThan(100);
          expect(effects.anomalies.map((a) => a.explanation)).toEqual([]);
        },
      ),
      { seed: 29, numRuns: 8 },
    );
  }, 120_000);
});
