// Turns a scenario's `expect` block and the verdicts into met/unmet expectations. Pure, like the checkers.
import type { ExpectationOutcome, LatencySummaryUs, Verdict } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { formatDurationUs } from "../scenario/units.ts";

const LATENCY_KEYS = ["p50", "p90", "p99", "p999", "max"] as const;

export function evaluateExpectations(scenario: Scenario, verdicts: Verdict[], latency: LatencySummaryUs): ExpectationOutcome[] {
  const byName = new Map(verdicts.map((v) => [v.invariant, v]));
  const out: ExpectationOutcome[] = [];
  for (const inv of scenario.expect.hold) {
    const v = byName.get(inv)!;
    out.push({
      expectation: `hold: ${inv}`,
      met: v.holds,
      detail: v.holds ? (v.notChecked !== undefined ? `not checked (${v.notChecked}), so nothing could break it` : v.summary) : `expected to hold, but ${v.summary}`,
    });
  }
  for (const inv of scenario.expect.violate) {
    const v = byName.get(inv)!;
    out.push({
      expectation: `violate: ${inv}`,
      met: !v.holds,
      detail: v.holds ? `expected a violation, but ${v.summary}` : `violated as expected: ${v.summary}`,
    });
  }
  for (const inv of scenario.expect.permitted ?? []) {
    const v = byName.get(inv)!;
    const bad = v.holds ? 0 : (v.unpermitted ?? v.anomalyCount);
    out.push({
      expectation: `permitted: ${inv}`,
      met: bad === 0,
      detail: bad === 0 ? (v.holds ? v.summary : `only as the settings permit: ${v.summary}`) : `${bad} anomalies no setting permits: ${v.summary}`,
    });
  }
  const bounds = scenario.expect.latency;
  // Only per-group or per-queue bounds (latency.groups / latency.queues): src/latency/bounds.ts evaluates them.
  if (bounds && LATENCY_KEYS.some((k) => bounds[k] !== undefined)) {
    const broken: string[] = [];
    const parts: string[] = [];
    for (const k of LATENCY_KEYS) {
      const bound = bounds[k];
      if (bound === undefined) continue;
      const actual = latency[k];
      const ok = latency.count > 0 && actual <= bound;
      const text = `${k} ${formatDurationUs(actual)} ${ok ? "<=" : ">"} ${formatDurationUs(bound)}`;
      parts.push(text);
      if (!ok) broken.push(latency.count === 0 ? `${k}: no message was processed` : text);
    }
    const wantBroken = scenario.expect.latencyViolated;
    const label = `latency ${LATENCY_KEYS.filter((k) => bounds[k] !== undefined)
      .map((k) => `${k} <= ${formatDurationUs(bounds[k]!)}`)
      .join(", ")}${wantBroken ? " (expected to be exceeded)" : ""}`;
    out.push({
      expectation: label,
      met: wantBroken ? broken.length > 0 : broken.length === 0,
      detail: broken.length > 0 ? `exceeded: ${broken.join("; ")}` : `within bounds: ${parts.join("; ")}`,
    });
  }
  return out;
}
