// End-to-end: a bundled scenario stretched to a long run; simulated messages per CPU-second and peak memory.
// Each measurement runs in a fresh child process so peak RSS belongs to that run alone.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

async function measureOnce(file: string, durationS: number): Promise<Record<string, unknown>> {
  const { loadScenarioFile } = await import("../src/scenario/load.ts");
  const { runScenario } = await import("../src/runner/run-scenario.ts");
  const scenario = loadScenarioFile(join(ROOT, file));
  scenario.duration = durationS * 1e6;
  const cpu0 = process.cpuUsage();
  const { result } = runScenario(scenario, { seed: 1, file });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    scenario: file,
    simulatedS: durationS,
    messages: result.metrics.produced,
    events: result.events,
    cpuS: Number(cpuS.toFixed(2)),
    messagesPerCpuS: Math.round(result.metrics.produced / cpuS),
    eventsPerCpuS: Math.round(result.events / cpuS),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export async function benchScenario(): Promise<Record<string, unknown>[]> {
  const cases: [string, number][] = [
    ["scenarios/baseline.yaml", 300],
    ["scenarios/partitions-12.yaml", 600],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [file, s] of cases) {
    const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), file, String(s)], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
    rows.push(JSON.parse(r.stdout));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.length >= 4) {
    process.stdout.write(JSON.stringify(await measureOnce(process.argv[2], Number(process.argv[3]))));
  } else {
    console.table(await benchScenario());
  }
}
