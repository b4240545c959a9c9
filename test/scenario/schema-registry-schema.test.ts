import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issuesOf } from "./issues-of.ts";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

const BASE = `name: t
description: Schema registry settings.
duration: 1s
topics: [{ name: orders }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders }]
`;
const V1 = "{ type: record, name: Order, fields: [{ name: id, type: long }] }";

describe("schemaRegistry in a scenario", () => {
  it("loads inline schemas, defaults to BACKWARD and crash-loop", () => {
    expect(issuesOf(`${BASE}schemaRegistry:
  schemas: { v1: ${V1} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
`)).toBe("");
  });

  it("names the line and column of an unknown producer or schema", () => {
    const out = issuesOf(`${BASE}schemaRegistry:
  schemas: { v1: ${V1} }
  producers: [{ producer: q, schema: v1 }]
  consumers: [{ group: g, schema: v2 }]
`);
    expect(out).toContain('9:27 schemaRegistry.producers[0].producer: no producer named "q"');
    expect(out).toContain('10:35 schemaRegistry.consumers[0].schema: no schema named "v2"');
  });

  it("wants each upgrade to name exactly one producer or group, listed under producers/consumers", () => {
    const out = issuesOf(`${BASE}schemaRegistry:
  schemas: { v1: ${V1} }
  producers: [{ producer: p, schema: v1 }]
  upgrades:
    - { at: 1s, producer: p, group: g, schema: v1 }
    - { at: 1s, group: g, schema: v1 }
`);
    expect(out).toContain("schemaRegistry.upgrades[0]: an upgrade names exactly one producer or one group");
    expect(out).toContain('schemaRegistry.upgrades[1].group: no group listed under schemaRegistry.consumers named "g"');
  });

  it("refuses an unknown compatibility mode", () => {
    expect(issuesOf(`${BASE}schemaRegistry:
  compatibility: SIDEWAYS
  schemas: { v1: ${V1} }
`)).toMatch(/^8:18 schemaRegistry\.compatibility: /);
  });

  it("points at the scenario line of a bad inline schema", () => {
    const out = issuesOf(`${BASE}schemaRegistry:
  schemas:
    v1:
      type: record
      name: Order
      fields:
        - { name: id, type: lnog }
`);
    expect(out).toBe('13:29 schemaRegistry.schemas.v1.fields[0].type: unknown type "lnog"');
  });

  it("reads .avsc files relative to the scenario, and reports a bad one with its own file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "brokersim-sr-"));
    writeFileSync(join(dir, "good.avsc"), JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "long" }] }));
    writeFileSync(join(dir, "bad.avsc"), '{\n  "type": "record",\n  "fields": []\n}\n');
    writeFileSync(join(dir, "ok.yaml"), `${BASE}schemaRegistry:\n  schemas: { v1: good.avsc }\n`);
    const s = loadScenarioFile(join(dir, "ok.yaml"));
    expect(s.schemaRegistry!.schemas.v1).toEqual({ type: "record", name: "Order", fields: [{ name: "id", type: "long" }] });
    writeFileSync(join(dir, "bad.yaml"), `${BASE}schemaRegistry:\n  schemas: { v1: bad.avsc, v2: missing.avsc }\n`);
    try {
      loadScenarioFile(join(dir, "bad.yaml"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      const lines = (e as ScenarioError).issues.map((i) => `${i.file}:${i.line} ${i.message}`);
      expect(lines).toContain('bad.avsc:1 a record needs a "name"');
      expect(lines.some((l) => l.includes("cannot read the schema file missing.avsc"))).toBe(true);
    }
  });
});
