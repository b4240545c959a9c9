// `brokersim compare`: two bundled scenarios run with one seed, two result files, two groups of one run; the
// page, its JSON and the index link; bad input exits 2 with a message that says what to do.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { CompareResult } from "../../src/compare/compare-types.ts";
import { buildFixtureResult } from "../report/fixture.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
const PLAIN = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));

let tmp: string;
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8", env: PLAIN });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const readCompare = (file: string): CompareResult => JSON.parse(readFileSync(join(tmp, file), "utf8")) as CompareResult;

function scenario(name: string, expect: string, extra = ""): string {
  return `name: ${name}
description: A small run.
duration: 1s
drain: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 100/s }]
consumerGroups: [{ name: g, topic: t${extra ? `, ${extra}` : ""} }]
expect: { ${expect} }
`;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-compare-"));
  writeFileSync(join(tmp, "fast.yaml"), scenario("fast", "hold: [no-loss]"));
  writeFileSync(join(tmp, "slow.yaml"), scenario("slow", "latency: { p99: 5ms }", "processing: { time: 20ms }"));
});

describe("brokersim compare of two bundled scenarios", () => {
  it("runs 1 vs 12 partitions with one seed, writes the page and JSON, links them from the index, exit 0", () => {
    const r = cli(["compare", "partitions-1", "partitions-12", "--seed", "3"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The terminal table: both sides, verdicts and metrics, the direction of each difference.
    expect(r.stdout).toMatch(/^compare partitions-1 and partitions-12 {2}seed 3$/m);
    expect(r.stdout).toMatch(/^ {2}no-loss +holds +holds/m);
    expect(r.stdout).toMatch(/^ {2}latency p99 .*partitions-12 lower$/m);
    expect(r.stdout).toMatch(/^ {2}rebalances \(indexer\)/m);
    expect(existsSync(join(tmp, "reports", "compare-partitions-1-vs-partitions-12.html"))).toBe(true);
    const c = readCompare("reports/compare-partitions-1-vs-partitions-12.json");
    expect(c.mode).toBe("scenarios");
    expect([c.a.seed, c.b.seed]).toEqual([3, 3]);
    expect(c.a.reportHref).toBe("partitions-1/seed-3/report.html");
    expect(existsSync(join(tmp, "reports", "partitions-12", "seed-3", "report.html"))).toBe(true);
    expect(c.verdicts.map((v) => v.invariant)).toContain("per-key-order");
    expect(c.verdicts.every((v) => v.a === "holds" && v.b === "holds" && !v.differs)).toBe(true);
    const p99 = c.metrics.find((m) => m.metric === "latency p99")!;
    expect(p99.favours).toBe("b");
    expect(p99.delta!).toBeLessThan(0);
    expect(p99.ratio!).toBeLessThan(0.1);
    const throughput = c.metrics.find((m) => m.metric === "throughput, processed")!;
    expect(throughput.b!).toBeGreaterThan(throughput.a!);
    expect(c.metrics.map((m) => m.metric)).toEqual(expect.arrayContaining(["max lag (indexer)", "rebalances (indexer)", "partitions unowned, summed (indexer)", "anomalies"]));
    expect(c.series.a.lag.length).toBeGreaterThan(0);
    const index = readFileSync(join(tmp, "reports", "index.html"), "utf8");
    expect(index).toContain('href="compare-partitions-1-vs-partitions-12.html"');
    expect(index).toContain('href="partitions-1/seed-3/report.html"');
  });

  it("compares the two result.json files just written, with their seed, and the JSON is the same", () => {
    const before = readFileSync(join(tmp, "reports", "compare-partitions-1-vs-partitions-12.json"), "utf8");
    const r = cli(["compare", "reports/partitions-1/seed-3/result.json", "reports/partitions-12/seed-3/result.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/seed 3$/m);
    const after = readFileSync(join(tmp, "reports", "compare-partitions-1-vs-partitions-12.json"), "utf8");
    expect(after).toBe(before);
  });

  it("compares two consumer groups of one run: eager vs cooperative", () => {
    const r = cli(["compare", "groups-eager-vs-cooperative", "--groups", "eager", "cooperative", "--json"]);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as CompareResult;
    expect(c.mode).toBe("groups");
    expect([c.a.label, c.b.label]).toEqual(["eager", "cooperative"]);
    const unowned = c.metrics.find((m) => m.metric === "partitions unowned, summed")!;
    expect(unowned.favours).toBe("b");
    const rebalances = c.metrics.find((m) => m.metric === "rebalances")!;
    expect(rebalances.b!).toBeGreaterThan(rebalances.a!);
    // Each group's own processed count: both groups read every record.
    const processed = c.metrics.find((m) => m.metric === "messages processed")!;
    expect(processed.a).toBe(processed.b);
    expect(processed.a!).toBeGreaterThan(0);
    expect(existsSync(join(tmp, "reports", "compare-groups-eager-vs-cooperative-eager-vs-cooperative.html"))).toBe(true);
  });

  it("exits 1 when a side does not meet its expectations, and says which", () => {
    const r = cli(["compare", "fast.yaml", "slow.yaml", "--out", "o2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}slow: unmet latency p99/m);
    expect(r.stdout).toMatch(/^PASS {2}fast$/m);
  });
});

describe("brokersim compare refuses bad input with exit 2", () => {
  it("a missing scenario file", () => {
    const r = cli(["compare", "fast.yaml", "missing.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.yaml");
  });

  it("a missing result file", () => {
    const r = cli(["compare", "fast.yaml", "nowhere/result.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nowhere/result.json: no such file");
  });

  it("an unknown bundled name, with a did-you-mean", () => {
    const r = cli(["compare", "partitions-1", "partitons-12"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "partitions-12"?');
    expect(r.stderr).toContain("brokersim list");
  });

  it("--seed with result files, which already have theirs", () => {
    mkdirSync(join(tmp, "o4"), { recursive: true });
    for (const n of ["x", "y"]) writeFileSync(join(tmp, "o4", `${n}.json`), JSON.stringify({ ...buildFixtureResult({ name: n }), seed: 3 }));
    const r = cli(["compare", "o4/x.json", "o4/y.json", "--seed", "4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("already run with seed 3 and 3");
  });

  it("result files of different seeds, unless asked", () => {
    // Two results of one scenario and different seeds, written by hand (no runs needed).
    mkdirSync(join(tmp, "o3"), { recursive: true });
    writeFileSync(join(tmp, "o3", "seed-5.json"), JSON.stringify({ ...buildFixtureResult({ name: "fast" }), seed: 5, passed: true, expectations: [] }));
    writeFileSync(join(tmp, "o3", "seed-6.json"), JSON.stringify({ ...buildFixtureResult({ name: "fast" }), seed: 6, passed: true, expectations: [] }));
    const files = ["o3/seed-5.json", "o3/seed-6.json"];
    const r = cli(["compare", ...files, "--out", "o3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("different seeds (5 and 6)");
    expect(r.stderr).toContain("--allow-seed-mismatch");
    const ok = cli(["compare", ...files, "--out", "o3", "--allow-seed-mismatch"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("note: The sides ran with different seeds");
    expect(existsSync(join(tmp, "o3", "compare-fast-seed-5-vs-6.html"))).toBe(true);
  });

  it("a seed that is not a number, echoed as typed", () => {
    const r = cli(["compare", "fast.yaml", "slow.yaml", "--seed", "abc"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('found "abc"');
  });

  it("a file that is not a result.json", () => {
    writeFileSync(join(tmp, "other.json"), JSON.stringify({ hello: 1 }));
    const r = cli(["compare", "fast.yaml", "other.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("other.json: not a brokersim result.json");
  });

  it("one side only, or --groups with a group the scenario lacks", () => {
    const one = cli(["compare", "fast.yaml"]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("expected two scenarios or result files, found 1");
    const group = cli(["compare", "groups-eager-vs-cooperative", "--groups", "eager", "cooperativ"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('no consumer group "cooperativ"');
    expect(group.stderr).toContain('did you mean "cooperative"?');
    const three = cli(["compare", "groups-eager-vs-cooperative", "--groups", "eager"]);
    expect(three.code).toBe(2);
    expect(three.stderr).toContain("expected two consumer group names, found 1");
  });
});
