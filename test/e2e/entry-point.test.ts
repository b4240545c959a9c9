// bin/brokersim.js runs the compiled CLI when dist/ exists and the TypeScript sources otherwise; both paths
// must answer the same way.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

describe("the entry point's stale-build check", () => {
  // A checkout laid out like this one, with a compiled and a source main that say which one ran.
  function layout(): { dir: string; run: () => string } {
    const dir = mkdtempSync(join(tmpdir(), "brokersim-entry-"));
    mkdirSync(join(dir, "bin"));
    copyFileSync(BIN, join(dir, "bin", "brokersim.js"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    mkdirSync(join(dir, "src", "cli"), { recursive: true });
    writeFileSync(join(dir, "src", "cli", "main.ts"), 'process.stdout.write("source");\n');
    writeFileSync(join(dir, "src", "cli", "extra.ts"), "export {};\n");
    mkdirSync(join(dir, "dist", "cli"), { recursive: true });
    writeFileSync(join(dir, "dist", "cli", "main.js"), 'process.stdout.write("compiled");\n');
    writeFileSync(join(dir, "dist", ".built"), "stamp\n");
    // Sources an hour old, the build half an hour old (file times are coarse: an edit made in the same tick as
    // the stamp would not count as newer).
    const old = new Date(Date.now() - 3600_000);
    for (const p of ["src/cli/main.ts", "src/cli/extra.ts", "src/cli", "src"]) utimesSync(join(dir, p), old, old);
    const built = new Date(Date.now() - 1800_000);
    utimesSync(join(dir, "dist", ".built"), built, built);
    const run = () => spawnSync(process.execPath, [join(dir, "bin", "brokersim.js"), "list"], { encoding: "utf8", env: { ...process.env, BROKERSIM_FROM_SOURCE: "" } }).stdout;
    return { dir, run };
  }

  it("runs the build while no source changed, and the sources once one was edited or deleted", () => {
    const a = layout();
    try {
      expect(a.run()).toBe("compiled");
      writeFileSync(join(a.dir, "src", "cli", "extra.ts"), "export const x = 1;\n");
      expect(a.run()).toBe("source");
    } finally {
      rmSync(a.dir, { recursive: true, force: true });
    }
    const b = layout();
    try {
      unlinkSync(join(b.dir, "src", "cli", "extra.ts"));
      expect(b.run()).toBe("source");
    } finally {
      rmSync(b.dir, { recursive: true, force: true });
    }
  });
});
