// `brokersim sweep` and `brokersim merge`: the terminal, files, signals and the wall clock around
// src/explore/sweep.ts, which does the work.
import { asInvokedLine } from "./invocation.ts";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BrokersimError } from "../scenario/errors.ts";
import { runSweep, defaultJobs } from "../explore/sweep.ts";
import { mergeSummaries, missingShards } from "../explore/merge.ts";
import { sweepExitCode, type SweepSummary } from "../explore/summary.ts";
import { renderSweepHtml } from "../report/sweep-html.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { stableJson } from "../report/stable-json.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { replayArg } from "./paths.ts";
import { readScenarioText } from "./replay.ts";
import { checkCostBeforeRun } from "../runner/run-budget.ts";
import { loadScenarioText } from "../scenario/load.ts";
import { formatSweepSummary, progressLine } from "./sweep-format.ts";

export const EXIT_INTERRUPTED = 130;
const PLAIN_FAILURE_LINES = 20;

export interface SweepArgs {
  scenario: string;
  seeds: string;
  jobs?: number;
  shard?: string;
  out: string;
  json: boolean;
  checkDeterminism: boolean;
  /** Stop at the first failing seed and print its replay and shrink commands. */
  untilFailure?: boolean;
}

export function parseSeedRange(text: string): { from: number; to: number } {
  const m = /^\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+))?\s*$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || !Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to) {
    throw new BrokersimError("E_USAGE", `--seeds: expected a range like 1..1000, found ${JSON.stringify(text)}`, {
      hint: "both ends are whole numbers >= 0 and included, low first: --seeds 1..1000 (or one seed: --seeds 42)",
    });
  }
  return { from, to };
}

export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count)) {
    throw new BrokersimError("E_USAGE", `--shard: expected I/N with 0 <= I < N, found ${JSON.stringify(text)}`, {
      hint: "shards count from 0: --shard 0/4 ... --shard 3/4; in a Kubernetes Indexed Job use --shard $JOB_COMPLETION_INDEX/4",
    });
  }
  return { index, count };
}

function sweepDir(out: string, s: SweepSummary): string {
  const name = s.shard ? `sweep-shard-${s.shard.index}-of-${s.shard.count}` : "sweep";
  return join(out, s.scenario.name, name);
}

function writeSummary(dir: string, s: SweepSummary): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "summary.json");
  const html = join(dir, "report.html");
  writeFileAtomic(json, stableJson(s));
  writeFileAtomic(html, renderSweepHtml(s));
  return { json, html };
}

export async function cmdSweep(args: SweepArgs): Promise<number> {
  const { from, to } = parseSeedRange(args.seeds);
  const shard = args.shard !== undefined ? parseShard(args.shard) : undefined;
  if (args.jobs !== undefined && !(Number.isSafeInteger(args.jobs) && args.jobs >= 1)) {
    throw new BrokersimError("E_USAGE", `--jobs: expected a whole number >= 1, found ${args.jobs}`, { hint: `this machine has ${defaultJobs()} cores` });
  }
  const { file, text } = readScenarioText(args.scenario);
  // Every seed must fit the event budget; a scenario estimated above it would only hang every worker.
  checkCostBeforeRun(loadScenarioText(text, file), file);
  const jobs = args.jobs ?? defaultJobs();
  const err = process.stderr;
  const tty = err.isTTY === true;
  const startMs = Date.now();
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    err.write(`${tty ? "\n" : ""}interrupted: stopping; the summary will hold the seeds finished so far (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  if (!args.json) {
    const count = shard ? `shard ${shard.index}/${shard.count} of seeds ${from}..${to}` : `seeds ${from}..${to}`;
    process.stdout.write(`brokersim ${BROKERSIM_VERSION}  sweep ${file}  ${count}  jobs ${jobs}${args.checkDeterminism ? "  checking determinism" : ""}\n`);
  }
  let lastPlainPct = -1;
  // Threads take a moment to start (each loads the sources once); show the bar from the start.
  if (tty && !args.json) err.write(`\rstarting ${jobs} worker thread${jobs === 1 ? "" : "s"}...`);
  let summary: SweepSummary;
  try {
    summary = await runSweep({
      text, file, replayAs: replayArg(file), from, to, jobs, checkDeterminism: args.checkDeterminism, signal: controller.signal, untilFailure: args.untilFailure,
      ...(shard ? { shard } : {}),
      onProgress: (p) => {
        const elapsedS = (Date.now() - startMs) / 1000;
        if (tty) {
          const width = err.columns || 80;
          // Padded to the width so a shorter line fully covers the one before it.
          err.write(`\r${progressLine(p, elapsedS, width).padEnd(width - 1)}`);
          return;
        }
        // Name the first few failures as they happen; the rest are in the closing summary.
        if ((p.row.error || !p.row.passed) && p.failed + p.errors <= PLAIN_FAILURE_LINES) {
          err.write(`seed ${p.row.seed}: ${p.row.error ? `${p.row.error.kind} error` : "FAIL"}${p.failed + p.errors === PLAIN_FAILURE_LINES ? " (further failures: see the summary)" : ""}\n`);
        }
        const pct = Math.floor((p.done / p.planned) * 10) * 10;
        if (pct > lastPlainPct) {
          lastPlainPct = pct;
          err.write(`${progressLine(p, elapsedS, 0)}\n`);
        }
      },
    });
  } finally {
    process.off("SIGINT", onSigint);
    if (tty) err.write("\n");
  }
  const paths = writeSummary(sweepDir(args.out, summary), summary);
  if (args.json) process.stdout.write(stableJson(summary));
  else {
    const secs = (Date.now() - startMs) / 1000;
    for (const l of formatSweepSummary(summary)) process.stdout.write(`${asInvokedLine(l)}\n`);
    process.stdout.write(`  ${summary.counts.run} seeds in ${secs.toFixed(1)} s (${(summary.counts.run / Math.max(secs, 1e-3)).toFixed(1)} seeds/s, ${jobs} jobs)\n`);
    process.stdout.write(`summary: ${paths.json}\nreport: ${paths.html}\n`);
    if (args.untilFailure) for (const l of untilFailureLines(summary, replayArg(file))) process.stdout.write(`${asInvokedLine(l)}\n`);
  }
  if (controller.signal.aborted) return EXIT_INTERRUPTED;
  return sweepExitCode(summary);
}

/** --until-failure's closing lines: the first failing seed with its replay and shrink commands, last so they are copied. */
export function untilFailureLines(s: SweepSummary, file: string): string[] {
  const first = s.failing.slice().sort((a, b) => a.seed - b.seed)[0];
  const error = s.errors.slice().sort((a, b) => a.seed - b.seed)[0];
  if (!first && !error) return [`no failure in seeds ${s.seeds.from}..${s.seeds.to} (${s.counts.run} run)`];
  if (!first || (error && error.seed < first.seed)) return [`first seed that could not run: ${error!.seed} (${error!.kind})`, `replay: ${error!.replay}`];
  const quoted = /^[\w./@:+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return [
    `first failing seed: ${first.seed} (after ${s.counts.run} seed${s.counts.run === 1 ? "" : "s"}): ${first.unmet.join("; ")}`,
    `replay: ${first.replay}`,
    `shrink: brokersim shrink ${quoted} --seed ${first.seed}`,
  ];
}

export interface MergeArgs {
  summaries: string[];
  out: string;
  json: boolean;
}

export function cmdMerge(args: MergeArgs): number {
  const parts = args.summaries.map((f) => {
    let summary: SweepSummary;
    try {
      summary = JSON.parse(readFileSync(f, "utf8")) as SweepSummary;
    } catch (err) {
      throw new BrokersimError("E_FILE", `cannot read ${f}: ${(err as Error).message}`, { hint: "pass the summary.json files written by brokersim sweep --shard I/N" });
    }
    return { file: f, summary };
  });
  const merged = mergeSummaries(parts);
  const missing = missingShards(parts);
  const incomplete = missing.length > 0 || !merged.complete;
  // An incomplete merge is written beside the summary, never over it: a complete summary.json from an earlier
  // merge stays what it was, and nothing downstream mistakes a partial merge for the whole sweep.
  const paths = incomplete ? writeIncompleteSummary(sweepDir(args.out, merged), merged) : writeSummary(sweepDir(args.out, merged), merged);
  if (args.json) process.stdout.write(stableJson(merged));
  else {
    for (const l of formatSweepSummary(merged)) process.stdout.write(`${asInvokedLine(l)}\n`);
    if (missing.length > 0) process.stdout.write(`missing shards: ${missing.join(", ")} of ${parts[0]!.summary.shard?.count}; the merged summary is incomplete\n`);
    process.stdout.write(`summary: ${paths.json}\nreport: ${paths.html}\n`);
  }
  if (incomplete) {
    process.stderr.write(
      `error: the merge is INCOMPLETE${missing.length > 0 ? ` (missing shards ${missing.join(", ")})` : " (a shard was interrupted)"}; ` +
        `written to ${paths.json}, summary.json left as it was\n  hint: pass every shard's summary.json, or re-run the missing shards\n`,
    );
    return EXIT_INCOMPLETE_MERGE;
  }
  return sweepExitCode(merged);
}

/** Exit code of a merge that lacks shards: bad input (2), not a verdict about the scenario. */
export const EXIT_INCOMPLETE_MERGE = 2;

function writeIncompleteSummary(dir: string, s: SweepSummary): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "summary-incomplete.json");
  const html = join(dir, "report-incomplete.html");
  writeFileAtomic(json, stableJson(s));
  writeFileAtomic(html, renderSweepHtml(s));
  return { json, html };
}
