// Runs one scenario file the way `brokersim run` does (decode, load, cost check, run with an event budget,
// write result.json atomically), in-process so hundreds of hostile cases fit in seconds. Exit codes and
// output follow src/cli/main.ts: a BrokersimError is exit 2 with its formatted message, anything else is
// exit 3 (a bug). The checks every case must pass are in `problemsWith`.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokersimError } from "../../src/scenario/errors.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { decodeScenarioBytes } from "../../src/scenario/yaml-guard.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { DEFAULT_BUDGET, checkCostBeforeRun } from "../../src/runner/run-budget.ts";
import { writeFileAtomic } from "../../src/report/write-atomic.ts";
import { stableJson } from "../../src/report/stable-json.ts";
import { safeDirName } from "../../src/cli/run-guards.ts";

/** Each case may run at most this many kernel events (the real CLI's budget is larger; see run-budget.ts). */
export const CASE_EVENT_BUDGET = 20_000;

export interface Outcome {
  exit: number;
  output: string;
  events?: number;
  outDir: string;
}

export function runCase(name: string, body: string | Uint8Array): Outcome {
  const outDir = mkdtempSync(join(tmpdir(), "brokersim-hostile-"));
  const file = `${name}.yaml`;
  try {
    const text = typeof body === "string" ? body : decodeScenarioBytes(body, file);
    const scenario = loadScenarioText(text, file);
    // The default budget refuses what is too large up front; what passes runs with a small budget here.
    checkCostBeforeRun(scenario, file, DEFAULT_BUDGET);
    const { result } = runScenario(scenario, { seed: scenario.seed, file, maxEvents: CASE_EVENT_BUDGET, onSlice: () => undefined });
    const dir = join(outDir, safeDirName(result.scenario.name), `seed-${result.seed}`);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, "result.json"), stableJson(result));
    return { exit: result.partial ? 2 : result.passed ? 0 : 1, output: result.partial?.detail ?? "", events: result.events, outDir };
  } catch (err) {
    if (err instanceof BrokersimError) return { exit: 2, output: `error: ${err.format()}`, outDir };
    const e = err as Error;
    return { exit: 3, output: `internal error: ${e?.message}\n${e?.stack ?? ""}`, outDir };
  }
}

const STACK_FRAME = /^\s+at .+(\(|:\d+:\d+)/m;
const RAW_EXCEPTION = /\b(TypeError|RangeError|ReferenceError|SyntaxError|Maximum call stack|is not a function|Cannot read propert|undefined is not|ENOTDIR|ENOENT|EISDIR|ENAMETOOLONG)\b/;

/** Everything wrong with an outcome: an exit outside {0, 1, 2}, stack frames or raw exception text, a partial file, a blown budget. */
export function problemsWith(o: Outcome, allowedExits: readonly number[] = [0, 1, 2]): string[] {
  const problems: string[] = [];
  if (!allowedExits.includes(o.exit)) problems.push(`exit ${o.exit} (allowed: ${allowedExits.join(", ")})`);
  if (STACK_FRAME.test(o.output)) problems.push("stack frames in the output");
  if (RAW_EXCEPTION.test(o.output)) problems.push(`raw exception text: ${RAW_EXCEPTION.exec(o.output)![0]}`);
  if (o.events !== undefined && o.events > CASE_EVENT_BUDGET) problems.push(`ran ${o.events} events, over the budget of ${CASE_EVENT_BUDGET}`);
  for (const f of walk(o.outDir)) {
    if (f.endsWith(".tmp")) problems.push(`partial file left: ${f}`);
    else if (f.endsWith(".json")) {
      try {
        JSON.parse(readFileSync(f, "utf8"));
      } catch {
        problems.push(`unreadable file: ${f}`);
      }
    }
  }
  return problems;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

export function cleanUp(o: Outcome): void {
  rmSync(o.outDir, { recursive: true, force: true });
}

/** `# exit: 0,1` in a corpus file's header: the exit codes that case may end with. */
export function allowedExitsOf(bytes: Uint8Array): number[] {
  const head = Buffer.from(bytes.subarray(0, 200)).toString("latin1");
  const m = /^# exit: ([\d,]+)$/m.exec(head);
  return m ? m[1]!.split(",").map(Number) : [0, 1, 2];
}
