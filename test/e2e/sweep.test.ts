import { describe, expect, it, beforeAll } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
// Printed commands follow how the tool was launched (npx or not): run it as a plain process here.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8", env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: ENV });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("close", (code) => resolve({ code, stdout }));
  });
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-sweep-"));
  writeFileSync(join(tmp, "tiny.yaml"), TINY);
});

// p99 around the bound: some seeds meet it, some do not.
const TINY = `name: tiny
description: A tiny run whose latency bound fails for some seeds.
duration: 1s
drain: 1s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 300/s, keys: { count: 10 } }]
consumerGroups: [{ name: g, topic: t, members: 1, processing: { time: { exponential: { mean: 2500us } } } }]
expect:
  hold: [no-loss]
  latency: { p99: 60ms }
coverage: [{ latency-above: 50ms }, produce-fail]
`;

describe("brokersim sweep", () => {
  it("exits 1 when some seeds fail, lists them with replay commands, flags unreached coverage and writes summary + report", () => {
    const r = cli(["sweep", "tiny.yaml", "--seeds", "1..6", "--jobs", "2", "--out", "out"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sweep tiny: 6 of 6 seeds run, \d passed, [1-6] failed/);
    expect(r.stdout).toMatch(/failing seeds \(\d\); replay each with:\n {2}brokersim run tiny\.yaml --seed \d+ {4}# latency p99 <= 60ms/);
    expect(r.stdout).toMatch(/UNREACHED\s+produce-fail/);
    expect(r.stdout).toMatch(/reached\s+latency-above 50ms\s+in \d of 6 seeds \(first: seed \d\)/);
    const summary = JSON.parse(readFileSync(join(tmp, "out", "tiny", "sweep", "summary.json"), "utf8"));
    expect(summary.complete).toBe(true);
    expect(summary.rows).toHaveLength(6);
    expect(existsSync(join(tmp, "out", "tiny", "sweep", "report.html"))).toBe(true);
    // Not a terminal: plain progress lines, no carriage returns.
    expect(r.stderr).toMatch(/progress: 6\/6 seeds/);
    expect(r.stderr).not.toContain("\r");
  });

  it("merges shards run as separate processes into exactly the unsharded summary", async () => {
    const whole = cli(["sweep", "tiny.yaml", "--seeds", "1..5", "--jobs", "1", "--out", "whole"]);
    expect(whole.code).not.toBe(3);
    const shards = await Promise.all([0, 1, 2].map((i) => cliAsync(["sweep", "tiny.yaml", "--seeds", "1..5", "--jobs", "1", "--shard", `${i}/3`, "--out", "shards"])));
    for (const s of shards) expect(s.code).not.toBe(3);
    const files = [0, 1, 2].map((i) => join("shards", "tiny", `sweep-shard-${i}-of-3`, "summary.json"));
    const merged = cli(["merge", ...files, "--out", "merged"]);
    expect(merged.code).toBe(whole.code);
    const a = readFileSync(join(tmp, "whole", "tiny", "sweep", "summary.json"), "utf8");
    const b = readFileSync(join(tmp, "merged", "tiny", "sweep", "summary.json"), "utf8");
    expect(b).toBe(a);
  });

  it("refuses a bad seed range or shard with exit 2 and a hint", () => {
    const r = cli(["sweep", "tiny.yaml", "--seeds", "9..3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seeds: expected a range like 1\.\.1000, found "9\.\.3"\n {2}hint:/);
    const s = cli(["sweep", "tiny.yaml", "--seeds", "1..3", "--shard", "3/3"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--shard: expected I\/N with 0 <= I < N/);
  });

  it("reports a bad scenario at file:line:col with exit 2 before starting workers", () => {
    writeFileSync(join(tmp, "bad.yaml"), TINY.replace("partitions: 1", "partitions: { range: [1] }"));
    const r = cli(["sweep", "bad.yaml", "--seeds", "1..3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+ {2}topics\[0\]\.partitions\.range: range needs exactly two bounds/);
  });

  it("stops cleanly on Ctrl-C with a valid partial summary", async () => {
    const child = spawn(process.execPath, [BIN, "sweep", "tiny.yaml", "--seeds", "1..500", "--jobs", "2", "--out", "intr"], { cwd: tmp, env: ENV });
    let stderr = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        if (/progress: [1-9]/.test(stderr) && !child.killed) child.kill("SIGINT");
      });
      child.on("close", resolve);
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: stopping/);
    const summary = JSON.parse(readFileSync(join(tmp, "intr", "tiny", "sweep", "summary.json"), "utf8"));
    expect(summary.complete).toBe(false);
    expect(summary.counts.run).toBeGreaterThan(0);
    expect(summary.counts.run).toBeLessThan(500);
  });
});

describe("brokersim replay, shrink and run --check-determinism", () => {
  it("writes the domain trace as JSON lines, the same bytes for the same seed, and prints a message's lineage in the system's words", () => {
    const r = cli(["replay", "tiny.yaml", "--seed", "2", "--trace", "trace.jsonl", "--message", "m-3", "--until", "800ms", "--partition", "t-0"]);
    // Cut short at 800 ms, records are still in flight: no-loss is unmet in that partial history, and says so.
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("FAIL  expectations not met in the history up to 800ms: hold: no-loss (the whole run may still meet them: replay without --until)");
    const bytes = readFileSync(join(tmp, "trace.jsonl"), "utf8");
    const lines = bytes.trim().split("\n");
    expect(r.stdout).toContain(`trace: ${lines.length} history events written to trace.jsonl`);
    const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.find((o) => o.op === "produce-attempt")).toEqual({ t: expect.any(Number), op: "produce-attempt", node: "p", msg: "m-0", key: expect.stringMatching(/^key-\d+$/), partition: expect.stringMatching(/^t-[01]$/), text: expect.stringMatching(/^producer p sent m-0 \(key key-\d+\) to t-[01]$/) });
    expect(Math.max(...rows.map((o) => o.t as number))).toBeLessThanOrEqual(800_000);
    expect(bytes).not.toMatch(/\bactor -?\d|\baux\b|undefined/);
    expect(r.stdout).toMatch(/lineage:\nm-3: key key-\d+, from p to t, created at/);
    expect(r.stdout).toMatch(/g-0 \(group g\) finished processing it \(t-0 offset 3\)/);
    expect(r.stdout).not.toMatch(/\bactor -?\d|\baux\b/);
    expect(r.stdout).toMatch(/partition timeline:\npartition t-0: \d+ rows\n/);
    const again = cli(["replay", "tiny.yaml", "--seed", "2", "--trace", "trace2.jsonl", "--until", "800ms"]);
    expect(again.code).toBe(1);
    expect(readFileSync(join(tmp, "trace2.jsonl"), "utf8")).toBe(bytes);
  });

  it("shrinks a failing seed of the bundled slow consumer (with its latency bound made strict) to a smaller scenario that still fails", () => {
    const slow = readFileSync(join(ROOT, "scenarios", "slow-consumer.yaml"), "utf8").replace(/\n\s*latencyViolated: true/, "");
    writeFileSync(join(tmp, "slow.yaml"), slow);
    const r = cli(["shrink", "slow.yaml", "--seed", "1", "--max-runs", "40", "--out", "slow-min.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kept failing: latency p99 <= 200ms/);
    expect(r.stdout).toMatch(/\d+ runs/);
    expect(r.stdout).toMatch(/duration: 30s → \d+s/);
    const min = readFileSync(join(tmp, "slow-min.yaml"), "utf8");
    expect(min).toMatch(/^seed: 1$/m);
    const again = cli(["run", "slow-min.yaml", "--out", "min-out"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/FAIL {2}latency p99 <= 200ms/);
  });

  it("says a passing seed has nothing to shrink, with exit 2", () => {
    const r = cli(["shrink", join(ROOT, "scenarios", "slow-consumer.yaml"), "--seed", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/meets every expectation .* there is no failure to shrink/);
  });

  it("runs a swarm scenario: prints the drawn configuration and stores it in result.json, the same for the same seed", () => {
    writeFileSync(join(tmp, "swarm.yaml"), TINY.replace("partitions: 1", "partitions: { oneOf: [1, 2, 3] }").replace("rate: 300/s", "rate: { range: [100/s, 300/s] }"));
    const a = cli(["run", "swarm.yaml", "--seed", "11", "--out", "sw1"]);
    const b = cli(["run", "swarm.yaml", "--seed", "11", "--out", "sw2"]);
    expect(a.stdout).toMatch(/swarm draws \(this seed's configuration\): topics\[0\]\.partitions = [123], producers\[0\]\.rate = "\d+\/s"/);
    const ra = JSON.parse(readFileSync(join(tmp, "sw1", "tiny", "seed-11", "result.json"), "utf8"));
    expect(ra.swarm.map((d: { path: string }) => d.path)).toEqual(["topics[0].partitions", "producers[0].rate"]);
    expect(readFileSync(join(tmp, "sw2", "tiny", "seed-11", "result.json"), "utf8")).toBe(readFileSync(join(tmp, "sw1", "tiny", "seed-11", "result.json"), "utf8"));
  });

  it("checks determinism of a run against a worker thread", () => {
    const r = cli(["run", "tiny.yaml", "--seed", "4", "--check-determinism", "--out", "det"]);
    expect(r.stdout).toMatch(/determinism: ok, main thread vs worker thread: same fingerprint [0-9a-f]{16} and byte-identical result/);
  });
});
