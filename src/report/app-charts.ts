// The application part of the report: per downstream service the calls offered, answered ok and failed over
// time; each circuit breaker's state over time (0 closed, 1 half-open, 2 open); fault windows shaded as on every
// chart. And the dead-letter triage table: records dead-lettered, skipped or stalled, by cause and by key.
import type { RunResult } from "./result-types.ts";
import type { TimeChartOptions } from "./charts.ts";
import { triageByCause } from "../models/app/dlq-triage.ts";

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];
const STATE_LEVEL = { closed: 0, "half-open": 1, open: 2 } as const;
/** Most breaker lines one chart draws (one per member and service). */
const MAX_BREAKERS = 16;

export const APP_CHART_TITLES: Record<string, string> = {};

export function appChartSpecs(result: RunResult, chart: (o: TimeChartOptions) => object): Record<string, object> {
  const app = result.metrics.app;
  if (!app) return {};
  const { faults } = result.metrics;
  const totalS = result.simulatedUs / 1e6;
  const out: Record<string, object> = {};
  app.services.forEach((s, j) => {
    const name = `service-${j}`;
    APP_CHART_TITLES[name] = `Downstream service ${s.service}: calls offered, succeeded and failed`;
    out[name] = chart({
      rows: s.offeredPerS.map((v, i) => ({ t: Number(((i * s.bucketUs) / 1e6).toFixed(6)), offered: v, ok: s.okPerS[i], errors: s.errorsPerS[i] })),
      series: [
        { field: "offered", label: "offered", color: "#4c78a8" },
        { field: "ok", label: "succeeded", color: "#54a24b" },
        { field: "errors", label: "errors", color: "#e45756" },
      ],
      yTitle: "calls per second",
      tooltipFormat: ",.1f",
      faults,
      totalS,
    });
  });
  const breakers = app.breakers.slice(0, MAX_BREAKERS);
  if (breakers.length > 0 && app.services.length > 0) {
    const bucketUs = app.services[0].bucketUs;
    const n = app.services[0].offeredPerS.length;
    APP_CHART_TITLES["breakers"] = "Circuit breaker state (0 closed, 1 half-open, 2 open)";
    out["breakers"] = chart({
      rows: Array.from({ length: n }, (_, i) => {
        const endUs = (i + 1) * bucketUs;
        const row: Record<string, number> = { t: Number(((i * bucketUs) / 1e6).toFixed(6)) };
        // The state at the end of the bucket, so a short open spell still shows.
        breakers.forEach((b, j) => {
          let level = 0;
          for (const tr of b.transitions) if (tr.atUs < endUs) level = STATE_LEVEL[tr.state];
          row[`b${j}`] = level;
        });
        return row;
      }),
      series: breakers.map((b, j) => ({ field: `b${j}`, label: `${b.member} → ${b.service}`, color: PALETTE[j % PALETTE.length] })),
      yTitle: "breaker state",
      tooltipFormat: "d",
      faults,
      totalS,
    });
  }
  return out;
}

/** The dead-letter triage: by cause, then the largest (cause, key) groups with a first example. */
export function appSection(result: RunResult, esc: (s: string) => string): string {
  const app = result.metrics.app;
  if (!app) return "";
  const causes = triageByCause(app.triage);
  const s = (us: number): string => `${(us / 1e6).toFixed(3)} s`;
  const causeRows = causes.map((c) => `<tr><td><code>${esc(c.destination)}</code></td><td>${esc(c.cause)}</td><td class="num">${c.count}</td><td class="num">${c.keys}</td><td class="num">${s(c.firstAtUs)}</td></tr>`).join("");
  const keyRows = app.triage
    .slice(0, 30)
    .map((r) => `<tr><td><code>${esc(r.destination)}</code></td><td>${esc(r.cause)}</td><td>${esc(r.key)}</td><td class="num">${r.count}</td><td>m-${r.firstMsg} at ${s(r.firstAtUs)}</td><td class="num">${r.maxAttempts}</td></tr>`)
    .join("");
  const calls = app.services.map((x) => `${esc(x.service)}: ${x.calls} call(s), ${x.errors} error(s)`).join("; ");
  const body =
    causes.length === 0
      ? `<p class="muted">No record was dead-lettered, skipped or stalled.</p>`
      : `<div class="scroll"><table><thead><tr><th>destination</th><th>cause (step: exception)</th><th class="num">records</th><th class="num">keys</th><th class="num">first</th></tr></thead><tbody>${causeRows}</tbody></table></div>
<details><summary>By cause and key (${app.triage.length} group(s))</summary><div class="scroll"><table><thead><tr><th>destination</th><th>cause</th><th>key</th><th class="num">count</th><th>first example</th><th class="num">max attempts</th></tr></thead><tbody>${keyRows}</tbody></table></div></details>`;
  return `<section><h2>Application: downstream calls and dead letters</h2>
<p class="muted">${calls || "No downstream service."} Dead-lettered ${app.deadLetterCount - app.skipped - app.stalled}, skipped ${app.skipped}, stalled ${app.stalled}, redriven ${app.redriven}. <code>brokersim dlq result.json</code> prints the same table.</p>
${body}</section>`;
}
