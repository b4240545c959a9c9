// A few hostile cases through the real CLI process (the rest run in-process in test/hostile/): exit codes,
// usage hints, no stack traces, whole files.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "brokersim.js");
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "brokersim-hostile-cli-"));
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=1024", BIN, ...args], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
  const output = `${r.stdout}${r.stderr}`;
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+/m);
  expect(output).not.toMatch(/internal error|Maximum call stack/);
  return { code: r.status, output };
}

const TINY = "name: tiny\ndescription: d.\nduration: 2s\ndrain: 2s\ntopics: [{ name: t, partitions: 3 }]\nproducers: [{ name: p, topic: t, rate: 200/s }]\n" +
  "consumerGroups: [{ name: g, topic: t, members: 2 }]\nexpect: { hold: [no-loss] }\n";

describe("hostile command lines", () => {
  it("run with no scenario, an empty seed, a negative seed range: exit 2 with a usage hint", () => {
    let r = cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/no scenario given\n\s+hint: usage: brokersim run/);
    writeFileSync(join(tmp, "tiny.yaml"), TINY);
    r = cli(["run", "tiny.yaml", "--seed", ""]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/--seed: expected a whole number >= 0, found ""/);
    r = cli(["sweep", "tiny.yaml", "--seeds", "-5..5"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/--seeds: .*"-5..5"/);
  });

  it("--out naming a file: exit 2, nothing written", () => {
    writeFileSync(join(tmp, "tiny.yaml"), TINY);
    writeFileSync(join(tmp, "afile"), "x");
    const r = cli(["run", "tiny.yaml", "--out", "afile"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/afile is a file, not a directory/);
    expect(readFileSync(join(tmp, "afile"), "utf8")).toBe("x");
  });

  it("a stack-overflow bomb and a too-large run are refused up front with exit 2", () => {
    writeFileSync(join(tmp, "deep.yaml"), `${TINY}deep: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
    let r = cli(["run", "deep.yaml"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/nesting-depth limit/);
    writeFileSync(join(tmp, "huge.yaml"), TINY.replace("rate: 200/s", "rate: 100000000/s").replace("duration: 2s", "duration: 1h"));
    r = cli(["run", "huge.yaml", "--out", "o-huge"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/above the budget[\s\S]*--max-events[\s\S]*--allow-large/);
    expect(existsSync(join(tmp, "o-huge"))).toBe(false);
  });

  it("a run that reaches --max-events stops cleanly: exit 2, PARTIAL, result.json whole and marked partial", () => {
    writeFileSync(join(tmp, "tiny.yaml"), TINY);
    const r = cli(["run", "tiny.yaml", "--out", "o-partial", "--allow-large", "--max-events", "1000"]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/PARTIAL {2}tiny: the run stopped at its event budget \(1000 events\)/);
    const dir = join(tmp, "o-partial", "tiny", "seed-1");
    expect(readdirSync(dir).sort()).toEqual(["anomalies.jsonl", "report.html", "result.json"]);
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    expect(result.partial.reason).toBe("event-budget");
    expect(result.verdicts.every((v: { partial?: boolean }) => v.partial)).toBe(true);
  });
});
