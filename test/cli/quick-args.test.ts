// `run` read without yargs must mean exactly what yargs reads: the plain forms are taken, every other form goes
// to yargs, and both paths give the same output and the same result bytes.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { quickRunArgs } from "../../src/cli/quick-args.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const defaults = { seed: undefined, out: "reports", json: false, checkDeterminism: false, maxEvents: undefined, allowLarge: false, quiet: false };

describe("quickRunArgs", () => {
  it("reads the plain forms of run", () => {
    expect(quickRunArgs(["run", "a.yaml"])).toEqual({ ...defaults, scenarios: ["a.yaml"] });
    expect(quickRunArgs(["run", "-q", "a.yaml", "b", "--seed", "42", "--out", "x/y"])).toEqual({ ...defaults, scenarios: ["a.yaml", "b"], seed: 42, out: "x/y", quiet: true });
    expect(quickRunArgs(["run", "a.yaml", "--seed=0", "--out=r", "--json", "--quiet"])).toEqual({ ...defaults, scenarios: ["a.yaml"], seed: 0, out: "r", json: true, quiet: true });
  });

  it("leaves every other form to yargs", () => {
    for (const argv of [
      [],
      ["validate", "a.yaml"],
      ["run"],
      ["run", "--seed", "1"],
      ["run", "a.yaml", "--help"],
      ["run", "a.yaml", "--check-determinism"],
      ["run", "a.yaml", "--max-events", "10"],
      ["run", "a.yaml", "--allow-large"],
      ["run", "a.yaml", "--no-quiet"],
      ["run", "a.yaml", "--quiet", "true"],
      ["run", "a.yaml", "--quiet=true"],
      ["run", "a.yaml", "-q", "-q"],
      ["run", "a.yaml", "--quiet", "-q"],
      ["run", "a.yaml", "--seed", "1", "--seed", "2"],
      ["run", "a.yaml", "--seed", "-1"],
      ["run", "a.yaml", "--seed", "1.5"],
      ["run", "a.yaml", "--seed", "01"],
      ["run", "a.yaml", "--seed", "1e3"],
      ["run", "a.yaml", "--seed", "99999999999999999"],
      ["run", "a.yaml", "--seed"],
      ["run", "a.yaml", "--seed="],
      ["run", "a.yaml", "--out"],
      ["run", "a.yaml", "--out", "--json"],
      ["run", "a.yaml", "--out", "5"],
      ["run", "12"],
      ["run", "a.yaml", "--"],
      ["run", "a.yaml", "-"],
      ["run", "a.yaml", "--unknown"],
    ]) {
      expect(quickRunArgs(argv), argv.join(" ")).toBeUndefined();
    }
  });
});

describe("run with and without yargs", () => {
  it("prints the same and writes the same result", () => {
    const dir = mkdtempSync(join(tmpdir(), "brokersim-quick-"));
    for (const n of ["a", "b"]) {
      writeFileSync(
        join(dir, `${n}.yaml`),
        `name: ${n}\ndescription: tiny\nduration: 200ms\ntopics: [{name: t, partitions: 2}]\nproducers: [{name: p, topic: t, rate: 50/s}]\nconsumerGroups: [{name: g, topics: [t]}]\n`,
      );
    }
    const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin", "brokersim.js"), ...args], { cwd: dir, encoding: "utf8" });
    // `--no-allow-large` means the default, and is a form only yargs reads.
    for (const [i, args] of [
      ["run", "a.yaml", "--seed", "3", "--out", "OUT", "-q"],
      ["run", "a.yaml", "b.yaml", "--out=OUT", "--seed=2"],
      ["run", "a.yaml", "--json", "--out", "OUT"],
    ].entries()) {
      expect(quickRunArgs(args)).toBeDefined();
      const quick = cli(args.map((a) => a.replace("OUT", `q${i}`)));
      const viaYargs = cli([...args.map((a) => a.replace("OUT", `y${i}`)), "--no-allow-large"]);
      expect(quick.status).toBe(viaYargs.status);
      expect(quick.stdout.replaceAll(`q${i}`, "OUT")).toBe(viaYargs.stdout.replaceAll(`y${i}`, "OUT"));
      expect(quick.stderr).toBe(viaYargs.stderr);
      const seed = args.includes("--seed") ? 3 : args.some((a) => a.startsWith("--seed=")) ? 2 : 1;
      const result = (p: string) => readFileSync(join(dir, p, "a", `seed-${seed}`, "result.json"), "utf8");
      expect(result(`q${i}`)).toBe(result(`y${i}`));
    }
  });
});
