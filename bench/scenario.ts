// End-to-end: a bundled scenario stretched to a long run; simulated messages per CPU-second and peak memory.
// Each measurement runs in a fresh child process (bench/children/run-scenario.mjs, compiled when dist/ is
// built, as users run it) so peak RSS belongs to that run alone. CPU is the run itself (simulation and checks,
// after loading). BENCH_ROUNDS (default 1) repeats the rounds, medians shown; BENCH_COMPARE_WITH=<another built
// checkout> measures that version too, interleaved round by round (this machine drifts by ±30%).
import { fileURLToPath } from "node:url";
import { checkouts, isCompiled, median, runChild } from "./children/spawn.ts";

export async function benchScenario(): Promise<Record<string, unknown>[]> {
  const cases: [string, number][] = [
    ["scenarios/baseline.yaml", 300],
    ["scenarios/partitions-12.yaml", 600],
  ];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const rows: Record<string, unknown>[] = [];
  for (const [file, s] of cases) {
    const samples = new Map<string, Record<string, unknown>[]>();
    const fixed = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const c of checkouts()) {
        if (!samples.has(c.label)) samples.set(c.label, []);
        if (!fixed.has(c.label)) fixed.set(c.label, []);
        samples.get(c.label)!.push(runChild(c.root, "run-scenario.mjs", [file, String(s)]));
        // The same scenario for 1 simulated second: its peak RSS is the fixed footprint (code, heap at rest).
        fixed.get(c.label)!.push(runChild(c.root, "run-scenario.mjs", [file, "1"]).peakRssMB as number);
      }
    }
    for (const c of checkouts()) {
      const xs = samples.get(c.label)!;
      const cpuS = median(xs.map((x) => x.cpuS as number));
      const x = xs[0]!;
      rows.push({
        scenario: file,
        checkout: c.label,
        compiled: isCompiled(c.root),
        simulatedS: s,
        messages: x.messages,
        events: x.events,
        queuedEvents: x.queuedEvents,
        cpuS: Number(cpuS.toFixed(2)),
        messagesPerCpuS: Math.round((x.messages as number) / cpuS),
        eventsPerCpuS: Math.round((x.events as number) / cpuS),
        peakRssMB: median(xs.map((y) => y.peakRssMB as number)),
        fixedRssMB: median(fixed.get(c.label)!),
        // Issue target: <= 300 bytes of peak RSS per simulated message above the fixed footprint.
        bytesPerMessage: Math.round(((median(xs.map((y) => y.peakRssMB as number)) - median(fixed.get(c.label)!)) * 1048576) / (x.messages as number)),
        fingerprint: x.fingerprint,
      });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.table(await benchScenario());
