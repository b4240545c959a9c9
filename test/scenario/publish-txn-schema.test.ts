// The transaction and publishing fields: defaults from Kafka and Debezium, and located errors for what Kafka
// or the model would refuse.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { issuesOf } from "./issues-of.ts";

const HEAD = `name: t
description: A test.
duration: 10s
topics: [{ name: t }, { name: outbox.event.order }]
`;

describe("transaction fields", () => {
  it("default to transaction.timeout.ms 60s, no aborts, read_uncommitted", () => {
    const s = loadScenarioText(`${HEAD}producers: [{ name: p, topic: t, rate: 10/s, transactionalId: tx }]\nconsumerGroups: [{ name: g, topic: t }]\n`, "t.yaml");
    expect(s.producers[0]).toMatchObject({ transactionalId: "tx", transactionTimeout: 60_000_000, transaction: { abortRatio: 0 } });
    expect(s.consumerGroups[0].isolationLevel).toBe("read_uncommitted");
  });

  it("refuse a transactional producer without idempotence, naming the line and the settings", () => {
    expect(issuesOf(`${HEAD}producers:\n  - { name: p, topic: t, rate: 10/s, acks: 1, transactionalId: tx }\n`)).toMatch(/^6:\d+ producers\[0\]\.transactionalId: a transactional producer needs idempotence, but acks is not all$/);
  });

  it("refuse transaction boundaries without a transactionalId, and a timeout above 15 minutes", () => {
    expect(issuesOf(`${HEAD}producers:\n  - { name: p, topic: t, rate: 10/s, transaction: { records: 5 } }\n`)).toMatch(/producers\[0\]\.transaction: transaction boundaries are set but the producer has no transactionalId/);
    expect(issuesOf(`${HEAD}producers:\n  - { name: p, topic: t, rate: 10/s, transactionalId: x, transactionTimeout: 20m }\n`)).toMatch(/transactionTimeout: transaction timeout 20m.* above the broker's transaction.max.timeout.ms/);
  });

  it("refuse an unknown isolation level with the choices", () => {
    expect(issuesOf(`${HEAD}producers: [{ name: p, topic: t, rate: 10/s }]\nconsumerGroups: [{ name: g, topic: t, isolationLevel: committed }]\n`)).toMatch(/consumerGroups\[0\]\.isolationLevel: .*read_uncommitted.*read_committed/);
  });
});

describe("publishing services", () => {
  it("default to Debezium's and Kafka Connect's settings and route to outbox.event.<aggregatetype>", () => {
    const s = loadScenarioText(`${HEAD}services: [{ name: orders, rate: 10/s, publish: { strategy: outbox-cdc } }]\n`, "t.yaml");
    expect(s.services[0]).toMatchObject({ aggregateType: "order", publish: { snapshot: "initial", pollInterval: 500_000, offsetFlushInterval: 60_000_000 }, database: { maxConcurrentTransactions: 10 } });
  });

  it("refuse events routed to a topic that is not declared, with a hint", () => {
    const text = `${HEAD}services:\n  - { name: orders, rate: 10/s, aggregateType: payment, publish: { strategy: outbox-cdc } }\n`;
    expect(issuesOf(text)).toMatch(/^6:\d+ services\[0\]\.aggregateType: the service's events go to topic "outbox.event.payment", which is not declared$/);
  });

  it("refuse an unknown strategy and unknown keys", () => {
    expect(issuesOf(`${HEAD}services: [{ name: orders, rate: 10/s, publish: { strategy: outbox } }]\n`)).toMatch(/services\[0\]\.publish\.strategy/);
    expect(issuesOf(`${HEAD}services: [{ name: orders, rate: 10/s, publish: { strategy: outbox-cdc, flush: 1s } }]\n`)).toMatch(/services\[0\]\.publish/);
  });

  it("accept the service and its connector as fault targets", () => {
    const text = `${HEAD}services: [{ name: orders, rate: 10/s, publish: { strategy: outbox-cdc } }]\nfaults: [{ at: 1s, crash: orders }, { at: 2s, pause: orders-connector, for: 1s }]\n`;
    expect(issuesOf(text)).toBe("");
  });
});
