// `brokersim dlq <result.json>`: the dead-letter triage table of a finished run (records dead-lettered, skipped
// or stalled, grouped by destination, cause and key, with counts and a first example), as the report shows it.
import { readFileSync } from "node:fs";
import { BrokersimError } from "../scenario/errors.ts";
import { dlqTriage, formatTriage, type DeadLetterRow, type DlqTriageRow } from "../models/app/dlq-triage.ts";

export function cmdDlq(file: string, json: boolean, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  // One write at the end: a reader that closes early (| head) then costs one EPIPE at most, not a half table.
  const parts: string[] = [];
  const write = (s: string): void => void parts.push(s);
  const code = dlqText(file, json, write);
  out(parts.join(""));
  return code;
}

function dlqText(file: string, json: boolean, write: (s: string) => void): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new BrokersimError("E_USAGE", `cannot read ${file}`, { hint: "give the path of a run's result.json, e.g. reports/<scenario>/seed-1/result.json" });
  }
  let parsed: { metrics?: { app?: { triage?: DlqTriageRow[]; deadLetters?: DeadLetterRow[]; deadLetterCount?: number } } };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BrokersimError("E_USAGE", `${file} is not JSON`, { hint: "give the result.json a run wrote" });
  }
  const app = parsed.metrics?.app;
  const rows = app?.triage ?? dlqTriage(app?.deadLetters ?? []);
  if (json) {
    write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (!app) {
    write("this run has no application layer (no handler:, services: or stores:), so nothing was dead-lettered\n");
    return 0;
  }
  write(`${formatTriage(rows)}\n`);
  const n = app.deadLetterCount ?? 0;
  if (n > 0) {
    const first = app.deadLetters?.[0];
    if (first) {
      write(
        `\n${n} record(s) in all. First: m-${first.msg} to ${first.destination}, from ${first.originalTopic}/${first.originalPartition} offset ${first.originalOffset}, ` +
          `${first.exception} at step ${first.step}, ${first.attempts} attempt(s), failures ${(first.firstFailureUs / 1e6).toFixed(3)}s → ${(first.lastFailureUs / 1e6).toFixed(3)}s\n`,
      );
    }
  }
  return 0;
}
