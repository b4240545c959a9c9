import { describe, expect, it } from "vitest";
import { SchemaRegistry, valueSubject } from "../../src/schema/registry.ts";
import { order, schema } from "./helpers.ts";

const id = { name: "id", type: "int" };
const v1 = schema(order(id));
const v2 = schema(order(id, { name: "note", type: "string", default: "" }));
const v3NoDefault = schema(order(id, { name: "note", type: "string" }));

describe("schema registry", () => {
  it("names a topic's value subject <topic>-value (TopicNameStrategy)", () => {
    expect(valueSubject("orders")).toBe("orders-value");
  });

  it("gives versions 1, 2, ... per subject and global ids, and returns the existing id on re-registration", () => {
    const r = new SchemaRegistry();
    expect(r.register("orders-value", v1)).toEqual({ ok: true, id: 1, version: 1, existing: false });
    expect(r.register("orders-value", v2)).toEqual({ ok: true, id: 2, version: 2, existing: false });
    expect(r.register("orders-value", schema(order(id)))).toEqual({ ok: true, id: 1, version: 1, existing: true });
    // Another subject registering the same schema gets the same global id, and its own version 1.
    expect(r.register("payments-value", v2)).toEqual({ ok: true, id: 2, version: 1, existing: false });
    expect(r.versionOf("orders-value", 2)).toBe(2);
    expect(r.schemaById(2)?.canonical).toBe(v2.canonical);
    expect(r.schemaById(9)).toBeUndefined();
  });

  it("a changed default is a different schema (a new version), not the same one", () => {
    const r = new SchemaRegistry();
    r.register("s", v2);
    const changed = schema(order(id, { name: "note", type: "string", default: "x" }));
    expect(r.register("s", changed)).toMatchObject({ ok: true, version: 2 });
  });

  it("defaults to BACKWARD and refuses an incompatible schema with its reasons, leaving the subject as it was", () => {
    const r = new SchemaRegistry();
    r.register("s", v1);
    const out = r.register("s", v3NoDefault);
    expect(out).toMatchObject({ ok: false, error: "INCOMPATIBLE", mode: "BACKWARD" });
    if (!out.ok) expect(out.reasons[0]).toMatchObject({ field: "Order.note", rule: "READER_FIELD_MISSING_DEFAULT_VALUE", direction: "backward" });
    expect(r.versions("s")).toHaveLength(1);
  });

  it("a per-subject mode overrides the global one; NONE accepts anything", () => {
    const r = new SchemaRegistry("FULL");
    r.setSubjectMode("loose-value", "NONE");
    r.register("loose-value", v1);
    r.register("strict-value", v1);
    expect(r.register("loose-value", v3NoDefault)).toMatchObject({ ok: true, version: 2 });
    expect(r.register("strict-value", v3NoDefault)).toMatchObject({ ok: false, mode: "FULL" });
  });

  it("BACKWARD accepts a v3 that cannot read v1 data; BACKWARD_TRANSITIVE refuses it", () => {
    for (const [mode, ok] of [["BACKWARD", true], ["BACKWARD_TRANSITIVE", false]] as const) {
      const r = new SchemaRegistry(mode);
      r.register("s", v1);
      r.register("s", v2);
      expect(r.register("s", v3NoDefault).ok).toBe(ok);
    }
  });
});
