// The replicated cluster under load: replication factor 3 on 3 brokers, 48 partitions, 1 million messages
// (50,000/s for 20 s, acks=all, min.insync.replicas=2, idempotent producer) and broker-1 crashing at 10 s
// (back at 20 s). Reports simulated messages per CPU-second of the whole run (simulation + checkers) and peak
// memory (the process's max RSS). Runs in a child process (compiled when dist/ is built) so the peak belongs
// to this run alone. BENCH_ROUNDS and BENCH_COMPARE_WITH as in bench/scenario.ts.
// Alone: `npx tsx bench/cluster.ts`; in the suite: `npm run bench cluster`.
import { fileURLToPath } from "node:url";
import { checkouts, isCompiled, median, runChild } from "./children/spawn.ts";

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

export async function benchCluster(): Promise<Record<string, unknown>[]> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const samples = new Map<string, Record<string, unknown>[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of checkouts()) {
      if (!samples.has(c.label)) samples.set(c.label, []);
      samples.get(c.label)!.push(runChild(c.root, "run-scenario.mjs", ["-"], SCENARIO));
    }
  }
  return checkouts().map((c) => {
    const xs = samples.get(c.label)!;
    const cpuS = median(xs.map((x) => x.cpuS as number));
    const x = xs[0]!;
    return {
      checkout: c.label,
      compiled: isCompiled(c.root),
      messages: x.messages,
      acknowledged: x.acknowledged,
      events: x.events,
      queuedEvents: x.queuedEvents,
      cpuS: Number(cpuS.toFixed(2)),
      messagesPerCpuS: Math.round((x.messages as number) / cpuS),
      peakRssMB: median(xs.map((y) => y.peakRssMB as number)),
      expectationsMet: xs.every((y) => y.passed),
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.table(await benchCluster());
