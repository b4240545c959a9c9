// `brokersim shrink`: the minimal scenario that still fails the same way, written as YAML with its seed.
import { asInvoked, shownOption } from "./invocation.ts";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { BrokersimError } from "../scenario/errors.ts";
import { shrinkScenario } from "../explore/shrink-run.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { readScenarioText } from "./replay.ts";

export interface ShrinkArgs {
  scenario: string;
  seed: number;
  expectation?: string;
  maxRuns: number;
  out?: string;
}

export function cmdShrink(args: ShrinkArgs): number {
  if (!Number.isSafeInteger(args.seed) || args.seed < 0) {
    throw new BrokersimError("E_USAGE", `--seed: expected a whole number >= 0, found ${shownOption("seed", args.seed)}`, { hint: "the failing seed, e.g. --seed 48213" });
  }
  if (!Number.isSafeInteger(args.maxRuns) || args.maxRuns < 1) {
    throw new BrokersimError("E_USAGE", `--max-runs: expected a whole number >= 1, found ${args.maxRuns}`);
  }
  const { file, text } = readScenarioText(args.scenario);
  const say = (l = "") => process.stdout.write(`${l}\n`);
  say(`brokersim ${BROKERSIM_VERSION}  shrink ${file}  seed ${args.seed}  (at most ${args.maxRuns} runs)`);
  const r = shrinkScenario({ text, file, seed: args.seed }, args.expectation, { maxRuns: args.maxRuns });
  const out = args.out ?? join("reports", r.original.scenario.name, `shrunk-seed-${args.seed}.yaml`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, r.yaml);
  say(`kept failing: ${r.target}`);
  say(`${r.runs} runs, ${r.rejected} invalid candidates skipped${r.exhausted ? "; the run budget ran out (raise --max-runs to shrink further)" : ""}`);
  if (r.changes.length === 0) say("nothing could be removed: the scenario is already minimal for this failure");
  else {
    say("removed or reduced:");
    for (const c of r.changes) say(`  ${c}`);
  }
  say(`minimal scenario: ${out}`);
  say(`replay: ${asInvoked(`brokersim run ${out}`)}`);
  return 0;
}
