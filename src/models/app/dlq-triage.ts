// DLQ triage: dead-lettered records carry why (the step, the exception, attempts, first and last failure);
// grouping them by destination, cause and key with counts and a first example is what a person reads first.
// The report and `brokersim dlq <result.json>` show the same table.

/** One dead-lettered (or skipped, or stalled) record and its headers. */
export interface DeadLetterRow {
  /** `<topic>.DLT`, `<topic>-dlt`, or "(skipped)" / "(stalled)". */
  destination: string;
  msg: number;
  key: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: number;
  step: string;
  exception: string;
  attempts: number;
  firstFailureUs: number;
  lastFailureUs: number;
  atUs: number;
  member: string;
  /** A record written by a pipeline stage's produce step: the input record it was produced from. */
  producedFrom?: number;
}

export interface DlqTriageRow {
  destination: string;
  cause: string;
  key: string;
  count: number;
  firstMsg: number;
  firstAtUs: number;
  maxAttempts: number;
}

export function causeOf(r: DeadLetterRow): string {
  return `${r.step}: ${r.exception}`;
}

/** Groups rows by (destination, cause, key), biggest groups first, ties by destination, cause, key. */
export function dlqTriage(rows: readonly DeadLetterRow[]): DlqTriageRow[] {
  const groups = new Map<string, DlqTriageRow>();
  for (const r of rows) {
    const cause = causeOf(r);
    const id = `${r.destination}\u0000${cause}\u0000${r.key}`;
    const g = groups.get(id);
    if (g === undefined) groups.set(id, { destination: r.destination, cause, key: r.key, count: 1, firstMsg: r.msg, firstAtUs: r.atUs, maxAttempts: r.attempts });
    else {
      g.count++;
      g.maxAttempts = Math.max(g.maxAttempts, r.attempts);
    }
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort((a, b) => b.count - a.count || cmp(a.destination, b.destination) || cmp(a.cause, b.cause) || cmp(a.key, b.key));
}

/** Rolled up by (destination, cause): records, distinct keys, first time. */
export function triageByCause(rows: readonly DlqTriageRow[]): { destination: string; cause: string; count: number; keys: number; firstAtUs: number }[] {
  const out = new Map<string, { destination: string; cause: string; count: number; keys: number; firstAtUs: number }>();
  for (const r of rows) {
    const id = `${r.destination}\u0000${r.cause}`;
    const g = out.get(id);
    if (!g) out.set(id, { destination: r.destination, cause: r.cause, count: r.count, keys: 1, firstAtUs: r.firstAtUs });
    else {
      g.count += r.count;
      g.keys++;
      g.firstAtUs = Math.min(g.firstAtUs, r.firstAtUs);
    }
  }
  return [...out.values()].sort((a, b) => b.count - a.count || a.firstAtUs - b.firstAtUs);
}

/** The triage table as text (the CLI prints it): by cause first, then by cause and key. */
export function formatTriage(rows: readonly DlqTriageRow[], max = 50): string {
  if (rows.length === 0) return "no dead-lettered, skipped or stalled records";
  const causes = triageByCause(rows)
    .map((c) => `  ${c.destination}  ${c.cause}: ${c.count} record(s), ${c.keys} key(s), first at ${(c.firstAtUs / 1e6).toFixed(3)}s`)
    .join("\n");
  return `by cause:\n${causes}\n\nby cause and key:\n${formatKeyTable(rows, max)}`;
}

function formatKeyTable(rows: readonly DlqTriageRow[], max: number): string {
  const head = ["destination", "cause", "key", "count", "first", "max attempts"];
  const body = rows.slice(0, max).map((r) => [r.destination, r.cause, r.key, String(r.count), `m-${r.firstMsg} at ${(r.firstAtUs / 1e6).toFixed(3)}s`, String(r.maxAttempts)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const out = [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  if (rows.length > max) out.push(`... and ${rows.length - max} more group(s)`);
  return out.join("\n");
}
