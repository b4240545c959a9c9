// The hand-written hostile corpus (corpus/, one file per case, each naming the exit codes it may end with)
// and the generated giants (generated.ts): every case ends with an allowed exit, a clean message, whole files
// and within its event budget.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { allowedExitsOf, cleanUp, problemsWith, runCase } from "./harness.ts";
import { generatedCases } from "./generated.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "corpus");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();

/** What the message must say for the cases whose point is the message. */
const MESSAGES: Record<string, RegExp> = {
  "heartbeat-interval-zero": /heartbeatInterval: a heartbeat interval of 0s would repeat/,
  "rate-1e9-per-s": /kernel events, above the budget[\s\S]*producers\[0\]\.rate[\s\S]*--max-events[\s\S]*--allow-large/,
  "sqs-consumers-short-polling-1us": /queueConsumers\[0\]\.count \(10000\) × run \/ emptyPollDelay/,
  "random-crashes-1e6-per-s": /faults\[0\]\.rate/,
  "uniform-min-above-max": /uniform max \(1ms\) is below min \(5ms\)/,
  "empirical-weights-short": /2 weights for 3 values/,
  "queue-wait-missing-queue": /no queue named "nosuch"/,
  "alias-to-own-anchor": /would contain itself/,
  "unclosed-quote": /:3:7 .*never closed/,
  "unclosed-bracket": /:6:9 .*never closed/,
  "undefined-alias": /\*nosuch refers to no anchor/,
  "list-as-mapping-key": /a list is used as a mapping key/,
  "merge-key-scalar": /merge key `<<` needs a mapping/,
  "dedent-by-one-space": /:12:1 .*line 12 is indented 3 spaces/,
  "add-partitions-missing-topic": /no topic named "nosuch"/,
  "pause-partition-99-of-3": /topic t has no partition 99/,
  "group-event-after-run-ends": /after the run ends/,
  "event-with-two-kinds": /exactly one of scale, slowdown, pausePartitions[\s\S]*hint: one event does one thing/,
  "random-min-above-max": /maxDuration \(1s\) is below minDuration \(10s\)/,
  "latin1-description": /not valid UTF-8: byte 0xE9 at byte offset \d+ \(line 4/,
  "proto-key": /unknown key `__proto__`/,
  "slowdown-1e300": /slowdown factor/,
  "swarm-range-beyond-2-53": /beyond what can be drawn exactly/,
  "billion-laughs": /alias-expansion limit[\s\S]*billion laughs/,
  "big-string-aliased-900-times": /alias-count limit/,
  "nested-flow-lists-100000": /nesting-depth limit/,
  "nested-flow-maps-5000": /nesting-depth limit/,
  "nested-swarm-oneof-2000": /nesting-depth limit/,
  "document-too-large": /limited to 2097152 bytes/,
};

describe("the hostile corpus", () => {
  it("holds a file for each case", () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  for (const f of files) {
    const name = f.replace(/\.yaml$/, "");
    it(name, () => {
      const bytes = readFileSync(join(DIR, f));
      const outcome = runCase(name, bytes);
      try {
        expect(problemsWith(outcome, allowedExitsOf(bytes)), outcome.output).toEqual([]);
        if (MESSAGES[name]) expect(outcome.output).toMatch(MESSAGES[name]!);
      } finally {
        cleanUp(outcome);
      }
    });
  }

  for (const c of generatedCases()) {
    it(`${c.name} (generated)`, () => {
      const outcome = runCase(c.name, typeof c.body === "string" ? Buffer.from(c.body) : c.body);
      try {
        expect(problemsWith(outcome, c.exits), outcome.output).toEqual([]);
        if (MESSAGES[c.name]) expect(outcome.output).toMatch(MESSAGES[c.name]!);
      } finally {
        cleanUp(outcome);
      }
    });
  }
});
