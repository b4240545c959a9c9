// `brokersim run`, `validate` and `list`.
import { asInvoked, shownOption } from "./invocation.ts";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadScenarioFile } from "../scenario/load.ts";
import { BrokersimError, ScenarioError } from "../scenario/errors.ts";
import { runScenario } from "../runner/run-scenario.ts";
import { renderReportHtml } from "../report/html.ts";
import { writeRunIndex } from "./report-index.ts";
import { codeIdentity } from "./code-identity.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { stableJson } from "../report/stable-json.ts";
import type { RunResult, SwarmDraw } from "../report/result-types.ts";
import { swarmPrepare } from "../explore/run-seed.ts";
import { checkDeterminism, digestRun } from "../explore/determinism.ts";
import { digestInWorker } from "../explore/determinism-thread.ts";
import { describeDraws } from "./swarm-format.ts";
import type { Scenario } from "../scenario/schema.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { describeScenario, formatRunSummary } from "./format.ts";
import { anomaliesJsonl, type AnomalyRecord } from "../checkers/anomaly-ledger.ts";
import { bundledScenarioFiles, displayPath, replayArg, resolveScenarioArg } from "./paths.ts";
import { InternalRunError } from "./internal-error.ts";
import { budgetFromArgs, ensureDir, makeRunWatch, safeDirName } from "./run-guards.ts";
import { checkCostBeforeRun } from "../runner/run-budget.ts";

export interface RunArgs {
  scenarios: string[];
  seed?: number;
  out: string;
  json: boolean;
  /** Run each seed a second time in a worker thread and compare fingerprints and result bytes. */
  checkDeterminism?: boolean;
  /** The event budget (default: about a minute of this machine) and --allow-large; see src/runner/run-budget.ts. */
  maxEvents?: number;
  allowLarge?: boolean;
  /** One line per scenario, then the index (for many scenarios, e.g. `npm start -- --quiet`). */
  quiet?: boolean;
}

function say(line = ""): void {
  process.stdout.write(line + "\n");
}

function loadAll(args: string[], seed?: number): { path: string; file: string; scenario: Scenario; draws: SwarmDraw[] }[] {
  const loaded: { path: string; file: string; scenario: Scenario; draws: SwarmDraw[] }[] = [];
  const problems: string[] = [];
  for (const arg of args) {
    const path = resolveScenarioArg(arg);
    const file = displayPath(path);
    try {
      // Swarm values ({oneOf}, {range}) are drawn from the seed, so a single seed replays its configuration.
      let draws: SwarmDraw[] = [];
      const scenario = loadScenarioFile(path, { shownAs: file, ...swarmPrepare(seed, (d) => (draws = d)) });
      loaded.push({ path, file, scenario, draws });
    } catch (err) {
      if (!(err instanceof BrokersimError)) throw err;
      problems.push(err.format());
    }
  }
  if (problems.length > 0) {
    throw new BrokersimError("E_INPUT", problems.join("\n"), {
      hint: problems.length > 1 ? `${problems.length} scenario files have problems; nothing was run` : undefined,
    });
  }
  return loaded;
}

export { InternalRunError };

function outDirFor(out: string, result: RunResult): string {
  return join(out, safeDirName(result.scenario.name), `seed-${result.seed}`);
}

export async function cmdRun(args: RunArgs): Promise<number> {
  if (args.seed !== undefined && (!Number.isSafeInteger(args.seed) || args.seed < 0)) {
    throw new BrokersimError("E_USAGE", `--seed: expected a whole number >= 0, found ${shownOption("seed", args.seed)}`, { hint: "e.g. --seed 42" });
  }
  const loaded = loadAll(args.scenarios, args.seed);
  // Every scenario is costed before any runs, so a too-large one refuses the batch up front.
  const budget = budgetFromArgs(args);
  for (const l of loaded) checkCostBeforeRun(l.scenario, l.file, budget);
  let partialRuns = 0;
  const results: { result: RunResult; reportPath: string }[] = [];
  let diverged = 0;
  for (const { path, file, scenario, draws } of loaded) {
    const seed = args.seed ?? scenario.seed;
    if (!args.json && !args.quiet) {
      const code = codeIdentity();
      say(`brokersim ${BROKERSIM_VERSION}${code.commit ? ` (commit ${code.commit.slice(0, 12)}${code.modified ? ", modified" : ""})` : ""}  scenario ${scenario.name} (${file})  seed ${seed}`);
      for (const l of describeDraws(draws)) say(`  ${l}`);
      for (const l of describeScenario(scenario)) say(`  ${l}`);
    }
    let result: RunResult;
    const watch = makeRunWatch({ tty: Boolean(process.stderr.isTTY) && !args.json });
    let anomalies: AnomalyRecord[];
    try {
      ({ result, anomalies } = runScenario(scenario, { seed, file, replayAs: replayArg(file), ...(budget.maxEvents < Infinity ? { maxEvents: budget.maxEvents } : {}), onSlice: watch.onSlice }));
    } catch (err) {
      throw new InternalRunError(file, seed, err);
    } finally {
      watch.done();
    }
    if (result.partial) partialRuns++;
    if (draws.length > 0) result.swarm = draws;
    result.code = codeIdentity();
    if (args.checkDeterminism) {
      const finding = await checkDeterminism({ text: readFileSync(path, "utf8"), file, seed }, digestRun, digestInWorker);
      if (!finding.same) diverged++;
      const line = `determinism: ${finding.same ? "ok" : "DIVERGED"}, main thread vs worker thread: ${finding.detail}`;
      if (args.json || args.quiet) process.stderr.write(`${line}\n`);
      else say(line);
    }
    const dir = outDirFor(args.out, result);
    ensureDir(dir);
    writeFileAtomic(join(dir, "result.json"), stableJson(result));
    writeFileAtomic(join(dir, "anomalies.jsonl"), anomaliesJsonl(anomalies));
    const reportPath = join(dir, "report.html");
    writeFileAtomic(reportPath, renderReportHtml(result));
    results.push({ result, reportPath });
    if (args.quiet && !args.json) say(quietLine(result, reportPath));
    else if (!args.json) {
      for (const l of formatRunSummary(result)) say(l);
      say(`  result  ${join(dir, "result.json")}`);
      if (anomalies.length > 0) say(`  anomalies  ${join(dir, "anomalies.jsonl")} (${anomalies.length}, every one)`);
      say(`  report  ${reportPath}`);
      if (result.partial) say(`PARTIAL  ${scenario.name}: the run ${result.partial.detail}; its verdicts cover only that part`);
      else say(result.passed ? `PASS  ${scenario.name}` : `FAIL  ${scenario.name}: expectations not met`);
      say();
    }
  }
  if (args.json) {
    const body = results.length === 1 ? results[0].result : results.map((r) => r.result);
    process.stdout.write(stableJson(body));
  }
  const failed = results.filter((r) => !r.result.passed);
  // The index lists every report under the output directory, so a later run adds to it instead of replacing it.
  const index = results.length > 0 ? writeRunIndex(args.out) : undefined;
  if (results.length > 1 && index !== undefined) {
    if (!args.json) {
      say(`${results.length - failed.length} of ${results.length} scenarios met their expectations`);
      say(`report: ${index}`);
      // A failure's replay command is the last thing printed, so it is what a person copies.
      for (const f of failed) say(`replay: ${asInvoked(f.result.replay)}`);
    }
  } else if (args.quiet && !args.json && index !== undefined) {
    say(`index: ${index}`);
  } else if (!args.json && results.length === 1) {
    const only = results[0];
    say(only.result.passed ? `report: ${only.reportPath}` : `report: ${only.reportPath}\nreplay: ${asInvoked(only.result.replay)}`);
  }
  if (partialRuns > 0) {
    if (args.json) process.stderr.write(`${partialRuns} run(s) stopped at a budget before the end; their verdicts are partial\n`);
    return 2;
  }
  return failed.length > 0 || diverged > 0 ? 1 : 0;
}

export function cmdValidate(args: string[]): number {
  let bad = 0;
  for (const arg of args) {
    const path = resolveScenarioArg(arg);
    const file = displayPath(path);
    try {
      const s = loadScenarioFile(path, { shownAs: file });
      say(`ok    ${file}  (${s.name})`);
    } catch (err) {
      if (!(err instanceof BrokersimError)) throw err;
      bad++;
      process.stderr.write(`error ${file}\n${err.format().replace(/^/gm, "  ")}\n`);
      if (err instanceof ScenarioError && err.issues.length > 1) process.stderr.write(`  (${err.issues.length} problems)\n`);
    }
  }
  return bad > 0 ? 2 : 0;
}

/** First sentence of a description, for one-line listings. */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  return m ? m[1] : flat;
}

export function cmdList(): number {
  const files = bundledScenarioFiles();
  const rows: string[][] = [];
  for (const f of files) {
    try {
      const s = loadScenarioFile(f, { shownAs: displayPath(f) });
      rows.push([s.name, firstSentence(s.description)]);
    } catch (err) {
      rows.push([displayPath(f), `(invalid: ${(err as Error).message.split("\n")[0]})`]);
    }
  }
  const w = Math.max(...rows.map((r) => r[0].length), 4);
  for (const [n, d] of rows) say(`${n.padEnd(w)}  ${d}`);
  return 0;
}


/** Quiet mode's one line: verdict, name, seed, what failed (or how many invariants held), where the report is. */
export function quietLine(r: RunResult, reportPath: string): string {
  const unmet = r.expectations.filter((e) => !e.met).map((e) => e.expectation);
  const violated = r.verdicts.filter((v) => !v.holds).length;
  const notChecked = r.verdicts.filter((v) => v.holds && v.notChecked !== undefined).length;
  const what = unmet.length > 0 ? `unmet: ${unmet.join("; ")}` : `${r.verdicts.length - violated - notChecked} held, ${violated} violated, ${notChecked} not checked`;
  return `${r.passed ? "PASS" : "FAIL"}  ${r.scenario.name}  seed ${r.seed}  ${what}  ${reportPath}${r.passed ? "" : `  replay: ${asInvoked(r.replay)}`}`;
}
