import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runAssign } from "../../src/cli/assign.ts";
import { BrokersimError } from "../../src/scenario/errors.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const base = { topics: ["t0:3,t1:3"], members: ["C1", "C0"], json: false };

describe("brokersim assign", () => {
  it("prints the roundrobin worked example, one member per line", () => {
    expect(runAssign({ ...base, strategy: "roundrobin" })).toBe("C1  t0-1 t1-0 t1-2\nC0  t0-0 t0-2 t1-1\n");
  });

  it("prints JSON with every member present and partitions sorted", () => {
    const out = JSON.parse(runAssign({ ...base, members: ["C0", "C1", "C2:t1"], strategy: "range", json: true, topics: ["t0:1", "t1:1"] }));
    expect(out).toEqual({ C0: [{ topic: "t0", partition: 0 }, { topic: "t1", partition: 0 }], C1: [], C2: [] });
  });

  it("reads --previous in the --json shape for the sticky assignors", () => {
    const prev = JSON.stringify({ C0: [0, 1, 2].map((partition) => ({ topic: "t", partition })) });
    const out = runAssign({ strategy: "cooperative-sticky", topics: ["t:3"], members: ["C0", "C1"], previous: "prev.json", json: false }, () => prev);
    expect(out).toBe("C0  t-0 t-1\nC1  (none)\npending t-2: C0 revokes it, C1 gets it in the second rebalance\n");
  });

  it("rejects a member topic missing from --topics with a hint", () => {
    expect(() => runAssign({ ...base, strategy: "range", members: ["C0:t9"] })).toThrow(BrokersimError);
    expect(() => runAssign({ ...base, strategy: "range", members: ["C0:t9"] })).toThrow(/topic "t9" is not in --topics/);
  });

  it("exits 2 with a hint on an unknown strategy, without a stack trace", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "brokersim.js"), "assign", "--strategy", "fair", "--topics", "t:2", "--member", "a"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("hint: choose one of range, roundrobin, sticky, cooperative-sticky");
    expect(r.stderr).not.toContain("    at ");
  });
});
