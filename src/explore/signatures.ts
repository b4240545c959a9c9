// Failing seeds grouped by what failed: the unmet expectations and the violated invariants, numbers left out.
// A sweep with 40 failures of one kind and 1 of another should say so, not list 41 seeds in a row.
import type { SweepSummary } from "./summary.ts";

export interface FailureSignature {
  /** "hold: no-loss | violated: no-loss, loss-explained" */
  signature: string;
  seeds: number[];
}

export function failureSignatures(s: SweepSummary): FailureSignature[] {
  const bySeed = new Map(s.rows.map((r) => [r.seed, r]));
  const groups = new Map<string, number[]>();
  for (const f of s.failing) {
    const row = bySeed.get(f.seed);
    const violated = (row?.verdicts ?? []).filter(([, holds]) => !holds).map(([inv]) => inv);
    const signature = `${f.unmet.join("; ")}${violated.length > 0 ? ` | violated: ${violated.join(", ")}` : ""}`;
    const list = groups.get(signature);
    if (list) list.push(f.seed);
    else groups.set(signature, [f.seed]);
  }
  return [...groups]
    .map(([signature, seeds]) => ({ signature, seeds: seeds.slice().sort((a, b) => a - b) }))
    .sort((a, b) => b.seeds.length - a.seeds.length || a.seeds[0]! - b.seeds[0]!);
}
