import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
// Printed commands follow how the tool was launched (npx or not): run it as a plain process here.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));

function cli(args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: "utf8", env: { ...ENV, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-cli-"));
});

function scenarioFile(name: string, body: string): string {
  const p = join(tmp, name);
  writeFileSync(p, body);
  return p;
}

const TINY = `name: tiny
description: A small healthy run.
duration: 2s
drain: 2s
topics: [{ name: t, partitions: 3 }]
producers: [{ name: p, topic: t, rate: 200/s, keys: { count: 20 } }]
consumerGroups: [{ name: g, topic: t, members: 2 }]
expect:
  hold: [per-key-order, no-loss, no-duplicates]
`;

describe("brokersim run", () => {
  it("prints the seed and settings first, then verdicts, and writes result.json and report.html", () => {
    const f = scenarioFile("tiny.yaml", TINY);
    const out = join(tmp, "out1");
    const r = cli(["run", f, "--seed", "7", "--out", out]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/scenario tiny .* seed 7/);
    expect(lines[1]).toMatch(/duration 2s, drain 2s/);
    expect(r.stdout).toMatch(/per-key-order\s+holds/);
    expect(r.stdout).toMatch(/report: .*report\.html\n$/);
    const result = JSON.parse(readFileSync(join(out, "tiny", "seed-7", "result.json"), "utf8"));
    expect(result.seed).toBe(7);
    expect(result.passed).toBe(true);
    expect(existsSync(join(out, "tiny", "seed-7", "report.html"))).toBe(true);
    expect(readdirSync(join(out, "tiny", "seed-7")).sort()).toEqual(["anomalies.jsonl", "report.html", "result.json"]);
  });

  it("exits 1 and ends with the exact replay command when an expectation fails", () => {
    scenarioFile("strict.yaml", TINY.replace("  hold:", "  latency: { max: 1us }\n  hold:"));
    const r = cli(["run", "strict.yaml", "--seed", "3", "--out", "out2"], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL/);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("replay: brokersim run strict.yaml --seed 3");
    const result = JSON.parse(readFileSync(join(tmp, "out2", "tiny", "seed-3", "result.json"), "utf8"));
    expect(result.scenario.file).toBe("strict.yaml");
    expect(JSON.stringify(result)).not.toContain(tmp);
  });

  it("prints the result as JSON with --json", () => {
    const f = scenarioFile("tiny-json.yaml", TINY.replace("name: tiny", "name: tinyjson"));
    const r = cli(["run", f, "--seed", "1", "--json", "--out", join(tmp, "out3")]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.scenario.name).toBe("tinyjson");
    expect(parsed.verdicts.map((v: { invariant: string }) => v.invariant)).toEqual(
      expect.arrayContaining(["per-key-order", "no-loss", "no-duplicates"]),
    );
  });

  it("exits 2 with file, line and field for a broken scenario, and writes nothing", () => {
    const f = scenarioFile("broken.yaml", TINY.replace("partitions: 3", "partitons: 3"));
    const out = join(tmp, "out4");
    const r = cli(["run", f, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:5:\d+ +topics\[0\]\.partitons: unknown key/);
    expect(r.stderr).toMatch(/did you mean `partitions`\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 on bad YAML, wrong types, negative rates and missing topic references", () => {
    const cases: [string, RegExp][] = [
      [TINY.replace("duration: 2s", "duration: [2s"), /bad-0\.yaml:\d+:\d+/],
      [TINY.replace("members: 2", "members: two"), /bad-1\.yaml:7:\d+ +consumerGroups\[0\]\.members: .*expected.*number/i],
      [TINY.replace("rate: 200/s", "rate: -5/s"), /bad-2\.yaml:6:\d+ +producers\[0\]\.rate/],
      [TINY.replace("{ name: p, topic: t,", "{ name: p, topic: orders,"), /bad-3\.yaml:6:\d+ +producers\[0\]\.topic: no topic named "orders"/],
    ];
    cases.forEach(([body, re], i) => {
      const r = cli(["run", scenarioFile(`bad-${i}.yaml`, body), "--out", join(tmp, `bad-out-${i}`)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it("exits 2 for a missing file and for bad usage", () => {
    expect(cli(["run", join(tmp, "nope.yaml")]).code).toBe(2);
    expect(cli(["frobnicate"]).code).toBe(2);
    expect(cli(["run", scenarioFile("s.yaml", TINY), "--seed", "-4"]).code).toBe(2);
  });
});

describe("brokersim validate and list", () => {
  it("validates good and bad files", () => {
    expect(cli(["validate", scenarioFile("v.yaml", TINY)]).code).toBe(0);
    const bad = cli(["validate", scenarioFile("v2.yaml", TINY.replace("rate: 200/s", "rate: fast"))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/v2\.yaml:6:\d+ +producers\[0\]\.rate: expected a rate/);
  });

  it("runs a bundled scenario by name from any directory and replays it by name", () => {
    const r = cli(["run", "baseline", "--json", "--out", join(tmp, "out5")], { cwd: tmp });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.scenario.file).toBe("scenarios/baseline.yaml");
    expect(result.replay).toBe("brokersim run baseline --seed 1");
  });

  it("lists the bundled scenarios with one-line descriptions", () => {
    const r = cli(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^baseline +A healthy pipeline/m);
    expect(r.stdout).toMatch(/^slow-consumer +/m);
  });
});

describe("brokersim partition", () => {
  it("prints key<TAB>partition using Kafka's partitioner", () => {
    const r = cli(["partition", "--partitions", "12", "foobar", "21"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`foobar\t${(-790332482 & 0x7fffffff) % 12}\n21\t${(-973932308 & 0x7fffffff) % 12}\n`);
  });

  it("reads keys from stdin and prints JSON", () => {
    const r = cli(["partition", "--partitions", "3", "--json"], { input: "abc\nfoobar\n" });
    expect(JSON.parse(r.stdout)).toEqual([
      { key: "abc", partition: (479470107 & 0x7fffffff) % 3 },
      { key: "foobar", partition: (-790332482 & 0x7fffffff) % 3 },
    ]);
  });

  it("rejects a missing or bad partition count", () => {
    expect(cli(["partition", "a"]).code).toBe(2);
    expect(cli(["partition", "--partitions", "0", "a"]).code).toBe(2);
  });
});
