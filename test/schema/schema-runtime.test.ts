// The schema registry inside a run: registration over the network with cached ids, refusals that fail sends
// without writing them, real decoding by members, and what a member does with an undecodable record.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";

const V1 = "{ type: record, name: Order, fields: [{ name: id, type: long }, { name: amount, type: double }] }";
const V2_NO_AMOUNT = "{ type: record, name: Order, fields: [{ name: id, type: long }] }";

function run(registry: string, extra = "", group = "{ name: g, topic: orders, members: 1, sessionTimeout: 3s, heartbeatInterval: 1s }") {
  const s = loadScenarioText(
    `name: t
description: A schema registry run for tests.
duration: 4s
drain: 4s
network: { latency: 2ms }
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 50/s, arrivals: constant }${extra}]
consumerGroups: [${group}]
schemaRegistry:
${registry}
`,
    "t.yaml",
  );
  return runScenario(s, { seed: 1, file: "t.yaml" }).history;
}

const rows = (h: History, op: Op) => {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === op) out.push(i);
  return out;
};

describe("a producer's serializer", () => {
  it("registers once per schema over the network, caches the id, and every record decodes", () => {
    const h = run(`  schemas: { v1: ${V1} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]`);
    const reg = rows(h, Op.SchemaRegistered);
    expect(reg).toHaveLength(1);
    // Send at 0, request and answer each take the 2ms link latency.
    expect(h.opTimeUs[reg[0]!]).toBe(4000);
    expect([h.opPartition[reg[0]!], h.opOffset[reg[0]!]]).toEqual([1, 1]);
    expect(rows(h, Op.Ack).length).toBe(200);
    expect(rows(h, Op.Decoded).length).toBe(200);
    expect(rows(h, Op.DecodeFailed)).toHaveLength(0);
  });

  it("fails every send after a refused upgrade: counted, nothing written", () => {
    const h = run(`  compatibility: FORWARD
  schemas: { v1: ${V1}, v2: ${V2_NO_AMOUNT} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
  upgrades: [{ at: 2s, producer: p, schema: v2 }]`);
    const failed = rows(h, Op.SerializeFailed);
    expect(failed.length).toBe(100);
    expect(rows(h, Op.SchemaRefused).length).toBeGreaterThan(0);
    const appended = new Set(rows(h, Op.Append).map((i) => h.opMsg[i]));
    for (const i of failed) expect(appended.has(h.opMsg[i])).toBe(false);
    expect(rows(h, Op.ProduceFail).length).toBe(100);
    expect(rows(h, Op.Ack).length).toBe(100);
  });
});

describe("an undecodable record", () => {
  const none = (policy: string) => `  compatibility: NONE
  schemas: { v1: ${V1}, v2: ${V2_NO_AMOUNT} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1, onUndecodable: ${policy}, restartBackoff: 500ms }]
  upgrades: [{ at: 2s, producer: p, schema: v2 }]`;

  it("crash-loops the member without error handling: the same offset fails after every restart", () => {
    const h = run(none("crash-loop"));
    const failed = rows(h, Op.DecodeFailed);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failed.map((i) => h.opMsg[i])).size).toBe(1);
    expect(rows(h, Op.ConsumerCrashed).length).toBe(failed.length);
    expect(rows(h, Op.ConsumerRestarted).length).toBeGreaterThanOrEqual(failed.length - 1);
    // Restart back-off doubles: 0.5s, 1s, 2s, ...
    const crashes = rows(h, Op.ConsumerCrashed).map((i) => h.opTimeUs[i]);
    const restarts = rows(h, Op.ConsumerRestarted).map((i) => h.opTimeUs[i]);
    expect(restarts[0]! - crashes[0]!).toBe(500_000);
    expect(restarts[1]! - crashes[1]!).toBe(1_000_000);
  });

  it("skip moves past each undecodable record, the member stays up", () => {
    const h = run(none("skip"));
    expect(rows(h, Op.DecodeFailed).length).toBe(100);
    expect(rows(h, Op.ConsumerCrashed)).toHaveLength(0);
    expect(rows(h, Op.UndecodableHandled).every((i) => h.opPartition[i] === 1)).toBe(true);
  });

  it("stop kills the member for good", () => {
    const h = run(none("stop"));
    expect(rows(h, Op.DecodeFailed)).toHaveLength(1);
    expect(rows(h, Op.ConsumerCrashed)).toHaveLength(1);
    expect(rows(h, Op.ConsumerRestarted)).toHaveLength(0);
  });

  it("a plain value from a producer without a serializer fails on the magic byte (writer id -1)", () => {
    const h = run(`  schemas: { v1: ${V1} }
  consumers: [{ group: g, schema: v1, onUndecodable: skip }]`);
    const failed = rows(h, Op.DecodeFailed);
    expect(failed.length).toBe(200);
    expect(h.opOffset[failed[0]!]).toBe(-1);
  });
});

describe("group reader upgrades", () => {
  it("decode with the new reader from the upgrade on", () => {
    const h = run(`  schemas: { v1: ${V1}, v2: ${V2_NO_AMOUNT} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
  upgrades: [{ at: 2s, group: g, schema: v2 }]`);
    const decoded = rows(h, Op.Decoded);
    const readers = decoded.map((i) => [h.opTimeUs[i]! >= 2_000_000, h.opPartition[i]]);
    expect(readers.every(([late, reader]) => reader === (late ? 1 : 0))).toBe(true);
    expect(rows(h, Op.SchemaUpgraded)).toHaveLength(1);
  });
});

describe("a registry outage", () => {
  it("holds the sends of a producer that needs an id until the registry is back and a resend gets through", () => {
    const s = loadScenarioText(
      `name: t
description: A registry outage during a producer upgrade.
duration: 4s
drain: 2s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 50/s, arrivals: constant }]
consumerGroups: [{ name: g, topic: orders }]
faults: [{ at: 500ms, crash: schema-registry, for: 1500ms }]
schemaRegistry:
  requestTimeout: 1s
  schemas: { v1: ${V1}, v2: { type: record, name: Order, fields: [{ name: id, type: long }, { name: amount, type: double }, { name: note, type: string, default: "" }] } }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
  upgrades: [{ at: 1s, producer: p, schema: v2 }]
`,
      "t.yaml",
    );
    const h = runScenario(s, { seed: 1, file: "t.yaml" }).history;
    const reg = rows(h, Op.SchemaRegistered);
    expect(reg).toHaveLength(2);
    // Sent at 1s into the outage (lost), resent after requestTimeout when the registry is back: answered after 2s.
    expect(h.opTimeUs[reg[1]!]).toBeGreaterThanOrEqual(2_000_000);
    expect(rows(h, Op.ProduceFail)).toHaveLength(0);
    expect(rows(h, Op.Ack).length).toBe(200);
    expect(rows(h, Op.DecodeFailed)).toHaveLength(0);
  });
});

describe("a registry outage seen by consumers", () => {
  it("a member that cannot look a writer id up waits, asks again, and decodes once the registry is back", () => {
    const s = loadScenarioText(
      `name: t
description: A registry outage while a consumer needs a writer schema.
duration: 3s
drain: 3s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 50/s, arrivals: constant }]
consumerGroups: [{ name: g, topic: orders }]
faults: [{ at: 0s, partition: { groups: [[schema-registry], [g-0]] }, for: 1s }]
schemaRegistry:
  requestTimeout: 300ms
  schemas: { v1: ${V1} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
`,
      "t.yaml",
    );
    const h = runScenario(s, { seed: 1, file: "t.yaml" }).history;
    const decoded = rows(h, Op.Decoded);
    expect(decoded.length).toBe(150);
    expect(h.opTimeUs[decoded[0]!]).toBeGreaterThanOrEqual(1_000_000);
    expect(h.opTimeUs[decoded[0]!]).toBeLessThan(1_400_000);
  });
});

describe("defaults in the history", () => {
  it("records how many reader fields a decoded record took from defaults", () => {
    const h = run(`  schemas: { v1: ${V2_NO_AMOUNT}, v2: { type: record, name: Order, fields: [{ name: id, type: long }, { name: amount, type: double, default: 0 }, { name: note, type: string, default: "" }] } }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v2 }]`);
    const applied = rows(h, Op.DefaultsApplied);
    expect(applied.length).toBe(200);
    expect(h.opOffset[applied[0]!]).toBe(2);
  });
});
