// The compatibility table of semantics §9 as known answers, asked the way a user asks: `brokersim schema check`
// (its command function, in process, so 100+ cases stay fast; test/e2e/schema-check.test.ts spawns the binary).
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cmdSchemaCheck } from "../../src/cli/schema-check.ts";

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "brokersim-avsc-"));
});
afterEach(() => vi.restoreAllMocks());

const record = (...fields: object[]) => ({ type: "record", name: "Order", namespace: "shop", fields });
const id = { name: "id", type: "int" };

function file(schema: object): string {
  const p = join(dir, `s${n++}.avsc`);
  writeFileSync(p, JSON.stringify(schema, null, 2));
  return p;
}

/** Runs `schema check --json --mode M <newest earlier>...<oldest earlier> <new>`; returns exit code and reasons. */
function check(mode: string, earlierOldestFirst: object[], candidate: object) {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const files = [...earlierOldestFirst].reverse().map(file);
  const code = cmdSchemaCheck({ mode, files: [...files, file(candidate)], json: true });
  vi.restoreAllMocks();
  const parsed = JSON.parse(out) as { compatible: boolean; reasons: { direction: string; field: string; rule: string }[] };
  expect(parsed.compatible).toBe(code === 0);
  return { code, reasons: parsed.reasons };
}

type Mark = "ok" | "no";
interface Row { change: string; old: object; new: object; backward: Mark; forward: Mark; full: Mark }

const color = (symbols: string[], extra: object = {}) => ({ type: "enum", name: "Color", symbols, ...extra });

const TABLE: Row[] = [
  { change: "add field with default", old: record(id), new: record(id, { name: "note", type: "string", default: "" }), backward: "ok", forward: "ok", full: "ok" },
  { change: "remove field that had a default", old: record(id, { name: "note", type: "string", default: "" }), new: record(id), backward: "ok", forward: "ok", full: "ok" },
  { change: "add field without default", old: record(id), new: record(id, { name: "note", type: "string" }), backward: "no", forward: "ok", full: "no" },
  { change: "remove field without default", old: record(id, { name: "note", type: "string" }), new: record(id), backward: "ok", forward: "no", full: "no" },
  {
    change: "rename; new field lists the old name as alias", old: record(id, { name: "name", type: "string" }),
    new: record(id, { name: "title", type: "string", aliases: ["name"] }), backward: "ok", forward: "no", full: "no",
  },
  {
    // ✓ forward only because the old reader falls back to its default: the value is lost (no-silent-defaults).
    change: "rename with alias, old field had a default", old: record(id, { name: "name", type: "string", default: "" }),
    new: record(id, { name: "title", type: "string", aliases: ["name"] }), backward: "ok", forward: "ok", full: "ok",
  },
  { change: "widen int→long", old: record({ name: "n", type: "int" }), new: record({ name: "n", type: "long" }), backward: "ok", forward: "no", full: "no" },
  { change: "widen long→float", old: record({ name: "n", type: "long" }), new: record({ name: "n", type: "float" }), backward: "ok", forward: "no", full: "no" },
  { change: "widen float→double", old: record({ name: "n", type: "float" }), new: record({ name: "n", type: "double" }), backward: "ok", forward: "no", full: "no" },
  { change: "widen int→double", old: record({ name: "n", type: "int" }), new: record({ name: "n", type: "double" }), backward: "ok", forward: "no", full: "no" },
  { change: "narrow long→int", old: record({ name: "n", type: "long" }), new: record({ name: "n", type: "int" }), backward: "no", forward: "ok", full: "no" },
  { change: "string → bytes", old: record({ name: "s", type: "string" }), new: record({ name: "s", type: "bytes" }), backward: "ok", forward: "ok", full: "ok" },
  { change: "bytes → string", old: record({ name: "s", type: "bytes" }), new: record({ name: "s", type: "string" }), backward: "ok", forward: "ok", full: "ok" },
  {
    change: "change a default value", old: record(id, { name: "note", type: "string", default: "a" }),
    new: record(id, { name: "note", type: "string", default: "b" }), backward: "ok", forward: "ok", full: "ok",
  },
  { change: "T → union[null, T]", old: record({ name: "s", type: "string" }), new: record({ name: "s", type: ["null", "string"] }), backward: "ok", forward: "no", full: "no" },
  {
    change: "add enum symbol (old reader enum has no default)", old: record({ name: "c", type: color(["RED", "GREEN"]) }),
    new: record({ name: "c", type: color(["RED", "GREEN", "BLUE"]) }), backward: "ok", forward: "no", full: "no",
  },
  {
    change: "add enum symbol (old reader enum has a default)", old: record({ name: "c", type: color(["RED", "GREEN"], { default: "RED" }) }),
    new: record({ name: "c", type: color(["RED", "GREEN", "BLUE"], { default: "RED" }) }), backward: "ok", forward: "ok", full: "ok",
  },
];

describe("schema check answers every row of the compatibility table in every mode", () => {
  for (const row of TABLE) {
    describe(row.change, () => {
      for (const [mode, mark] of [["BACKWARD", row.backward], ["FORWARD", row.forward], ["FULL", row.full]] as const) {
        for (const m of [mode, `${mode}_TRANSITIVE`]) {
          it(`${m}: ${mark === "ok" ? "compatible (exit 0)" : "not compatible (exit 1)"}`, () => {
            const r = check(m, [row.old], row.new);
            expect(r.code).toBe(mark === "ok" ? 0 : 1);
            if (mark === "no") expect(r.reasons.length).toBeGreaterThan(0);
          });
        }
      }
      it("NONE: always compatible", () => {
        expect(check("NONE", [row.old], row.new).code).toBe(0);
      });
    });
  }
});

describe("schema check names the field, the rule and the direction", () => {
  it("a removed field without a default, under FORWARD: the old reader's field has no default", () => {
    const r = check("FORWARD", [record(id, { name: "note", type: "string" })], record(id));
    expect(r.reasons).toEqual([expect.objectContaining({ direction: "forward", field: "shop.Order.note", rule: "READER_FIELD_MISSING_DEFAULT_VALUE" })]);
  });
  it("under FULL a narrowing and an added field give one reason each, in their direction", () => {
    const r = check("FULL", [record({ name: "n", type: "long" })], record({ name: "n", type: "int" }, { name: "x", type: "int" }));
    expect(r.reasons).toEqual(expect.arrayContaining([
      expect.objectContaining({ direction: "backward", field: "shop.Order.n", rule: "TYPE_MISMATCH" }),
      expect.objectContaining({ direction: "backward", field: "shop.Order.x", rule: "READER_FIELD_MISSING_DEFAULT_VALUE" }),
    ]));
    expect(r.reasons).toHaveLength(2);
  });
  it("an added enum symbol under FORWARD is MISSING_ENUM_SYMBOLS", () => {
    const r = check("FORWARD", [record({ name: "c", type: color(["RED"]) })], record({ name: "c", type: color(["RED", "BLUE"]) }));
    expect(r.reasons).toEqual([expect.objectContaining({ direction: "forward", field: "shop.Order.c", rule: "MISSING_ENUM_SYMBOLS" })]);
  });
  it("T → union under FORWARD: the old reader cannot read the union's null branch", () => {
    const r = check("FORWARD", [record({ name: "s", type: "string" })], record({ name: "s", type: ["null", "string"] }));
    expect(r.reasons).toEqual([expect.objectContaining({ field: "shop.Order.s", rule: "TYPE_MISMATCH" })]);
  });
  it("a renamed record without an alias is NAME_MISMATCH", () => {
    const r = check("BACKWARD", [record(id)], { type: "record", name: "Purchase", namespace: "shop", fields: [id] });
    expect(r.reasons).toEqual([expect.objectContaining({ rule: "NAME_MISMATCH" })]);
  });
});

describe("transitive modes compare with every earlier schema, the others with the latest only", () => {
  // v2 adds x with a default; v3 drops the default: v3 reads v2 data (x present) but not v1 data (no x).
  const v1 = record(id);
  const v2 = record(id, { name: "x", type: "string", default: "" });
  const v3 = record(id, { name: "x", type: "string" });
  it("BACKWARD accepts v3 after v2 although v3 cannot read v1 data", () => {
    expect(check("BACKWARD", [v1, v2], v3).code).toBe(0);
  });
  it("BACKWARD_TRANSITIVE refuses v3 because of v1", () => {
    const r = check("BACKWARD_TRANSITIVE", [v1, v2], v3);
    expect(r.code).toBe(1);
    expect(r.reasons).toEqual([expect.objectContaining({ direction: "backward", field: "shop.Order.x", rule: "READER_FIELD_MISSING_DEFAULT_VALUE" })]);
  });
  // v2 gives x a default; v3 drops x: v2 readers cope, v1 readers (x without default) do not.
  const f1 = record(id, { name: "x", type: "string" });
  const f2 = record(id, { name: "x", type: "string", default: "" });
  const f3 = record(id);
  it("FORWARD and FULL accept v3 after v2 although v1 readers cannot read it", () => {
    expect(check("FORWARD", [f1, f2], f3).code).toBe(0);
    expect(check("FULL", [f1, f2], f3).code).toBe(0);
  });
  it("FORWARD_TRANSITIVE and FULL_TRANSITIVE refuse v3 because of v1 readers", () => {
    for (const mode of ["FORWARD_TRANSITIVE", "FULL_TRANSITIVE"]) {
      const r = check(mode, [f1, f2], f3);
      expect(r.code).toBe(1);
      expect(r.reasons).toEqual([expect.objectContaining({ direction: "forward", field: "shop.Order.x" })]);
    }
  });
});
