// Output a user can trust: names that resolve, echoes of what was typed, an index that accumulates, a merge
// that will not pass off part of a sweep as the whole, commands that paste the way the tool was run.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
const PLAIN = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));

function cli(args: string[], env: Record<string, string | undefined> = PLAIN) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-trust-"));
  writeFileSync(join(tmp, "a.yaml"), scenario("a", "hold: [no-loss]"));
  writeFileSync(join(tmp, "b.yaml"), scenario("b", "hold: [no-loss]"));
  writeFileSync(join(tmp, "slow.yaml"), scenario("slow", "latency: { p99: 1ms }", "processing: { time: 20ms }"));
});

function scenario(name: string, expect: string, group = ""): string {
  return `name: ${name}
description: A small run.
duration: 1s
drain: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 100/s }]
consumerGroups: [{ name: g, topic: t${group ? `, ${group}` : ""} }]
expect: { ${expect} }
`;
}

describe("names and echoes", () => {
  it("runs a bundled scenario by the name `list` prints, not only by its file name", () => {
    const list = cli(["list"]).stdout;
    expect(list).toMatch(/^kafka-unclean-leader-election\s/m);
    const r = cli(["run", "kafka-unclean-leader-election", "--out", "o1", "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}kafka-unclean-leader-election {2}seed 1/);
  });

  it("answers an unknown scenario name with a did-you-mean and a pointer to list, exit 2", () => {
    const r = cli(["run", "kafka-uncleen-election"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no scenario file or bundled scenario named "kafka-uncleen-election"');
    expect(r.stderr).toContain('did you mean "kafka-unclean-election"?');
    expect(r.stderr).toContain("brokersim list");
  });

  it("echoes a seed that is not a number as typed, not as NaN", () => {
    const r = cli(["run", "a.yaml", "--seed", "abc"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('found "abc"');
    expect(r.stderr).not.toContain("NaN");
  });
});

describe("reports", () => {
  it("keeps every report in reports/index.html across runs", () => {
    expect(cli(["run", "a.yaml", "--out", "acc"]).code).toBe(0);
    expect(cli(["run", "b.yaml", "--out", "acc", "--seed", "4"]).code).toBe(0);
    const index = readFileSync(join(tmp, "acc", "index.html"), "utf8");
    expect(index).toContain('href="a/seed-1/report.html"');
    expect(index).toContain('href="b/seed-4/report.html"');
    expect(index).toContain("2 of 2 scenarios met their expectations");
  });

  it("records the code a result came from", () => {
    cli(["run", "a.yaml", "--out", "code"]);
    const result = JSON.parse(readFileSync(join(tmp, "code", "a", "seed-1", "result.json"), "utf8"));
    expect(result.code.version).toMatch(/^\d+\.\d+\.\d+/);
    if (existsSync(join(ROOT, ".git"))) expect(result.code.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("quiet mode prints one line per scenario and the index", () => {
    const r = cli(["run", "a.yaml", "slow.yaml", "--out", "quiet", "-q"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PASS {2}a {2}seed 1 {2}\d+ held, 0 violated/);
    expect(lines[1]).toMatch(/^FAIL {2}slow {2}seed 1 {2}unmet: latency p99 <= 1ms .*replay: brokersim run slow\.yaml --seed 1$/);
    expect(lines).toHaveLength(5);
    expect(lines[3]).toBe(`report: ${join("quiet", "index.html")}`);
  });
});

describe("pasteable commands", () => {
  it("prints the replay command as `npx brokersim …` when run through npx", () => {
    const r = cli(["run", "slow.yaml", "--out", "npx"], { ...PLAIN, npm_command: "exec", npm_execpath: "/usr/lib/npm/bin/npm-cli.js" });
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("replay: npx brokersim run slow.yaml --seed 1");
    // result.json keeps the invocation-independent form: it must not depend on how it was produced.
    const result = JSON.parse(readFileSync(join(tmp, "npx", "slow", "seed-1", "result.json"), "utf8"));
    expect(result.replay).toBe("brokersim run slow.yaml --seed 1");
  });
});

describe("merge", () => {
  it("exits non-zero on a missing shard and leaves a complete summary.json untouched", () => {
    for (const i of [0, 1]) expect(cli(["sweep", "a.yaml", "--seeds", "1..2", "--jobs", "1", "--shard", `${i}/2`, "--out", "sh"]).code).toBe(0);
    const shard = (i: number) => join("sh", "a", `sweep-shard-${i}-of-2`, "summary.json");
    const full = cli(["merge", shard(0), shard(1), "--out", "m"]);
    expect(full.code).toBe(0);
    const complete = readFileSync(join(tmp, "m", "a", "sweep", "summary.json"), "utf8");
    const part = cli(["merge", shard(0), "--out", "m"]);
    expect(part.code).toBe(2);
    expect(part.stderr).toContain("INCOMPLETE");
    expect(readFileSync(join(tmp, "m", "a", "sweep", "summary.json"), "utf8")).toBe(complete);
    expect(JSON.parse(readFileSync(join(tmp, "m", "a", "sweep", "summary-incomplete.json"), "utf8")).complete).toBe(false);
  });
});

describe("sweep --until-failure", () => {
  it("stops handing out seeds at the first failure and prints its replay and shrink commands", () => {
    const r = cli(["sweep", "slow.yaml", "--seeds", "1..40", "--jobs", "1", "--until-failure", "--out", "uf"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(-3)).toEqual([
      "first failing seed: 1 (after 1 seed): latency p99 <= 1ms",
      "replay: brokersim run slow.yaml --seed 1",
      "shrink: brokersim shrink slow.yaml --seed 1",
    ]);
  });
});
