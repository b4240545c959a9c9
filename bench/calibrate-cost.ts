// Fits the cost estimate's coefficients (src/runner/cost-estimate.ts) to the real event counts of every bundled
// scenario, and measures events per CPU-second, which sets the default event budget. Run: npx tsx bench/calibrate-cost.ts
// (it runs every bundled scenario once, about a minute). It prints the fitted coefficients and, per scenario,
// the real count, the estimate with the current coefficients and their ratio.
import { readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../src/scenario/load.ts";
import { runScenario } from "../src/runner/run-scenario.ts";
import { COST_COEFFICIENTS, estimateCost } from "../src/runner/cost-estimate.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "scenarios");
// Timers that fire whatever the load keep their modelled cost (request + response + timer); the bundled
// scenarios barely exercise them, so a fit would only absorb noise into them.
const FIXED = ["perHeartbeat", "perIdlePoll", "perFollowerFetch", "perQueuePoll", "perRandomFault", "base"];
const keys = Object.keys(COST_COEFFICIENTS).filter((k) => !FIXED.includes(k)) as (keyof typeof COST_COEFFICIENTS)[];
const saved = { ...COST_COEFFICIENTS };
const C = COST_COEFFICIENTS as Record<string, number>;

const rows: { file: string; actual: number; target: number; estimate: number; features: number[]; cpuS: number }[] = [];
for (const f of readdirSync(DIR).filter((x) => x.endsWith(".yaml")).sort()) {
  const s = loadScenarioFile(join(DIR, f));
  const features = keys.map((k) => {
    for (const j of Object.keys(C)) C[j] = 0;
    C[k] = 1;
    return estimateCost(s).events;
  });
  for (const j of Object.keys(C)) C[j] = FIXED.includes(j) ? saved[j as keyof typeof saved] : 0;
  const fixedPart = estimateCost(s).events;
  Object.assign(C, saved);
  const cpu0 = process.cpuUsage();
  const { result } = runScenario(s, { seed: s.seed, file: f });
  const cpu = process.cpuUsage(cpu0);
  rows.push({ file: f, actual: result.events, target: Math.max(result.events - fixedPart, result.events * 0.05), estimate: estimateCost(s).events, features, cpuS: (cpu.user + cpu.system) / 1e6 });
}

// Least squares on relative error (each row divided by its real count), coefficients kept >= 0 by dropping
// features that come out negative and solving again.
let active = keys.map((_, i) => i);
let coef: number[] = [];
for (let round = 0; round < keys.length; round++) {
  const n = active.length;
  const A = Array.from({ length: n }, () => new Array(n).fill(0));
  const b = new Array(n).fill(0);
  for (const r of rows) {
    const x = active.map((i) => r.features[i]! / r.target);
    for (let p = 0; p < n; p++) {
      b[p] += x[p]!;
      for (let q = 0; q < n; q++) A[p]![q] += x[p]! * x[q]!;
    }
  }
  for (let p = 0; p < n; p++) A[p]![p] += 1e-9;
  // Gaussian elimination.
  for (let p = 0; p < n; p++) {
    let m = p;
    for (let q = p + 1; q < n; q++) if (Math.abs(A[q]![p]) > Math.abs(A[m]![p])) m = q;
    [A[p], A[m]] = [A[m]!, A[p]!];
    [b[p], b[m]] = [b[m], b[p]];
    for (let q = p + 1; q < n; q++) {
      const k = A[q]![p] / A[p]![p];
      for (let r = p; r < n; r++) A[q]![r] -= k * A[p]![r];
      b[q] -= k * b[p];
    }
  }
  coef = new Array(n).fill(0);
  for (let p = n - 1; p >= 0; p--) {
    let v = b[p];
    for (let q = p + 1; q < n; q++) v -= A[p]![q] * coef[q]!;
    coef[p] = v / A[p]![p];
  }
  const negative = coef.findIndex((c) => c < 0);
  if (negative < 0) break;
  active = active.filter((_, j) => j !== negative);
}
console.log("fitted (features never exercised by a bundled scenario keep their prior):");
active.forEach((i, j) => console.log(`  ${keys[i]}: ${coef[j]!.toFixed(2)}`));
let totalEvents = 0;
let totalCpu = 0;
for (const r of rows) {
  totalEvents += r.actual;
  totalCpu += r.cpuS;
  console.log(`${r.file.padEnd(40)} real ${String(r.actual).padStart(9)}  estimate ${String(Math.round(r.estimate)).padStart(9)}  ratio ${(r.estimate / r.actual).toFixed(2)}  ${Math.round(r.actual / r.cpuS)} events/CPU-s`);
}
console.log(`all bundled scenarios: ${totalEvents} events in ${totalCpu.toFixed(1)} CPU-s = ${Math.round(totalEvents / totalCpu)} events/CPU-s`);
