// `brokersim replay`: re-run one seed, optionally stopping early, writing the domain trace as JSON lines and
// printing the lineage of one message, one key or one partition in the system's words.
import { shownOption } from "./invocation.ts";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { decodeScenarioBytes } from "../scenario/yaml-guard.ts";
import { parse } from "yaml";
import { BrokersimError } from "../scenario/errors.ts";
import { parseDurationUs } from "../scenario/units.ts";
import { replaySeed, messageTimeline, keyTimeline, partitionTimeline, writeDomainTrace } from "../explore/replay.ts";
import { loadForSeed } from "../explore/run-seed.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { describeScenario, formatRunSummary } from "./format.ts";
import { displayPath, resolveScenarioArg } from "./paths.ts";
import { describeDraws } from "./swarm-format.ts";

export interface ReplayArgs {
  scenario: string;
  seed?: number;
  until?: string;
  trace?: string;
  message?: string;
  key?: string;
  partition?: string;
}

/** Reads a scenario argument (a path or a bundled scenario's name); `file` is how output names it. */
export function readScenarioText(arg: string): { file: string; text: string } {
  const path = resolveScenarioArg(arg);
  const file = displayPath(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new BrokersimError("E_FILE", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, {
      hint: "pass a scenario file, or the name of a bundled scenario (brokersim list)",
    });
  }
  return { file, text: decodeScenarioBytes(bytes, file) };
}

function parseMessageId(text: string): number {
  const m = /^(?:m-)?(\d+)$/.exec(text.trim());
  if (!m) throw new BrokersimError("E_USAGE", `--message: expected a message id like m-42 or 42, found ${JSON.stringify(text)}`, {
    hint: "message ids appear in verdicts and in result.json (messageIds)",
  });
  return Number(m[1]);
}

/** Opens the trace file before the run, so a bad path fails before minutes of simulation. */
function openTrace(path: string): number {
  try {
    return openSync(path, "w");
  } catch (err) {
    throw new BrokersimError("E_FILE", `cannot write the trace to ${path}: ${(err as Error).message}`, { hint: "check that the directory exists" });
  }
}

/** The `seed:` a scenario file gives itself (1 when none, as in the schema); bad YAML is reported by the load. */
function ownSeed(text: string): number {
  try {
    const own = (parse(text) as { seed?: unknown } | null)?.seed;
    return typeof own === "number" ? own : 1;
  } catch {
    return 1;
  }
}

export function cmdReplay(args: ReplayArgs): number {
  if (args.seed !== undefined && (!Number.isSafeInteger(args.seed) || args.seed < 0)) {
    throw new BrokersimError("E_USAGE", `--seed: expected a whole number >= 0, found ${shownOption("seed", args.seed)}`, { hint: "e.g. --seed 42" });
  }
  let untilUs: number | undefined;
  if (args.until !== undefined) {
    try {
      untilUs = parseDurationUs(args.until);
    } catch (err) {
      throw new BrokersimError("E_USAGE", `--until: ${(err as Error).message}`, { hint: "a simulated time such as --until 12.5s" });
    }
  }
  const msg = args.message !== undefined ? parseMessageId(args.message) : undefined;
  const { file, text } = readScenarioText(args.scenario);
  // The seed decides the swarm draws, so read the scenario's own default seed without drawing first.
  const seed = args.seed ?? ownSeed(text);
  const spec = { text, file, seed };
  const say = (l = "") => process.stdout.write(`${l}\n`);
  const loaded = loadForSeed(spec);
  say(`brokersim ${BROKERSIM_VERSION}  replay ${loaded.scenario.name} (${file})  seed ${seed}${untilUs !== undefined ? `  until ${args.until}` : ""}`);
  for (const l of describeDraws(loaded.draws)) say(`  ${l}`);
  for (const l of describeScenario(loaded.scenario)) say(`  ${l}`);
  const traceFd = args.trace !== undefined ? openTrace(args.trace) : undefined;
  let run;
  let traced = 0;
  try {
    run = replaySeed(spec, untilUs !== undefined ? { untilUs } : {});
    if (traceFd !== undefined) traced = writeDomainTrace(run.history, (chunk) => writeSync(traceFd, chunk), run.scenario);
  } finally {
    if (traceFd !== undefined) closeSync(traceFd);
  }
  if (untilUs !== undefined) say(`stopped at ${args.until}: the verdicts below see only the history up to then`);
  for (const l of formatRunSummary(run.result)) say(l);
  // The timelines name every anomaly a message is part of, not only the sample result.json keeps.
  const full = { ...run.result, verdicts: run.result.verdicts.map((v) => ({ ...v, anomalies: run.anomalies.filter((a) => a.invariant === v.invariant) })) };
  if (traceFd !== undefined) say(`trace: ${traced} history events written to ${args.trace} (JSON lines: t in µs, op, node, msg, key, partition, offset, queue, text)`);
  if (msg !== undefined) {
    say();
    say("lineage:");
    for (const l of messageTimeline(run.history, msg, full, run.scenario)) say(l);
  }
  if (args.key !== undefined) {
    say();
    say("key timeline:");
    for (const l of keyTimeline(run.history, args.key, full, undefined, run.scenario)) say(l);
  }
  if (args.partition !== undefined) {
    say();
    say("partition timeline:");
    for (const l of partitionTimeline(run.history, args.partition, undefined, run.scenario)) say(l);
  }
  // Like run: unmet expectations exit 1, said last, also when --until cut the run short (a partial history
  // can fail what the whole run meets, and a person should see that rather than a silent success).
  if (!run.result.passed) {
    const unmet = run.result.expectations.filter((e) => !e.met).map((e) => e.expectation);
    say(
      untilUs !== undefined
        ? `FAIL  expectations not met in the history up to ${args.until}: ${unmet.join("; ")} (the whole run may still meet them: replay without --until)`
        : `FAIL  expectations not met: ${unmet.join("; ")}`,
    );
    return 1;
  }
  return 0;
}
