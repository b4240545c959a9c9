// `brokersim compare <a> <b> [--seed N]` and `brokersim compare <scenario> --groups G1 G2`: two runs (or two
// existing result.json files, or two consumer groups of one run) side by side, on the terminal as a compact
// table and in one self-contained page, reports/compare-<a>-vs-<b>.html, with its JSON beside it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { BrokersimError, didYouMean } from "../scenario/errors.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { runScenario, type RunOutput } from "../runner/run-scenario.ts";
import { checkCostBeforeRun } from "../runner/run-budget.ts";
import { swarmPrepare } from "../explore/run-seed.ts";
import type { RunResult, SwarmDraw } from "../report/result-types.ts";
import { renderReportHtml } from "../report/html.ts";
import { renderCompareHtml } from "../report/compare-html.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { stableJson } from "../report/stable-json.ts";
import { anomaliesJsonl } from "../checkers/anomaly-ledger.ts";
import { compareRuns } from "../compare/compare-runs.ts";
import { compareGroups, groupFigures } from "../compare/compare-groups.ts";
import { formatCompareTable } from "../compare/compare-format.ts";
import type { CompareResult } from "../compare/compare-types.ts";
import { displayPath, replayArg, resolveScenarioArg } from "./paths.ts";
import { budgetFromArgs, ensureDir, safeDirName } from "./run-guards.ts";
import { codeIdentity } from "./code-identity.ts";
import { InternalRunError } from "./internal-error.ts";
import { shownOption } from "./invocation.ts";
import { writeRunIndex } from "./report-index.ts";

export interface CompareArgs {
  /** Two scenarios or result.json files; one scenario with `groups`. */
  inputs: string[];
  groups?: string[];
  seed?: number;
  out: string;
  json: boolean;
  /** Compare two result files of different seeds anyway (the difference then mixes seed and setting). */
  allowSeedMismatch?: boolean;
}

const USAGE = "brokersim compare <a> <b> [--seed N]  |  brokersim compare <scenario> --groups G1 G2";

function usage(message: string, hint = `usage: ${USAGE}`): BrokersimError {
  return new BrokersimError("E_USAGE", message, { hint });
}

function say(line = ""): void {
  process.stdout.write(line + "\n");
}

const isResultFile = (arg: string): boolean => arg.endsWith(".json");

/** A result.json given on the command line, checked to be one. */
export function readResultFile(path: string): RunResult {
  if (!existsSync(path)) throw new BrokersimError("E_FILE", `${path}: no such file`, { hint: "give a run's result.json (reports/<scenario>/seed-<N>/result.json) or a scenario" });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new BrokersimError("E_INPUT", `${path}: not valid JSON (${(err as Error).message})`, { hint: "give the result.json a `brokersim run` wrote" });
  }
  const r = parsed as Partial<RunResult> | null;
  if (!r || typeof r !== "object" || typeof r.scenario?.name !== "string" || !Array.isArray(r.verdicts) || typeof r.seed !== "number" || !r.metrics?.series) {
    throw new BrokersimError("E_INPUT", `${path}: not a brokersim result.json (expected scenario, seed, verdicts and metrics)`, {
      hint: "give the result.json a `brokersim run` wrote, or a scenario to run",
    });
  }
  return r as RunResult;
}

interface LoadedScenario {
  path: string;
  file: string;
  scenario: Scenario;
  draws: SwarmDraw[];
}

function loadScenario(arg: string, seed: number | undefined): LoadedScenario {
  const path = resolveScenarioArg(arg);
  const file = displayPath(path);
  let draws: SwarmDraw[] = [];
  const scenario = loadScenarioFile(path, { shownAs: file, ...swarmPrepare(seed, (d) => (draws = d)) });
  return { path, file, scenario, draws };
}

/** Runs one side and writes its ordinary run files, so the compare page can link to its report. */
function runSide(l: LoadedScenario, seed: number, out: string): { output: RunOutput; href: string } {
  checkCostBeforeRun(l.scenario, l.file, budgetFromArgs({}));
  let output: RunOutput;
  try {
    output = runScenario(l.scenario, { seed, file: l.file, replayAs: replayArg(l.file) });
  } catch (err) {
    throw new InternalRunError(l.file, seed, err);
  }
  const { result, anomalies } = output;
  if (l.draws.length > 0) result.swarm = l.draws;
  result.code = codeIdentity();
  const rel = join(safeDirName(result.scenario.name), `seed-${result.seed}`);
  const dir = join(out, rel);
  ensureDir(dir);
  writeFileAtomic(join(dir, "result.json"), stableJson(result));
  writeFileAtomic(join(dir, "anomalies.jsonl"), anomaliesJsonl(anomalies));
  writeFileAtomic(join(dir, "report.html"), renderReportHtml(result));
  return { output, href: `${rel}/report.html` };
}

function checkSeed(seed: number | undefined): void {
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw usage(`--seed: expected a whole number >= 0, found ${shownOption("seed", seed)}`, "e.g. --seed 42");
  }
}

/** Two sides: each a scenario to run or a result.json to read; scenarios run with one seed. */
function compareTwo(args: CompareArgs): { compare: CompareResult; name: string } {
  if (args.inputs.length !== 2) throw usage(`compare: expected two scenarios or result files, found ${args.inputs.length}`);
  const [ia, ib] = args.inputs;
  const results = args.inputs.filter(isResultFile).map(readResultFile);
  if (args.seed !== undefined && results.length > 0) {
    throw usage(
      `--seed ${args.seed}: ${results.length === 2 ? "both sides are" : "a side is"} an existing result.json, already run with seed ${results.map((r) => r.seed).join(" and ")}`,
      "drop --seed to compare with the result's seed, or give the scenarios instead of their results to run both with --seed",
    );
  }
  if (results.length === 2 && results[0].seed !== results[1].seed && !args.allowSeedMismatch) {
    throw usage(
      `the two result files come from different seeds (${results[0].seed} and ${results[1].seed}): the difference would mix the seed with the setting`,
      `run both with one seed (brokersim compare <a> <b> --seed N), or add --allow-seed-mismatch to compare them anyway`,
    );
  }
  // One seed for both runs: --seed, else a result side's seed, else the first scenario's own seed.
  let seed = args.seed ?? results[0]?.seed;
  const loaded: (LoadedScenario | undefined)[] = [];
  for (const arg of [ia, ib]) {
    if (isResultFile(arg)) {
      loaded.push(undefined);
      continue;
    }
    const l = loadScenario(arg, seed);
    seed ??= l.scenario.seed;
    loaded.push(l);
  }
  const sides: { result: RunResult; href: string | undefined }[] = [];
  let r = 0;
  for (let i = 0; i < 2; i++) {
    const l = loaded[i];
    if (l === undefined) {
      const result = results[r++];
      const file = args.inputs[i];
      const report = join(dirname(file), "report.html");
      sides.push({ result, href: existsSync(report) ? relative(args.out, report).split("\\").join("/") : undefined });
    } else {
      const { output, href } = runSide(l, seed!, args.out);
      sides.push({ result: output.result, href });
    }
  }
  const [a, b] = sides;
  const compare = compareRuns(a.result, b.result, { reportHrefs: [a.href, b.href] });
  for (const s of sides) if (s.result.partial) compare.notes.push(`${s.result.scenario.name} stopped before its end (${s.result.partial.detail}): its figures cover only that part.`);
  const name = a.result.scenario.name === b.result.scenario.name ? `${a.result.scenario.name}-seed-${a.result.seed}-vs-${b.result.seed}` : `${a.result.scenario.name}-vs-${b.result.scenario.name}`;
  return { compare, name };
}

/** Two consumer groups of one run of one scenario. */
function compareTwoGroups(args: CompareArgs): { compare: CompareResult; name: string } {
  const groups = args.groups ?? [];
  if (args.inputs.length !== 1) throw usage(`compare --groups: expected one scenario, found ${args.inputs.length}`, "usage: brokersim compare <scenario> --groups G1 G2");
  if (groups.length !== 2) throw usage(`--groups: expected two consumer group names, found ${groups.length}`, "e.g. brokersim compare groups-eager-vs-cooperative --groups eager cooperative");
  if (groups[0] === groups[1]) throw usage(`--groups: the two groups are the same (${groups[0]})`, "name two different consumer groups of the scenario");
  if (isResultFile(args.inputs[0])) {
    throw usage(`compare --groups needs a scenario to run, found the result file ${args.inputs[0]}`, "a result.json pools latency over groups; give its scenario (and --seed) instead");
  }
  const l = loadScenario(args.inputs[0], args.seed);
  const names = l.scenario.consumerGroups.map((g) => g.name);
  for (const g of groups) {
    if (!names.includes(g)) {
      const guess = didYouMean(g, names);
      throw usage(
        `--groups: ${l.scenario.name} has no consumer group "${g}"`,
        `${guess ? `did you mean "${guess}"? ` : ""}its groups: ${names.length > 0 ? names.join(", ") : "none"}`,
      );
    }
  }
  const seed = args.seed ?? l.scenario.seed;
  const { output, href } = runSide(l, seed, args.out);
  const fa = groupFigures(output.history, output.result, groups[0]!);
  const fb = groupFigures(output.history, output.result, groups[1]!);
  if (!fa || !fb) throw usage(`--groups: a group did not take part in the run`, "check the groups' topics and events");
  const compare = compareGroups(output.result, fa, fb, href);
  return { compare, name: `${output.result.scenario.name}-${groups[0]}-vs-${groups[1]}` };
}

export async function cmdCompare(args: CompareArgs): Promise<number> {
  checkSeed(args.seed);
  const { compare, name } = args.groups !== undefined ? compareTwoGroups(args) : compareTwo(args);
  ensureDir(args.out);
  const base = `compare-${safeDirName(name)}`;
  const page = join(args.out, `${base}.html`);
  const json = join(args.out, `${base}.json`);
  writeFileAtomic(json, stableJson(compare));
  writeFileAtomic(page, renderCompareHtml(compare));
  const index = writeRunIndex(args.out);
  if (args.json) {
    process.stdout.write(stableJson(compare));
  } else {
    const seeds = compare.a.seed === compare.b.seed ? `seed ${compare.a.seed}` : `seeds ${compare.a.seed} and ${compare.b.seed}`;
    say(compare.mode === "groups" ? `compare groups ${compare.a.label} and ${compare.b.label} of ${compare.a.scenario}  ${seeds}` : `compare ${compare.a.label} and ${compare.b.label}  ${seeds}`);
    for (const l of formatCompareTable(compare)) say(l);
    say(`  compare page  ${page}`);
    say(`  compare json  ${json}`);
    say(`  index  ${index}`);
    for (const s of compare.mode === "groups" ? [compare.a] : [compare.a, compare.b]) {
      say(`${s.passed ? "PASS" : "FAIL"}  ${s.scenario}${s.unmet.length > 0 ? `: unmet ${s.unmet.join("; ")}` : ""}`);
    }
  }
  return compare.a.passed && compare.b.passed ? 0 : 1;
}
