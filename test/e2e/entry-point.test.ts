// bin/brokersim.js runs the compiled CLI when dist/ exists and the TypeScript sources otherwise; both paths
// must answer the same way.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the entry point", () => {
  it("prints the package version with --version", () => {
    const r = cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("runs the sources through tsx when told to, with the same answers", () => {
    const fromSource = cli(["list"], { BROKERSIM_FROM_SOURCE: "1" });
    const normal = cli(["list"]);
    expect(fromSource.code).toBe(0);
    expect(fromSource.stdout).toBe(normal.stdout);
    expect(cli(["--version"], { BROKERSIM_FROM_SOURCE: "1" }).stdout.trim()).toBe(VERSION);
  });

  it("reports a bad argument as a usage error on both paths", () => {
    for (const env of [{}, { BROKERSIM_FROM_SOURCE: "1" }] as Record<string, string>[]) {
      const r = cli(["run"], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/error:/);
    }
  });
});
