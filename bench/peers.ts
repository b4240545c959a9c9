// brokersim next to the general-purpose simulators a user could pick instead: the same M/M/1 queue (λ 0.9,
// μ 1, 10^6 customers by default) in brokersim (a scenario: one SQS standard queue, one long-polling consumer
// taking one message at a time, no network delay, history, metrics and the scenario's checks on), simjs 2.0.3
// and SimPy 3 (Debian's python3-simpy3 under /usr/bin/python3; skipped with a note when absent).
// Each run is a fresh process; the peers are interleaved round by round so drift on a shared machine hits them
// alike; figures are medians. CPU is the whole process's user+sys (start-up included) and, beside it, the
// simulation alone (after the model is built). brokersim's mean wait is checked against the closed form
// Wq = ρ/(μ−λ) so the bench keeps measuring an M/M/1 queue.
// Alone: `npx tsx bench/peers.ts`; in the suite: `npm run bench peers`.
// BENCH_CUSTOMERS and BENCH_ROUNDS override 10^6 and 3. BENCH_COMPARE_WITH=<another checkout of brokersim,
// built> adds its brokersim as one more interleaved peer, to compare two versions in the same run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PEERS = join(ROOT, "bench", "peers");
const PYTHON = "/usr/bin/python3";
const LAMBDA = 0.9;
const MU = 1;

interface Sample {
  customers: number;
  meanWait: number;
  cpuUs: number;
  setupCpuUs: number;
  peakRssKB: number;
  passed?: boolean;
  verdicts?: string;
  compiled?: boolean;
  events?: number;
}

interface Peer {
  name: string;
  /** The command for a run of `customers` customers (the fixed footprint is a run of FIXED_CUSTOMERS). */
  command: (customers?: number) => [string, string[]] | string;
}

/** Customers of the tiny run whose peak RSS stands for a process's fixed footprint (code, heap at rest). */
const FIXED_CUSTOMERS = 1000;
/** Issue target: peak RSS above the fixed footprint per simulated message. */
const BYTES_PER_MESSAGE_TARGET = 300;

function simpyAvailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ["-c", "import simpy; print(simpy.__version__)"], { encoding: "utf8" });
  if (r.status !== 0) return "python3-simpy3 not installed (apt-get install python3-simpy3)";
  return undefined;
}

function peers(customers: number, seed: number): Peer[] {
  const args = (n = customers) => [String(LAMBDA), String(MU), String(n), String(seed)];
  const compiled = existsSync(join(ROOT, "dist", "runner", "run-scenario.js"));
  const simpyMissing = simpyAvailable();
  return [
    {
      name: compiled ? "brokersim" : "brokersim (sources via tsx; run `npm run build`)",
      command: (n) => [process.execPath, [...(compiled ? [] : ["--import", "tsx"]), join(PEERS, "mm1-brokersim.mjs"), ...args(n)]],
    },
    ...compareWith(args),
    { name: "simjs 2.0.3", command: (n) => [process.execPath, [join(PEERS, "mm1-simjs.cjs"), ...args(n)]] },
    { name: "SimPy 3", command: (n) => simpyMissing ?? [PYTHON, [join(PEERS, "mm1_simpy.py"), ...args(n)]] },
  ];
}

function compareWith(args: (n?: number) => string[]): Peer[] {
  const other = process.env.BENCH_COMPARE_WITH;
  if (!other) return [];
  const child = join(other, "bench", "peers", "mm1-brokersim.mjs");
  const compiled = existsSync(join(other, "dist", "runner", "run-scenario.js"));
  return [{
    name: `brokersim at ${other}`,
    command: (n) => existsSync(child) ? [process.execPath, [...(compiled ? [] : ["--import", "tsx"]), child, ...args(n)]] : `${child} not found (copy it there)`,
  }];
}

function runOnce(cmd: [string, string[]]): Sample {
  const r = spawnSync(cmd[0], cmd[1], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench child ${cmd[1].join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function benchPeers(): object[] {
  const customers = Number(process.env.BENCH_CUSTOMERS ?? 1e6);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const list = peers(customers, 1);
  const samples = new Map<string, Sample[]>(list.map((p) => [p.name, []]));
  const fixed = new Map<string, number[]>(list.map((p) => [p.name, []]));
  const notes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const p of list) {
      const cmd = p.command();
      if (typeof cmd === "string") {
        if (round === 0) notes.push(`${p.name} skipped: ${cmd}`);
        continue;
      }
      samples.get(p.name)!.push(runOnce(cmd));
      // The same program on a tiny run: its peak RSS is the fixed footprint the per-customer figure excludes.
      fixed.get(p.name)!.push(runOnce(p.command(FIXED_CUSTOMERS) as [string, string[]]).peakRssKB);
    }
  }
  const theory = (LAMBDA / MU) / (MU - LAMBDA);
  const rows: Record<string, unknown>[] = [];
  for (const p of list) {
    const s = samples.get(p.name)!;
    if (s.length === 0) continue;
    const perCustomer = median(s.map((x) => x.cpuUs / x.customers));
    const simPerCustomer = median(s.map((x) => (x.cpuUs - x.setupCpuUs) / x.customers));
    rows.push({
      simulator: p.name,
      customers: s[0]!.customers,
      "CPU µs/customer": Number(perCustomer.toFixed(2)),
      "sim only µs/customer": Number(simPerCustomer.toFixed(2)),
      "start-up CPU s": Number(median(s.map((x) => x.setupCpuUs / 1e6)).toFixed(2)),
      "peak RSS MB": Math.round(median(s.map((x) => x.peakRssKB)) / 1024),
      "fixed RSS MB": Math.round(median(fixed.get(p.name)!) / 1024),
      "B/customer above fixed": Math.round(((median(s.map((x) => x.peakRssKB)) - median(fixed.get(p.name)!)) * 1024) / s[0]!.customers),
      "mean wait (theory 9)": Number(median(s.map((x) => x.meanWait)).toFixed(3)),
      ...(s[0]!.events !== undefined ? { "events/customer": Number((s[0]!.events! / s[0]!.customers).toFixed(2)) } : {}),
      ...(s[0]!.verdicts !== undefined ? { checks: `${s.every((x) => x.passed) ? "expectations met" : "EXPECTATION FAILED"}` } : {}),
    });
  }
  const b = rows[0]!;
  for (const r of rows) {
    r["brokersim ÷ this (CPU)"] = Number(((b["CPU µs/customer"] as number) / (r["CPU µs/customer"] as number)).toFixed(2));
    r["brokersim ÷ this (sim)"] = Number(((b["sim only µs/customer"] as number) / (r["sim only µs/customer"] as number)).toFixed(2));
  }
  // At load 0.9 one run of 10^6 customers has ~2% standard error on the mean wait: 10% apart means a wrong model.
  const bw = b["mean wait (theory 9)"] as number;
  if (Math.abs(bw - theory) / theory > 0.1) notes.push(`brokersim mean wait ${bw} is more than 10% from M/M/1's ${theory}: the model is not M/M/1`);
  const bytes = b["B/customer above fixed"] as number;
  notes.push(`brokersim peak RSS per customer above its fixed footprint: ${bytes} B (target <= ${BYTES_PER_MESSAGE_TARGET}: ${bytes <= BYTES_PER_MESSAGE_TARGET ? "met" : "NOT met"})`);
  for (const n of notes) console.log(`note: ${n}`);
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.table(benchPeers());
