import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-schema-"));
  const w = (name: string, text: string) => writeFileSync(join(tmp, name), text);
  w("v1.avsc", '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "int"}, {"name": "amount", "type": "double"}]}\n');
  w("v2.avsc", '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "int"}]}\n');
  w("bad-json.avsc", '{\n  "type": "record",\n  "name": "Order",\n  "fields": [\n    {"name": "id", "type": "int"},\n  ]\n}\n');
  w("unknown-type.avsc", '{\n  "type": "record",\n  "name": "Order",\n  "fields": [\n    {"name": "id", "type": "int"},\n    {"name": "at", "type": "timestamp"}\n  ]\n}\n');
  w("no-name.avsc", '{\n  "type": "record",\n  "fields": [{"name": "id", "type": "int"}]\n}\n');
});

describe("brokersim schema check", () => {
  it("exits 0 and says compatible when the registry would accept the new schema", () => {
    const r = cli(["schema", "check", "--mode", "BACKWARD", "v1.avsc", "v2.avsc"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^compatible: v2\.avsc under BACKWARD/);
  });

  it("exits 1 with the field, the rule and the direction of every reason", () => {
    const r = cli(["schema", "check", "--mode", "FULL_TRANSITIVE", "v1.avsc", "v2.avsc"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("NOT compatible: v2.avsc under FULL_TRANSITIVE, 1 reason(s)");
    expect(r.stdout).toMatch(/forward \(v1\.avsc reads new data\): Order\.amount {2}READER_FIELD_MISSING_DEFAULT_VALUE/);
  });

  it("exits 2 naming file and line for invalid JSON, an unknown type and a record without a name, all at once", () => {
    const r = cli(["schema", "check", "bad-json.avsc", "unknown-type.avsc", "no-name.avsc"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-json\.avsc:6:3 {2}invalid JSON: expected a value, found "]"/);
    expect(r.stderr).toMatch(/unknown-type\.avsc:6:28 {2}fields\[1\]\.type: unknown type "timestamp"/);
    expect(r.stderr).toMatch(/no-name\.avsc:1:1 {2}a record needs a "name"/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("exits 2 on an unknown mode", () => {
    const r = cli(["schema", "check", "--mode", "SIDEWAYS", "v1.avsc", "v2.avsc"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mode: expected one of BACKWARD/);
  });
});
