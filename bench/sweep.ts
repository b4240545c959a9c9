// Sweep throughput: seeds per second of wall time at --jobs 1 and --jobs 2 on the bundled partitions-12
// scenario (20 s of 1500 msg/s, 12 consumers). "steady" leaves out the pool's start-up (each thread loads
// tsx and compiles the sources once): it is the rate between the first and the last finished seed.
// The speedup can only approach the number of idle cores, so the machine's load average is printed too, and
// a control: the same pure-CPU loop in 1 and in 2 plain worker threads. Its speedup is what the machine gives
// this process right now (on a shared machine with autogrouped scheduling, often much less than 2).
// Alone: `npx tsx bench/sweep.ts`; in the suite: `npm run bench sweep`.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { runSweep } from "../src/explore/sweep.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILE = "scenarios/partitions-12.yaml";
const SEEDS = 12;

async function measure(jobs: number): Promise<Record<string, number | string>> {
  const text = readFileSync(join(ROOT, FILE), "utf8");
  const load = os.loadavg()[0]!;
  const finished: number[] = [];
  const t0 = performance.now();
  const summary = await runSweep({ text, file: FILE, from: 1, to: SEEDS, jobs, onProgress: () => finished.push(performance.now()) });
  const totalS = (performance.now() - t0) / 1000;
  const spanS = (finished[finished.length - 1]! - finished[0]!) / 1000;
  return {
    jobs,
    seeds: summary.counts.run,
    wallS: Number(totalS.toFixed(2)),
    seedsPerS: Number((summary.counts.run / totalS).toFixed(3)),
    steadySeedsPerS: Number(((finished.length - 1) / spanS).toFixed(3)),
    loadAvgBefore: Number(load.toFixed(2)),
  };
}

const SPIN = `let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; require("node:worker_threads").parentPort.postMessage(x);`;

async function spin(threads: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(SPIN, { eval: true });
    w.once("message", () => void w.terminate().then(() => resolve()));
    w.once("error", reject);
  })));
  return (performance.now() - t0) / 1000;
}

/** Work done per second with 2 threads over 1 thread, for a loop with no shared state: the ceiling here. */
async function parallelCapacity(): Promise<number> {
  const one = await spin(1);
  const two = await spin(2);
  return Number(((2 * one) / two).toFixed(2));
}

export async function benchSweep(): Promise<Record<string, number | string>[]> {
  const capacityBefore = await parallelCapacity();
  const one = await measure(1);
  const two = await measure(2);
  const capacityAfter = await parallelCapacity();
  return [one, two, {
    jobs: "control",
    pureCpuSpeedup2vs1Before: capacityBefore,
    pureCpuSpeedup2vs1After: capacityAfter,
  }, {
    jobs: "2 vs 1",
    seeds: SEEDS,
    wallS: Number((one.wallS as number / (two.wallS as number)).toFixed(2)),
    seedsPerS: Number(((two.seedsPerS as number) / (one.seedsPerS as number)).toFixed(2)),
    steadySeedsPerS: Number(((two.steadySeedsPerS as number) / (one.steadySeedsPerS as number)).toFixed(2)),
    loadAvgBefore: `${os.cpus().length} cores`,
  }];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.table(await benchSweep());

/**
 * What a user sees: `brokersim sweep partitions-12 --seeds 1..12 --jobs J` as a whole process (start-up, the
 * pool's threads loading the simulator, the summary and its report), wall time, --jobs 1 and 2 alternated
 * twice. With dist/ built the CLI and its threads run compiled JavaScript.
 */
export async function benchSweepCli(): Promise<Record<string, number | string>[]> {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const out = mkdtempSync(join(os.tmpdir(), "brokersim-sweep-bench-"));
  const bin = join(ROOT, "bin", "brokersim.js");
  const wall: Record<number, number[]> = { 1: [], 2: [] };
  const capacityBefore = await parallelCapacity();
  try {
    for (let round = 0; round < 2; round++) {
      for (const jobs of [1, 2]) {
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [bin, "sweep", FILE, "--seeds", `1..${SEEDS}`, "--jobs", String(jobs), "--out", out], { cwd: ROOT, encoding: "utf8" });
        if (r.status !== 0 && r.status !== 1) throw new Error(`sweep failed: ${r.stderr}`);
        wall[jobs]!.push((performance.now() - t0) / 1000);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const capacityAfter = await parallelCapacity();
  const best = (xs: number[]) => Math.min(...xs);
  const rows: Record<string, number | string>[] = [1, 2].map((jobs) => ({
    jobs,
    wallS: Number(best(wall[jobs]!).toFixed(2)),
    seedsPerS: Number((SEEDS / best(wall[jobs]!)).toFixed(3)),
  }));
  rows.push({ jobs: "2 vs 1", wallS: "", seedsPerS: Number((best(wall[1]!) / best(wall[2]!)).toFixed(2)) });
  rows.push({ jobs: "control: pure-CPU 2 vs 1 threads", wallS: `before ${capacityBefore}`, seedsPerS: `after ${capacityAfter}` });
  return rows;
}

/**
 * Where a sweep thread's time goes: CPU and wall per seed, in order, in a fresh thread running the compiled
 * worker (dist/), alone and then beside a second such thread. A thread's first seeds cost several warm ones
 * (V8 optimises the simulator's code per thread), and `--jobs 2` pays that warm-up in every thread: with
 * seeds this short, that bounds the 2-vs-1 ratio more than the cores do. Needs `npm run build`.
 */
export async function benchSweepWarmup(): Promise<Record<string, number | string>[]> {
  const worker = join(ROOT, "dist", "explore", "worker.js");
  const { existsSync } = await import("node:fs");
  if (!existsSync(worker)) return [{ note: "dist/ is not built: run `npm run build`" }];
  const seeds = 8;
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    (async () => {
      const { runSweepTask } = await import(workerData.worker);
      const text = require("node:fs").readFileSync(workerData.file, "utf8");
      const out = [];
      for (let seed = 1; seed <= workerData.seeds; seed++) {
        const c0 = process.cpuUsage(); // the whole process: read it as per-thread only in the "alone" row
        const t0 = performance.now();
        await runSweepTask({ text, file: "bench.yaml", seed, checkDeterminism: false });
        const c = process.cpuUsage(c0);
        out.push({ cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000 });
      }
      parentPort.postMessage(out);
    })();`;
  const runThreads = (n: number) =>
    Promise.all(Array.from({ length: n }, () => new Promise<{ cpuS: number; wallS: number }[]>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { worker: pathToFileURL(worker).href, file: join(ROOT, FILE), seeds } });
      w.once("message", (m) => void w.terminate().then(() => resolve(m)));
      w.once("error", reject);
    })));
  const [alone] = await runThreads(1);
  const pair = await runThreads(2);
  const row = (label: string, xs: { cpuS: number; wallS: number }[], key: "cpuS" | "wallS") =>
    Object.fromEntries([["thread", label], ...xs.map((x, i) => [`seed ${i + 1}`, Number(x[key].toFixed(2))])]);
  return [
    row("alone: process CPU s", alone!, "cpuS"),
    row("alone: wall s", alone!, "wallS"),
    row("beside another: wall s", pair[0]!, "wallS"),
    row("the other: wall s", pair[1]!, "wallS"),
  ];
}
