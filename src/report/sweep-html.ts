// The sweep report: one self-contained page (same inlined libraries as the run report) with the failure rate
// per invariant and expectation, metric distributions across seeds, coverage goals and the failing seeds'
// replay commands.
import { escapeHtml, escapeScript, jsonForScript, libraries } from "./html.ts";
import type { SweepSummary } from "../explore/summary.ts";
import { formatDurationUs } from "../scenario/units.ts";

const METRICS: [key: string, title: string, unit: "us" | "count"][] = [
  ["latencyP99Us", "End-to-end latency p99 per seed", "us"],
  ["latencyMaxUs", "End-to-end latency max per seed", "us"],
  ["maxLag", "Max consumer lag per seed (records)", "count"],
  ["consumed", "Messages processed per seed", "count"],
];

export function sweepChartSpecs(s: SweepSummary): Record<string, object> {
  const specs: Record<string, object> = {};
  const rates = [
    ...s.invariants.map((v) => ({ what: `invariant ${v.invariant}`, rate: v.failureRate, failed: v.violated, seeds: v.seeds })),
    ...s.expectations.map((e) => ({ what: `expect ${e.expectation}`, rate: e.failureRate, failed: e.unmet, seeds: e.seeds })),
  ].map((r) => ({ ...r, status: r.failed > 0 ? "some seeds fail" : "no seed fails" }));
  if (rates.length > 0) {
    specs.failureRate = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: "container",
      data: { values: rates },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "what", type: "nominal", sort: null, title: null, axis: { labelLimit: 360 } },
        x: { field: "rate", type: "quantitative", title: "share of seeds failing", scale: { domain: [0, 1] }, axis: { format: "%" } },
        color: {
          field: "status",
          type: "nominal",
          scale: { domain: ["some seeds fail", "no seed fails"], range: ["#c0392b", "#2e8b57"] },
          legend: { orient: "top", title: null },
        },
        tooltip: [{ field: "what" }, { field: "failed", title: "seeds failing" }, { field: "seeds" }],
      },
    };
  }
  const ran = s.rows.filter((r) => r.metrics);
  for (const [key, title, unit] of METRICS) {
    if (ran.length === 0) break;
    const values = ran.map((r) => ({
      seed: r.seed,
      value: unit === "us" ? (r.metrics as Record<string, number>)[key]! / 1000 : (r.metrics as Record<string, number>)[key]!,
      passed: r.passed ? "passed" : "failed",
    }));
    specs[key] = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title,
      width: "container",
      data: { values },
      mark: { type: "bar", tooltip: true },
      encoding: {
        x: { field: "value", type: "quantitative", bin: { maxbins: 40 }, title: unit === "us" ? "ms" : "records" },
        y: { aggregate: "count", type: "quantitative", title: "seeds" },
        color: { field: "passed", type: "nominal", scale: { domain: ["passed", "failed"], range: ["#2e8b57", "#c0392b"] }, title: null },
      },
    };
  }
  return specs;
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.6rem;margin:0 0 6px}h2{font-size:1.2rem;margin:28px 0 8px;border-bottom:1px solid #dde2e8;padding-bottom:4px}
.muted{color:#5c6773}.bad{color:#c0392b;font-weight:600}.ok{color:#2e8b57;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:5px 9px;border-bottom:1px solid #dde2e8;vertical-align:top}
th{background:#f5f7f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f5f7f9;padding:1px 5px;border-radius:4px;user-select:all;overflow-wrap:anywhere}
figure{margin:14px 0;padding:8px 10px;border:1px solid #dde2e8;border-radius:6px}
.chart-body,.chart-body .vega-embed{width:100%;display:block}
`;

const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById("sweep-charts").textContent);
  var names = Object.keys(specs);
  var options = { mode: "vega-lite", renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } };
  Promise.all(names.map(function (name) {
    return vegaEmbed(document.querySelector('[data-chart="' + name + '"] .chart-body'), specs[name], options);
  })).then(function () { document.body.dataset.chartsRendered = String(names.length); },
    function (err) { document.body.dataset.renderError = String((err && err.message) || err); });
})();
`;

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function rowsTable(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="muted">none</p>`;
  return `<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
}

export function renderSweepHtml(s: SweepSummary): string {
  const specs = sweepChartSpecs(s);
  const c = s.counts;
  const verdict = c.failed + c.inputErrors + c.internalErrors === 0 ? `<span class="ok">all ${c.run} seeds met their expectations</span>` : `<span class="bad">${c.failed} of ${c.run} seeds failed</span>`;
  const scope = s.shard ? ` · shard ${s.shard.index}/${s.shard.count}` : "";
  const fmt = (key: string, v: number) => (key.endsWith("Us") ? formatDurationUs(v) : String(v));
  const libs = libraries().map((code) => `<script>${escapeScript(code)}</script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${s.scenario.name} sweep — brokersim`)}</title><style>${CSS}</style></head>
<body><main>
<h1>${escapeHtml(s.scenario.name)} — seed sweep</h1>
<p class="muted">${escapeHtml(s.scenario.file)} · seeds ${s.seeds.from}..${s.seeds.to}${scope} · brokersim ${escapeHtml(s.brokersim)}${s.complete ? "" : ` · <span class="bad">INCOMPLETE: ${c.run} of ${c.planned} seeds</span>`}</p>
<p>${verdict}</p>
<h2>Failure rate</h2>
${rowsTable(["what", "seeds failing", "rate"], [
    ...s.invariants.map((v) => [`invariant <b>${escapeHtml(v.invariant)}</b>`, `${v.violated} / ${v.seeds}`, pct(v.failureRate)]),
    ...s.expectations.map((e) => [`expect <b>${escapeHtml(e.expectation)}</b>`, `${e.unmet} / ${e.seeds}`, pct(e.failureRate)]),
  ])}
${specs.failureRate ? `<figure data-chart="failureRate"><div class="chart-body"></div></figure>` : ""}
<h2>Metrics across seeds</h2>
${rowsTable(["metric", "min", "p10", "p50", "p90", "max"], Object.entries(s.metrics).filter(([, d]) => d).map(([k, d]) => [
    escapeHtml(k), ...(["min", "p10", "p50", "p90", "max"] as const).map((q) => escapeHtml(fmt(k, d![q]))),
  ]))}
${METRICS.filter(([k]) => specs[k]).map(([k]) => `<figure data-chart="${k}"><div class="chart-body"></div></figure>`).join("\n")}
<h2>Coverage goals</h2>
${rowsTable(["goal", "reached", "seeds", "first seed"], s.coverage.map((g) => [
    escapeHtml(g.goal), g.reached ? `<span class="ok">yes</span>` : `<span class="bad">UNREACHED</span>`, String(g.reachedSeeds), g.firstSeed === null ? "—" : String(g.firstSeed),
  ]))}
${s.determinism ? `<h2>Determinism</h2><p>${s.determinism.checked} seeds run twice; ${s.determinism.diverged.length === 0 ? `<span class="ok">all identical</span>` : `<span class="bad">${s.determinism.diverged.length} diverged</span>`}</p>
${rowsTable(["seed", "divergence"], s.determinism.diverged.map((d) => [String(d.seed), escapeHtml(d.detail)]))}` : ""}
<h2>Failing seeds</h2>
${rowsTable(["seed", "unmet", "replay"], s.failing.slice(0, 500).map((f) => [String(f.seed), escapeHtml(f.unmet.join("; ")), `<code>${escapeHtml(f.replay)}</code>`]))}
${s.failing.length > 500 ? `<p class="muted">… ${s.failing.length - 500} more in summary.json</p>` : ""}
${s.errors.length ? `<h2>Seeds that could not run</h2>${rowsTable(["seed", "kind", "message", "replay"], s.errors.slice(0, 200).map((e) => [String(e.seed), e.kind, escapeHtml(e.message), `<code>${escapeHtml(e.replay)}</code>`]))}` : ""}
</main>
${libs}
<script type="application/json" id="sweep-charts">${jsonForScript(specs)}</script>
<script>${escapeScript(BOOT)}</script>
</body></html>
`;
}
