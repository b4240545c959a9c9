// Words and numbers of a comparison, the same on the terminal and on the page: values in their unit, the
// difference with its sign, the ratio, and which side it favours. No locale: output is the same on every host.
import type { CompareResult, MetricDiff, VerdictState } from "./compare-types.ts";

function group3(n: number, decimals: number): string {
  const [int, frac] = Math.abs(n).toFixed(decimals).split(".");
  return (n < 0 ? "-" : "") + int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac ? `.${frac}` : "");
}

/** A value in its unit: "12.5 ms", "1,000.0 msg/s", "3 rebalances"… "—" when absent. */
export function formatValue(unit: MetricDiff["unit"], v: number | null): string {
  if (v === null) return "—";
  switch (unit) {
    case "ms":
      return `${group3(v, Math.abs(v) < 10 ? 3 : Math.abs(v) < 1000 ? 1 : 0)} ms`;
    case "s":
      return `${group3(v, Math.abs(v) < 10 ? 3 : 1)} s`;
    case "msg/s":
      return `${group3(v, 1)} msg/s`;
    default:
      return group3(v, Number.isInteger(v) ? 0 : 1);
  }
}

/** "+1,234 ms (12.3×)", "−50.0 msg/s (0.95×)", "same", "—". */
export function formatDelta(d: MetricDiff): string {
  if (d.delta === null) return "—";
  if (d.delta === 0) return "same";
  const sign = d.delta > 0 ? "+" : "−";
  const abs = formatValue(d.unit, Math.abs(d.delta));
  // Down to zero on the second side: "(to none)" says more than a ratio of 0.00×.
  if (d.ratio === 0) return `${sign}${abs} (to none)`;
  return d.ratio === null ? `${sign}${abs}` : `${sign}${abs} (${formatRatio(d.ratio)})`;
}

function formatRatio(r: number): string {
  // A big drop reads better as a fraction: "1/2,203" rather than "0.00×".
  if (r > 0 && r < 0.1) return `1/${group3(1 / r, 1 / r >= 100 ? 0 : 1)}`;
  if (r >= 100) return `${group3(r, 0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** Which side a difference favours, in words, with the side's label. */
export function formatFavours(c: CompareResult, d: MetricDiff): string {
  switch (d.favours) {
    case "a":
      return `${c.a.label} ${d.better}`;
    case "b":
      return `${c.b.label} ${d.better}`;
    case "same":
      return "";
    default:
      return d.better === "neither" && d.delta !== null && d.delta !== 0 ? "differs" : "";
  }
}

export function verdictWord(s: VerdictState, anomalies: number): string {
  switch (s) {
    case "violated":
      return `VIOLATED (${group3(anomalies, 0)})`;
    case "absent":
      return "—";
    default:
      return s;
  }
}

/** The terminal's compact side-by-side table. */
export function formatCompareTable(c: CompareResult): string[] {
  const out: string[] = [];
  // Each side's column is as wide as its widest cell (label, verdict or value) plus two spaces.
  const cells = [c.a.label, c.b.label, ...c.metrics.flatMap((m) => [formatValue(m.unit, m.a), formatValue(m.unit, m.b)]), ...c.verdicts.flatMap((v) => [verdictWord(v.a, v.aAnomalies), verdictWord(v.b, v.bAnomalies)])];
  const width = Math.max(12, ...cells.map((x) => x.length)) + 2;
  const col = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const nameW = Math.max(30, ...c.metrics.map((m) => m.metric.length), ...c.verdicts.map((v) => v.invariant.length), ...c.anomalyKinds.map((k) => k.invariant.length + k.kind.length + 1)) + 4;
  out.push(`${"".padEnd(nameW)}${col(c.a.label, width)}${col(c.b.label, width)}difference`);
  if (c.mode === "groups") {
    out.push("verdicts (of the whole run)");
    for (const v of c.verdicts) out.push(`  ${v.invariant.padEnd(nameW - 2)}${verdictWord(v.a, v.aAnomalies)}`);
  } else {
    out.push("verdicts");
    for (const v of c.verdicts) {
      out.push(`  ${v.invariant.padEnd(nameW - 2)}${col(verdictWord(v.a, v.aAnomalies), width)}${col(verdictWord(v.b, v.bAnomalies), width)}${v.differs ? "DIFFERS" : ""}`);
    }
  }
  out.push("metrics");
  for (const m of c.metrics) {
    const fav = formatFavours(c, m);
    out.push(`  ${m.metric.padEnd(nameW - 2)}${col(formatValue(m.unit, m.a), width)}${col(formatValue(m.unit, m.b), width)}${formatDelta(m)}${fav ? `  ${fav}` : ""}`.trimEnd());
  }
  const kinds = c.anomalyKinds.filter((k) => k.a !== k.b || c.mode === "scenarios");
  if (kinds.length > 0 && c.mode === "scenarios") {
    out.push("anomalies by kind");
    for (const k of kinds) out.push(`  ${`${k.invariant} ${k.kind}`.padEnd(nameW - 2)}${col(group3(k.a, 0), width)}${col(group3(k.b, 0), width)}${k.b - k.a === 0 ? "same" : `${k.b > k.a ? "+" : "−"}${group3(Math.abs(k.b - k.a), 0)}`}`);
  }
  for (const n of c.notes) out.push(`note: ${n}`);
  return out;
}
