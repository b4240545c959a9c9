// One scenario run in a fresh process, for the end-to-end benches: the compiled library (dist/) when it is built,
// else the sources (then start this process with `--import tsx`). Arguments: a scenario file (relative to the
// checkout) or `-` to read the scenario text from stdin, and optionally the simulated duration in seconds.
// Prints one JSON line: messages, events, CPU of the run (simulation and checks, after loading) and of the
// whole process, peak RSS.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const cpuStart = process.cpuUsage();
// The checkout whose library runs: this one, or the one the bench names (comparing two versions).
const root = process.env.BROKERSIM_BENCH_ROOT ?? fileURLToPath(new URL("../..", import.meta.url));
const [file, durationS] = process.argv.slice(2);
const compiled = existsSync(join(root, "dist", "runner", "run-scenario.js"));
const lib = join(root, compiled ? "dist" : "src");
const ext = compiled ? ".js" : ".ts";
const { loadScenarioText } = await import(pathToFileURL(join(lib, "scenario", `load${ext}`)).href);
const { runScenario } = await import(pathToFileURL(join(lib, "runner", `run-scenario${ext}`)).href);
const name = file === "-" ? "bench.yaml" : file;
const scenario = loadScenarioText(file === "-" ? readFileSync(0, "utf8") : readFileSync(join(root, file), "utf8"), name);
if (durationS !== undefined) scenario.duration = Number(durationS) * 1e6;
const cpu0 = process.cpuUsage();
let sim;
const { result } = runScenario(scenario, { seed: 1, file: name, observe: (s) => { sim = s; } });
const cpu = process.cpuUsage(cpu0);
const all = process.cpuUsage(cpuStart);
console.log(JSON.stringify({
  compiled,
  messages: result.metrics.produced,
  acknowledged: result.metrics.acknowledged,
  events: result.events,
  queuedEvents: sim.inlineDispatched === undefined ? result.events : result.events - sim.inlineDispatched,
  fingerprint: result.fingerprint,
  passed: result.passed,
  cpuS: (cpu.user + cpu.system) / 1e6,
  processCpuS: (all.user + all.system) / 1e6,
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}));
