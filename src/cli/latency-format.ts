// Terminal lines for the latency breakdown: p50/p99/max and the largest phases per group and queue (when there is
// more than one, or a bound failed), then each failed latency bound's evidence: phases, hot spots and causes.
import type { RunResult } from "../report/result-types.ts";
import { formatDurationUs as d } from "../scenario/units.ts";
import { PHASE_LABELS } from "../latency/types.ts";

const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function latencyLines(r: RunResult): string[] {
  const b = r.metrics.latencyBreakdown;
  if (!b || (b.subjects.length < 2 && b.explanations.length === 0)) return [];
  const out = ["", "latency by group and queue:"];
  for (const s of b.subjects) {
    const top = [...s.phases].sort((a, c) => c.share - a.share).slice(0, 2).filter((p) => p.share > 0);
    out.push(
      `  ${s.kind} ${s.name}`.padEnd(28) +
        `p50 ${d(s.summary.p50)}  p99 ${d(s.summary.p99)}  max ${d(s.summary.max)}  (${s.summary.count})` +
        (top.length > 0 ? `  mostly ${top.map((p) => `${PHASE_LABELS[p.phase]} ${pct(p.share)}`).join(", ")}` : ""),
    );
  }
  for (const e of b.explanations) {
    out.push(`  why ${e.subject} missed ${e.bound}: ${e.slow} of ${e.total} records slower, sent ${d(e.window.fromUs)}–${d(e.window.toUs)}`);
    out.push(`    phases: ${e.phases.filter((p) => p.share > 0).map((p) => `${PHASE_LABELS[p.phase]} ${pct(p.share)} (mean ${d(p.meanUs)})`).join("; ")}`);
    if (e.partitions.length > 0) out.push(`    partitions: ${e.partitions.map((p) => `${p.name} ${pct(p.tailShare)} of the slow (${pct(p.allShare)} of all)`).join(", ")}`);
    for (const c of e.causes.slice(0, 4)) out.push(`    - ${c}`);
    if (e.causes.length > 4) out.push(`    … ${e.causes.length - 4} more in result.json (metrics.latencyBreakdown)`);
  }
  return out;
}
