// Start-up as a user pays it: whole-process CPU (user+sys) of `brokersim --version` and of `run` on a one-second
// scenario including its result.json and report, through bin/brokersim.js (compiled when dist/ is built).
// Targets: --version <= 0.2 s, the run <= 0.6 s. BENCH_ROUNDS (default 5) rounds, medians shown;
// BENCH_COMPARE_WITH=<another built checkout> measures that version too, interleaved round by round.
// A child's CPU is read with bash's `times` (the children's line), which counts the whole process tree.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkouts, isCompiled, median } from "./children/spawn.ts";

const ONE_SECOND = `name: short
description: A one-second run, to measure what starting brokersim costs.
duration: 1s
topics: [{name: t, partitions: 3}]
producers: [{name: p, topic: t, rate: 200/s}]
consumerGroups: [{name: g, topics: [t], members: 2}]
`;

interface Cpu {
  userS: number;
  sysS: number;
}

const seconds = (m: string, s: string) => Number(m) * 60 + Number(s);

/** CPU of `node <args>` run in `cwd`, from bash's `times` (the second line: children of the shell). */
function childCpu(cwd: string, args: string[]): Cpu {
  const r = spawnSync("bash", ["-c", '"$@" >/dev/null 2>&1; s=$?; times; exit $s', "bash", process.execPath, ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? "");
  if (!m) throw new Error(`cannot read bash times output: ${r.stdout}`);
  return { userS: seconds(m[1]!, m[2]!), sysS: seconds(m[3]!, m[4]!) };
}

export async function benchStartup(): Promise<Record<string, unknown>[]> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), "brokersim-startup-"));
  const cases = [
    { name: "--version", targetS: 0.2, args: (_root: string, _i: number) => ["--version"] },
    { name: "run 1 s scenario + report", targetS: 0.6, args: (_root: string, i: number) => ["run", "short.yaml", "--seed", "1", "--quiet", "--out", `out-${i}`] },
  ];
  const samples = new Map<string, Cpu[]>();
  try {
    writeFileSync(join(dir, "short.yaml"), ONE_SECOND);
    const all = checkouts();
    for (let round = 0; round < rounds; round++) {
      for (const [ci, c] of all.entries()) {
        for (const k of cases) {
          const key = `${ci}\0${k.name}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push(childCpu(dir, [join(c.root, "bin", "brokersim.js"), ...k.args(c.root, ci)]));
        }
      }
    }
    return all.flatMap((c, ci) =>
      cases.map((k) => {
        const xs = samples.get(`${ci}\0${k.name}`)!;
        const cpu = xs.map((x) => x.userS + x.sysS);
        return {
          case: k.name,
          checkout: c.label,
          compiled: isCompiled(c.root),
          cpuS: Number(median(cpu).toFixed(3)),
          userS: Number(median(xs.map((x) => x.userS)).toFixed(3)),
          sysS: Number(median(xs.map((x) => x.sysS)).toFixed(3)),
          range: `${Math.min(...cpu).toFixed(2)}-${Math.max(...cpu).toFixed(2)}`,
          targetS: k.targetS,
          met: median(cpu) <= k.targetS ? "yes" : "no",
        };
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.table(await benchStartup());
