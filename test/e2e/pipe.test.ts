import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");

describe("output into a pipe the reader closes early", () => {
  it("ends quietly: no EPIPE stack trace when `list | head -1` stops reading", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" list | head -1 >/dev/null; echo "status \${PIPESTATUS:-0}"`], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(r.stderr).toBe("");
  });
});
