#!/usr/bin/env node
// The command line. The only layer that touches the terminal, files, the environment and the wall clock.
import { quickRunArgs, commandLineArgs } from "./quick-args.ts";
import { BrokersimError } from "../scenario/errors.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { InternalRunError } from "./internal-error.ts";
import { cmdRun, cmdValidate, cmdList, cmdPartition, cmdSweep, cmdMerge, cmdShrink, cmdReplay, cmdAssign, cmdSchemaCheck, cmdDlq, cmdCompare } from "./lazy-commands.ts";
import { checkRawArgs } from "./run-guards.ts";
import { asInvoked } from "./invocation.ts";

export const EXIT = { ok: 0, expectationFailed: 1, badInput: 2, internal: 3 } as const;

async function main(argv: string[]): Promise<number> {
  checkRawArgs(argv);
  // A plain `run` needs no argument parser; everything else loads yargs on demand (see quick-args.ts).
  const quick = quickRunArgs(argv);
  if (quick) return cmdRun(quick);
  const { default: yargs } = await import("yargs");
  let code: number = EXIT.ok;
  const parser = yargs(argv)
    .scriptName("brokersim")
    .version(BROKERSIM_VERSION)
    .usage("$0 <command> [options]\n\nA deterministic simulator of message queues and event streams.")
    .command(
      "run <scenario...>",
      "run scenarios with a seed; writes result.json and report.html",
      (y) =>
        y
          .positional("scenario", { type: "string", array: true, demandOption: true, describe: "scenario file or bundled scenario name" })
          .option("seed", { type: "number", describe: "seed (default: the scenario's seed, else 1)" })
          .option("out", { type: "string", default: "reports", describe: "output directory" })
          .option("json", { type: "boolean", default: false, describe: "print result JSON to stdout instead of the summary" })
          .option("check-determinism", { type: "boolean", default: false, describe: "run the seed again in a worker thread and compare fingerprints and result bytes" })
          .option("max-events", { type: "number", describe: "event budget: refuse a run estimated above it, stop one that reaches it (default 20000000, about a minute)" })
          .option("allow-large", { type: "boolean", default: false, describe: "run however large the estimate, with no event budget" })
          .option("quiet", { alias: "q", type: "boolean", default: false, describe: "one line per scenario, then the index path (npm start -- --quiet)" }),
      async (args) => {
        code = await cmdRun({ scenarios: args.scenario as string[], seed: args.seed, out: args.out, json: args.json, checkDeterminism: args.checkDeterminism, maxEvents: args.maxEvents, allowLarge: args.allowLarge, quiet: args.quiet });
      },
    )
    .command(
      "compare <a> [b]",
      "two scenarios (or result.json files) run with one seed, or two groups of one run, side by side: terminal table, compare page and JSON",
      (y) =>
        y
          .positional("a", { type: "string", demandOption: true, describe: "scenario file, bundled scenario name or result.json" })
          .positional("b", { type: "string", describe: "the second scenario or result.json (omit with --groups)" })
          .option("groups", { type: "string", array: true, describe: "compare these two consumer groups of one run of <a>" })
          .option("seed", { type: "number", describe: "seed for both runs (default: a result side's seed, else the first scenario's)" })
          .option("out", { type: "string", default: "reports", describe: "output directory" })
          .option("json", { type: "boolean", default: false, describe: "print the compare JSON to stdout instead of the table" })
          .option("allow-seed-mismatch", { type: "boolean", default: false, describe: "compare two result files of different seeds anyway" }),
      async (args) => {
        code = await cmdCompare({
          inputs: [args.a, ...(args.b !== undefined ? [args.b] : [])],
          ...(args.groups !== undefined ? { groups: args.groups.map(String) } : {}),
          seed: args.seed, out: args.out, json: args.json, allowSeedMismatch: args.allowSeedMismatch,
        });
      },
    )
    .command(
      "sweep <scenario>",
      "run a range of seeds on every core; summary.json and report.html with failure rates, metric distributions, coverage",
      (y) =>
        y
          .positional("scenario", { type: "string", demandOption: true, describe: "scenario file or bundled scenario name" })
          .option("seeds", { type: "string", demandOption: true, describe: "seed range, both ends included: 1..1000" })
          .option("jobs", { type: "number", describe: "worker threads (default: every core)" })
          .option("shard", { type: "string", describe: "run only shard I of N (0-based), e.g. --shard $JOB_COMPLETION_INDEX/8; combine with brokersim merge" })
          .option("out", { type: "string", default: "reports", describe: "output directory" })
          .option("json", { type: "boolean", default: false, describe: "print the summary JSON to stdout" })
          .option("check-determinism", { type: "boolean", default: false, describe: "run every seed twice and compare" })
          .option("until-failure", { type: "boolean", default: false, describe: "stop at the first failing seed of the range; print its replay and shrink commands" }),
      async (args) => {
        code = await cmdSweep({
          scenario: args.scenario, seeds: args.seeds, jobs: args.jobs, shard: args.shard, out: args.out, json: args.json, checkDeterminism: args.checkDeterminism,
          untilFailure: args.untilFailure,
        });
      },
    )
    .command(
      "merge <summary...>",
      "combine the summary.json files of sweep shards into one summary and report",
      (y) =>
        y
          .positional("summary", { type: "string", array: true, demandOption: true })
          .option("out", { type: "string", default: "reports", describe: "output directory" })
          .option("json", { type: "boolean", default: false, describe: "print the merged summary JSON to stdout" }),
      async (args) => {
        code = await cmdMerge({ summaries: args.summary as string[], out: args.out, json: args.json });
      },
    )
    .command(
      "shrink <scenario>",
      "shrink a failing seed's scenario to a minimal one that fails the same expectation; writes it as YAML",
      (y) =>
        y
          .positional("scenario", { type: "string", demandOption: true })
          .option("seed", { type: "number", demandOption: true, describe: "the failing seed" })
          .option("expectation", { type: "string", describe: "which unmet expectation to keep failing (default: the first)" })
          .option("max-runs", { type: "number", default: 200, describe: "stop after this many simulation runs" })
          .option("out", { type: "string", describe: "where to write the minimal scenario (default reports/<name>/shrunk-seed-S.yaml)" }),
      async (args) => {
        code = await cmdShrink({ scenario: args.scenario, seed: args.seed, expectation: args.expectation, maxRuns: args.maxRuns, out: args.out });
      },
    )
    .command(
      "replay <scenario>",
      "re-run one seed: domain trace as JSON lines, the life of a message, key or partition in the system's words",
      (y) =>
        y
          .positional("scenario", { type: "string", demandOption: true })
          .option("seed", { type: "number", describe: "seed (default: the scenario's seed)" })
          .option("until", { type: "string", describe: "stop at this simulated time, e.g. 12.5s" })
          .option("trace", { type: "string", describe: "write every history event (time, op, node, message, key, partition, offset, what happened) to this file as JSON lines" })
          .option("message", { type: "string", describe: "print the lineage of this message, e.g. m-42" })
          .option("key", { type: "string", describe: "print the timeline of every message with this key" })
          .option("partition", { type: "string", describe: "print the history of one partition, e.g. orders-3" }),
      async (args) => {
        code = await cmdReplay({ scenario: args.scenario, seed: args.seed, until: args.until, trace: args.trace, message: args.message, key: args.key, partition: args.partition });
      },
    )
    .command(
      "validate <scenario...>",
      "check scenario files without running them",
      (y) => y.positional("scenario", { type: "string", array: true, demandOption: true }),
      async (args) => {
        code = await cmdValidate(args.scenario as string[]);
      },
    )
    .command("list", "list the bundled scenarios", {}, async () => {
      code = await cmdList();
    })
    .command(
      "partition [key...]",
      "which partition each key lands in (Kafka's default partitioner); keys also one per line on stdin",
      (y) =>
        y
          .positional("key", { type: "string", array: true })
          .option("partitions", { type: "number", demandOption: true, describe: "number of partitions of the topic" })
          .option("json", { type: "boolean", default: false }),
      async (args) => {
        code = await cmdPartition({ keys: (args.key as string[] | undefined) ?? [], partitions: args.partitions, json: args.json });
      },
    )
    .command(
      "assign",
      "the partition assignment an assignor makes for given members and topics",
      (y) =>
        y
          .option("strategy", { type: "string", demandOption: true, describe: "range | roundrobin | sticky | cooperative-sticky" })
          .option("topics", { type: "string", array: true, demandOption: true, describe: "NAME:COUNT[,NAME:COUNT...]" })
          .option("member", { type: "string", array: true, demandOption: true, describe: "ID[:TOPIC,TOPIC...] (no list: all topics); repeat per member" })
          .option("previous", { type: "string", describe: "prior assignment as JSON (the --json shape), for the sticky assignors" })
          .option("json", { type: "boolean", default: false, describe: 'print {"MEMBER": [{"topic", "partition"}, ...]}' }),
      async (args) => {
        code = await cmdAssign({
          strategy: args.strategy,
          topics: args.topics.map(String),
          members: args.member.map(String),
          previous: args.previous,
          json: args.json,
        });
      },
    )
    .command(
      "schema check <schemas...>",
      "would a schema registry accept the last schema after the others? <old.avsc> [<older.avsc>...] <new.avsc>; exit 0 compatible, 1 not",
      (y) =>
        y
          .positional("schemas", { type: "string", array: true, demandOption: true, describe: "the latest registered schema, older ones, then the new one" })
          .option("mode", { type: "string", default: "BACKWARD", describe: "BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE" })
          .option("json", { type: "boolean", default: false, describe: "print {compatible, reasons: [{direction, against, field, rule, message}]}" }),
      async (args) => {
        code = await cmdSchemaCheck({ mode: args.mode, files: args.schemas as string[], json: args.json });
      },
    )
    .command(
      "dlq <result>",
      "the dead-letter triage of a run: dead-lettered, skipped and stalled records by destination, cause and key",
      (y) => y.positional("result", { type: "string", demandOption: true, describe: "a run's result.json" }).option("json", { type: "boolean", default: false }),
      async (args) => {
        code = await cmdDlq(args.result as string, args.json);
      },
    )
    .demandCommand(1, "name a command: run, compare, sweep, merge, shrink, replay, validate, list, partition, assign, schema check or dlq")
    .strict()
    .recommendCommands()
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${msg}\nrun 'brokersim --help' for usage\n`);
      process.exit(EXIT.badInput);
    });
  await parser.parseAsync();
  return code;
}

// A reader that stops early (`brokersim list | head`) closes the pipe: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  process.exitCode = await main(commandLineArgs(process.argv));
} catch (err) {
  if (err instanceof InternalRunError) {
    process.stderr.write(
      `internal error: this is a bug in brokersim ${BROKERSIM_VERSION}, not in your scenario, ${err.message}\n` +
        `reproduce with: ${asInvoked(`brokersim run ${err.file} --seed ${err.seed}`)}\n` +
        (process.env.BROKERSIM_DEBUG ? `${err.stack}\n` : "set BROKERSIM_DEBUG=1 to print the stack trace\n"),
    );
    process.exitCode = EXIT.internal;
  } else if (err instanceof BrokersimError) {
    process.stderr.write(`error: ${err.format()}\n`);
    process.exitCode = EXIT.badInput;
  } else {
    const e = err as Error;
    process.stderr.write(
      `internal error: this is a bug in brokersim ${BROKERSIM_VERSION}, not in your scenario: ${e?.message ?? String(err)}\n` +
        (process.env.BROKERSIM_DEBUG ? `${e?.stack}\n` : "set BROKERSIM_DEBUG=1 to print the stack trace\n"),
    );
    process.exitCode = EXIT.internal;
  }
}
