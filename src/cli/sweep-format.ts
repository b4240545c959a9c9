// Terminal text for sweeps: the progress line and the closing summary. Pure string building.
import { failureSignatures } from "../explore/signatures.ts";
import type { SweepProgress } from "../explore/sweep.ts";
import type { Distribution, SweepSummary } from "../explore/summary.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { table } from "./format.ts";

function clock(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

/** "[#####-----] 512/1000 seeds  41.3/s  ETA 0:12  3 failed"; width 0 leaves the bar out (plain output). */
export function progressLine(p: Pick<SweepProgress, "done" | "planned" | "failed" | "errors">, elapsedS: number, width: number): string {
  const rate = elapsedS > 0 ? p.done / elapsedS : 0;
  const eta = rate > 0 ? (p.planned - p.done) / rate : Infinity;
  const tail = `${p.done}/${p.planned} seeds  ${rate.toFixed(1)}/s  ETA ${clock(eta)}  ${p.failed} failed${p.errors ? `  ${p.errors} errors` : ""}`;
  if (width <= 0) return `progress: ${tail}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 4));
  const filled = Math.round((p.done / Math.max(1, p.planned)) * barWidth);
  return `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${tail}`.slice(0, width - 1);
}

const METRIC_LABELS: Record<string, [string, (v: number) => string]> = {
  latencyP50Us: ["latency p50", formatDurationUs],
  latencyP99Us: ["latency p99", formatDurationUs],
  latencyMaxUs: ["latency max", formatDurationUs],
  produced: ["produced", String],
  consumed: ["processed", String],
  maxLag: ["max lag", String],
};

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function formatSweepSummary(s: SweepSummary): string[] {
  const c = s.counts;
  const out: string[] = [];
  const scope = s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : "";
  out.push(
    "",
    `sweep ${s.scenario.name}${scope}: ${c.run} of ${c.planned} seeds run${s.complete ? "" : " (INCOMPLETE)"}, ${c.passed} passed, ${c.failed} failed` +
      `${c.inputErrors ? `, ${c.inputErrors} with invalid drawn configurations` : ""}${c.internalErrors ? `, ${c.internalErrors} internal errors` : ""}`,
  );
  if (s.expectations.length > 0) {
    out.push("", "expectations:");
    out.push(...table(s.expectations.map((e) => [`  ${e.unmet === 0 ? "ok  " : "FAIL"}`, e.expectation, `unmet in ${e.unmet} of ${e.seeds} seeds`, pct(e.failureRate)])));
  }
  if (s.invariants.length > 0) {
    out.push("", "invariants:");
    out.push(...table(s.invariants.map((v) => [`  ${v.invariant}`, v.violated === 0 ? "held in every seed" : `violated in ${v.violated} of ${v.seeds} seeds`, pct(v.failureRate)])));
  }
  const rows: string[][] = [["  metric across seeds", "min", "p10", "p50", "p90", "max"]];
  for (const [k, d] of Object.entries(s.metrics)) {
    if (!d) continue;
    const [label, f] = METRIC_LABELS[k] ?? [k, String];
    rows.push([`  ${label}`, ...(["min", "p10", "p50", "p90", "max"] as (keyof Distribution)[]).map((q) => f(d[q]))]);
  }
  if (rows.length > 1) out.push("", ...table(rows));
  if (s.coverage.length > 0) {
    out.push("", "coverage goals:");
    out.push(...table(s.coverage.map((g) => [`  ${g.reached ? "reached  " : "UNREACHED"}`, g.goal, g.reached ? `in ${g.reachedSeeds} of ${c.run} seeds (first: seed ${g.firstSeed})` : "in no seed"])));
  }
  if (s.determinism) {
    out.push("", s.determinism.diverged.length === 0
      ? `determinism: ${s.determinism.checked} seeds run twice, identical`
      : `determinism: ${s.determinism.diverged.length} of ${s.determinism.checked} seeds DIVERGED`);
    for (const d of s.determinism.diverged.slice(0, 10)) out.push(`  seed ${d.seed}: ${d.detail}`);
  }
  const shown = 20;
  if (s.failing.length > 0) {
    const signatures = failureSignatures(s);
    if (signatures.length > 0) {
      out.push("", `failures by signature (${signatures.length}):`);
      for (const g of signatures) {
        const seeds = g.seeds.length > 8 ? `${g.seeds.slice(0, 8).join(", ")}, …` : g.seeds.join(", ");
        out.push(`  ${String(g.seeds.length).padStart(5)} seed${g.seeds.length === 1 ? " " : "s"}  ${g.signature}  (seeds ${seeds})`);
      }
    }
    out.push("", `failing seeds (${s.failing.length}); replay each with:`);
    const bySeed = new Map(s.rows.map((r) => [r.seed, r]));
    for (const f of s.failing.slice(0, shown)) {
      out.push(`  ${f.replay}    # ${f.unmet.join("; ")}`);
      const draws = bySeed.get(f.seed)?.swarm;
      if (draws?.length) out.push(`      drawn: ${draws.map((d) => `${d.path} = ${JSON.stringify(d.value)}`).join(", ")}`);
    }
    if (s.failing.length > shown) out.push(`  ... ${s.failing.length - shown} more in summary.json`);
  }
  if (s.errors.length > 0) {
    out.push("", `seeds that could not run (${s.errors.length}):`);
    for (const e of s.errors.slice(0, shown)) out.push(`  seed ${e.seed} (${e.kind}): ${e.message.split("\n")[0]}`, `    ${e.replay}`);
  }
  return out;
}
