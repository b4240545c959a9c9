// The latency part of the report, per consumer group and per queue (the "Over time" latency chart pools every
// group): p99 over time with one line per group or queue, where each one's time went (phases as stacked bars),
// a table of the numbers, and, for every latency bound that failed, its explanation with the evidence.
import type { RunResult } from "./result-types.ts";
import { FONT, timeChart } from "./charts.ts";
import { PHASE_LABELS, type LatencyBreakdown, type LatencySubject } from "../latency/types.ts";
import { formatDurationUs } from "../scenario/units.ts";

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];
/** Most lines the per-group chart draws; more read as noise (the table lists every one). */
const MAX_LINES = 12;

const subjectLabel = (s: LatencySubject): string => `${s.kind} ${s.name}`;
const ms = (us: number | null): number | null => (us === null ? null : Math.round(us) / 1000);

export const LATENCY_CHART_TITLES: Record<string, string> = {
  latencyBySubject: "End-to-end latency p99 per group and queue",
  latencyPhases: "Where the time went: mean latency per phase, per group and queue",
};

export function latencyChartSpecs(result: RunResult): Record<string, object> {
  const b = result.metrics.latencyBreakdown;
  if (!b || b.subjects.length === 0) return {};
  const { series, faults } = result.metrics;
  const shown = b.subjects.slice(0, MAX_LINES);
  const totalS = result.simulatedUs / 1e6;
  return {
    latencyBySubject: timeChart({
      // Subject names become labels, not field names (a dot would read as a nested field).
      rows: series.t.map((t, i) => Object.fromEntries([["t", Number((t / 1e6).toFixed(6))], ...shown.map((s, j) => [`s${j}`, ms(s.p99Us[i] ?? null)])])),
      series: shown.map((s, j) => ({ field: `s${j}`, label: subjectLabel(s), color: PALETTE[j % PALETTE.length] })),
      yTitle: "p99 end-to-end latency (ms, log)",
      yLog: true,
      tooltipFormat: ",.3f",
      faults,
      rebalances: (result.metrics.groups ?? []).flatMap((g) => g.markers),
      totalS,
    }),
    latencyPhases: phaseBars(b),
  };
}

/** One horizontal bar per subject, stacked by phase (mean ms), with a legend naming the phases. */
function phaseBars(b: LatencyBreakdown): object {
  const values = b.subjects.flatMap((s) => s.phases.map((p, order) => ({ subject: subjectLabel(s), phase: PHASE_LABELS[p.phase], order, ms: p.meanUs / 1000 })));
  return {
    width: "container",
    height: Math.max(60, 28 * b.subjects.length),
    autosize: { type: "fit-x", contains: "padding" },
    config: { font: FONT },
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "subject", type: "nominal", title: null, sort: null },
      x: { field: "ms", type: "quantitative", stack: "zero", title: "mean latency (ms)" },
      color: { field: "phase", type: "nominal", title: "phase", sort: null, legend: { orient: "bottom", columns: 2, labelLimit: 360 } },
      order: { field: "order", type: "quantitative" },
    },
  };
}

const d = (us: number): string => formatDurationUs(us);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function latencySection(result: RunResult, esc: (s: string) => string): string {
  const b = result.metrics.latencyBreakdown;
  if (!b || b.subjects.length === 0) return "";
  const rows = b.subjects
    .map((s) => {
      const phases = s.phases.map((p) => `${esc(PHASE_LABELS[p.phase])} ${d(p.meanUs)} (${pct(p.share)})`).join("; ");
      const m = s.summary;
      return `<tr><td><code>${esc(subjectLabel(s))}</code></td><td class="num">${m.count}</td><td class="num">${d(m.p50)}</td><td class="num">${d(m.p99)}</td><td class="num">${d(m.max)}</td><td>${phases}</td></tr>`;
    })
    .join("");
  const explanations = b.explanations
    .map((e) => {
      const phases = e.phases.map((p) => `<li>${esc(PHASE_LABELS[p.phase])}: ${pct(p.share)} (mean ${d(p.meanUs)})</li>`).join("");
      const shares = (list: typeof e.keys, what: string) =>
        list.length === 0 ? "" : `<p>${what}: ${list.map((k) => `<code>${esc(k.name)}</code> ${k.count} (${pct(k.tailShare)} of the slow, ${pct(k.allShare)} of all)`).join(", ")}</p>`;
      return `<div class="explanation"><h3>${esc(e.subject)}: <code>${esc(e.bound)}</code> failed</h3><p>${esc(e.summary)}</p>
<p>${e.slow} of ${e.total} records slower than ${d(e.boundUs)}, sent ${d(e.window.fromUs)}–${d(e.window.toUs)}, the last done at ${d(e.window.lastDoneUs)}.</p>
<ul>${phases}</ul>${shares(e.partitions, "Partitions")}${shares(e.keys, "Keys")}
<p>What happened meanwhile:</p><ul>${e.causes.map((c) => `<li>${esc(c)}</li>`).join("")}</ul></div>`;
    })
    .join("\n");
  const figures = Object.keys(latencyChartSpecs(result))
    .map((n) => `<figure class="chart" data-chart="${n}"><figcaption>${esc(LATENCY_CHART_TITLES[n] ?? n)}</figcaption><div class="chart-body"></div></figure>`)
    .join("\n");
  return `<section><h2>Latency by group and queue</h2>
<p class="muted">Each record's end-to-end latency cut into phases that sum to it: producer to leader (the accumulator's linger, the request, retries), waiting for acks, in the log before a fetch, waiting in the consumer, processing; for queues, the send, the wait before the first receive, earlier deliveries, and the last delivery until its ack.</p>
${explanations}
<div class="scroll"><table><thead><tr><th>group or queue</th><th class="num">records</th><th class="num">p50</th><th class="num">p99</th><th class="num">max</th><th>mean per phase (share of the time)</th></tr></thead><tbody>${rows}</tbody></table></div>
${figures}</section>`;
}
