// Anomalies of every invariant grouped by root cause, so a report leads with "297 records lost when broker-1
// was elected uncleanly" instead of four verdicts each counting the same records. Generic over anomalies: any
// checker's output fits without changes here.
//  1. Anomalies that share a message are one story: union them (union-find over message ids).
//  2. An anomaly's cause is its own `cause` label, else the label another anomaly of its story carries (checkers/causes.ts); a story without
//     one is named after its symptoms ("no-loss: unseen"), so unlabelled checkers still group sensibly.
//  3. Stories with the same cause are one root cause; sizes are distinct messages and anomalies.
import type { RootCause } from "../report/result-types.ts";
import type { AnomalyRecord } from "./anomaly-ledger.ts";

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** Resolves each record's cause (written back into the records, so anomalies.jsonl carries it) and groups them. */
export function groupByRootCause(records: AnomalyRecord[]): RootCause[] {
  const n = records.length;
  if (n === 0) return [];
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const byMessage = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (const m of records[i].messageIds) {
      const j = byMessage.get(m);
      if (j === undefined) byMessage.set(m, i);
      else {
        const a = find(parent, i);
        const b = find(parent, j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  // The label of a story: the first labelled anomaly in verdict order; else its first anomaly's symptom.
  const label = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const c = records[i].cause;
    if (c === undefined) continue;
    const root = find(parent, i);
    if (!label.has(root)) label.set(root, c);
  }
  const groups = new Map<string, { records: number[]; messages: Set<number> }>();
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    const r = records[i];
    // An anomaly's own label wins; unlabelled ones take their story's, or their story's first symptom.
    const cause = r.cause ?? label.get(root) ?? `${records[root].invariant}: ${records[root].kind}`;
    r.cause = cause;
    let g = groups.get(cause);
    if (!g) groups.set(cause, (g = { records: [], messages: new Set() }));
    g.records.push(i);
    for (const m of r.messageIds) g.messages.add(m);
  }
  const out: RootCause[] = [];
  for (const [cause, g] of groups) {
    const symptoms = new Map<string, { invariant: string; kind: string; count: number }>();
    let firstUs: number | null = null;
    let lastUs: number | null = null;
    for (const i of g.records) {
      const r = records[i];
      const key = `${r.invariant}\u0000${r.kind}`;
      const s = symptoms.get(key);
      if (s) s.count++;
      else symptoms.set(key, { invariant: r.invariant, kind: r.kind, count: 1 });
      for (const t of r.timesUs ?? []) {
        if (firstUs === null || t < firstUs) firstUs = t;
        if (lastUs === null || t > lastUs) lastUs = t;
      }
    }
    out.push({
      cause,
      messages: g.messages.size,
      anomalies: g.records.length,
      symptoms: [...symptoms.values()],
      firstUs,
      lastUs,
      exampleMessages: [...g.messages].sort((a, b) => a - b).slice(0, 5),
    });
  }
  // Largest first by messages, then anomalies; the label breaks ties so the order is total.
  return out.sort((a, b) => b.messages - a.messages || b.anomalies - a.anomalies || (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0));
}
