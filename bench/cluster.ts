// The replicated cluster under load: replication factor 3 on 3 brokers, 48 partitions, 1 million messages
// (50,000/s for 20 s, acks=all, min.insync.replicas=2, idempotent producer) and broker-1 crashing at 10 s
// (back at 20 s). Reports simulated messages per CPU-second of the whole run (simulation + checkers) and peak
// memory (the process's max RSS). Runs in a child process so the peak belongs to this run alone.
// Alone: `npx tsx bench/cluster.ts`; in the suite: `npm run bench cluster`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const SCENARIO = `
name: bench-cluster
description: Replication factor 3, 48 partitions, 1M messages, a broker crash in the middle.
duration: 20s
drain: 10s
cluster: { brokers: 3 }
topics:
  - { name: bench, partitions: 48, replicationFactor: 3, minInsyncReplicas: 2 }
producers:
  - { name: load, topic: bench, rate: 50000/s, arrivals: constant, acks: all, requestTimeout: 5s, keys: { count: 100000 } }
faults:
  - { at: 10s, crash: broker-1, for: 10s }
expect:
  hold: [no-lost-write, no-duplicate-offsets, no-producer-reorder]
`;

async function measure(): Promise<Record<string, unknown>> {
  const { loadScenarioText } = await import("../src/scenario/load.ts");
  const { runScenario } = await import("../src/runner/run-scenario.ts");
  const scenario = loadScenarioText(SCENARIO, "bench/cluster.ts");
  const cpu0 = process.cpuUsage();
  const { result } = runScenario(scenario, { seed: 1, file: "bench/cluster.ts" });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    messages: result.metrics.produced,
    acknowledged: result.metrics.acknowledged,
    events: result.events,
    cpuS: Number(cpuS.toFixed(2)),
    messagesPerCpuS: Math.round(result.metrics.produced / cpuS),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    expectationsMet: result.passed,
  };
}

export async function benchCluster(): Promise<Record<string, unknown>> {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--child")) console.log(JSON.stringify(await measure()));
  else console.table(await benchCluster());
}
