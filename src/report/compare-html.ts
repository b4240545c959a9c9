// The compare page: one self-contained file (the run report's inlined libraries, no network) with the two
// sides' verdicts next to each other, every metric difference with its direction and size, anomaly counts per
// kind, and the latency, throughput and lag charts of both sides overlaid.
import type { CompareResult, VerdictState } from "../compare/compare-types.ts";
import { formatDelta, formatFavours, formatValue, verdictWord } from "../compare/compare-format.ts";
import { escapeHtml, escapeScript, jsonForScript, libraries } from "./html.ts";
import { COMPARE_CHART_TITLES, compareChartSpecs } from "./compare-charts.ts";
import { FONT } from "./charts.ts";

const esc = escapeHtml;

function sideCell(c: CompareResult, which: "a" | "b"): string {
  const s = c[which];
  const name = s.reportHref ? `<a href="${esc(s.reportHref)}">${esc(s.label)}</a>` : esc(s.label);
  const state = s.passed ? `<span class="badge ok">PASS</span>` : `<span class="badge bad">FAIL</span>`;
  const unmet = s.unmet.length > 0 ? `<div class="muted">unmet: ${esc(s.unmet.join("; "))}</div>` : "";
  return `<div class="side side-${which}"><div class="side-name">${which === "a" ? "solid" : "dashed"} · ${name} ${state}</div>
<div class="muted">scenario <code>${esc(s.scenario)}</code>${s.group ? ` · group <code>${esc(s.group)}</code>` : ""} · seed ${s.seed} · fingerprint <code>${esc(s.fingerprint)}</code></div>${unmet}
<div class="muted">replay: <code>${esc(s.replay)}</code></div></div>`;
}

function stateClass(s: VerdictState): string {
  return s === "holds" ? "ok" : s === "violated" ? "bad" : "na";
}

function verdictsTable(c: CompareResult): string {
  if (c.verdicts.length === 0) return `<p class="muted">Neither side checked an invariant.</p>`;
  if (c.mode === "groups") {
    const rows = c.verdicts.map((v) => `<tr><td><code>${esc(v.invariant)}</code></td><td class="${stateClass(v.a)}">${esc(verdictWord(v.a, v.aAnomalies))}</td></tr>`).join("");
    return `<p class="muted">The checkers judge the whole run, so these verdicts cover both groups.</p>
<table class="verdicts"><thead><tr><th>invariant</th><th>the run</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const rows = c.verdicts
    .map(
      (v) =>
        `<tr${v.differs ? ` class="differs"` : ""}><td><code>${esc(v.invariant)}</code></td><td class="${stateClass(v.a)}">${esc(verdictWord(v.a, v.aAnomalies))}</td><td class="${stateClass(v.b)}">${esc(verdictWord(v.b, v.bAnomalies))}</td><td>${v.differs ? "differs" : ""}</td></tr>`,
    )
    .join("");
  const differing = c.verdicts.filter((v) => v.differs).length;
  return `<p class="muted">${differing === 0 ? "Every invariant has the same verdict on both sides." : `${differing} invariant${differing > 1 ? "s" : ""} differ.`} "absent": that side did not check the invariant.</p>
<table class="verdicts"><thead><tr><th>invariant</th><th>${esc(c.a.label)}</th><th>${esc(c.b.label)}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function metricsTable(c: CompareResult): string {
  const rows = c.metrics
    .map((m) => {
      const fav = formatFavours(c, m);
      const cls = m.favours === "a" ? "fav-a" : m.favours === "b" ? "fav-b" : "";
      return `<tr><td>${esc(m.metric)}${m.note ? `<div class="muted">${esc(m.note)}</div>` : ""}</td><td class="num">${esc(formatValue(m.unit, m.a))}</td><td class="num">${esc(formatValue(m.unit, m.b))}</td><td class="num">${esc(formatDelta(m))}</td><td class="${cls}">${esc(fav)}</td></tr>`;
    })
    .join("");
  return `<p class="muted">difference = second − first (ratio second / first); the last column names the side the difference favours (${esc("lower latency, lag, rebalance and unowned time, anomalies; higher processed throughput")}).</p>
<div class="scroll"><table class="metrics"><thead><tr><th>metric</th><th class="num">${esc(c.a.label)}</th><th class="num">${esc(c.b.label)}</th><th class="num">difference</th><th>favours</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function kindsTable(c: CompareResult): string {
  if (c.mode === "groups") {
    if (c.anomalyKinds.length === 0) return "";
    const rows = c.anomalyKinds.map((k) => `<tr><td><code>${esc(k.invariant)}</code></td><td><code>${esc(k.kind)}</code></td><td class="num">${k.a}</td></tr>`).join("");
    return `<section><h2>Anomalies by kind (the run)</h2><table><thead><tr><th>invariant</th><th>kind</th><th class="num">count</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }
  const body =
    c.anomalyKinds.length === 0
      ? `<p class="muted">No anomaly on either side.</p>`
      : `<table><thead><tr><th>invariant</th><th>kind</th><th class="num">${esc(c.a.label)}</th><th class="num">${esc(c.b.label)}</th><th class="num">difference</th></tr></thead><tbody>${c.anomalyKinds
          .map((k) => `<tr><td><code>${esc(k.invariant)}</code></td><td><code>${esc(k.kind)}</code></td><td class="num">${k.a}</td><td class="num">${k.b}</td><td class="num">${k.b === k.a ? "same" : `${k.b > k.a ? "+" : "−"}${Math.abs(k.b - k.a)}`}</td></tr>`)
          .join("")}</tbody></table>`;
  return `<section><h2>Anomalies by kind</h2>${body}</section>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 ${FONT};color:#1f2328}
main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.6rem;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #d1d9e0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;overflow-wrap:anywhere}
.muted{color:#59636e}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
.side{border:1px solid #d1d9e0;border-radius:6px;padding:10px 12px}.side-a{border-left:4px solid #1f5f99}.side-b{border-left:4px dashed #c44e14}
.side-name{font-weight:600}
.badge{display:inline-block;padding:0 8px;border-radius:999px;font-size:.78rem;font-weight:600;color:#fff}.badge.ok{background:#1a7f37}.badge.bad{background:#cf222e}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.ok{color:#1a7f37}td.bad{color:#cf222e;font-weight:600}td.na{color:#59636e}
tr.differs{background:#fff8e5}
td.fav-a{color:#1f5f99;font-weight:600}td.fav-b{color:#c44e14;font-weight:600}
figure.chart{margin:16px 0 24px;padding:10px 12px;border:1px solid #d1d9e0;border-radius:6px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
.chart-body,.chart-body .vega-embed{width:100%;display:block}
`;

const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById("brokersim-charts").textContent);
  var options = { mode: "vega-lite", renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } };
  var names = Object.keys(specs);
  Promise.all(names.map(function (name) {
    return vegaEmbed(document.querySelector('[data-chart="' + name + '"] .chart-body'), specs[name], options);
  })).then(function () {
    document.body.dataset.chartsRendered = String(names.length);
  }, function (err) {
    document.body.dataset.renderError = String((err && err.message) || err);
    console.error("brokersim compare: a chart failed to render", err);
  });
})();
`;

/** The compare page, self-contained: it needs nothing but a browser. */
export function renderCompareHtml(c: CompareResult): string {
  const specs = compareChartSpecs(c);
  const figures = Object.keys(specs)
    .map((n) => `<figure class="chart" data-chart="${n}"><figcaption>${esc(COMPARE_CHART_TITLES[n] ?? n)}</figcaption><div class="chart-body"></div></figure>`)
    .join("\n");
  const title = c.mode === "groups" ? `${c.a.label} vs ${c.b.label} (groups of ${c.a.scenario})` : `${c.a.label} vs ${c.b.label}`;
  const libs = libraries().map((code) => `<script>${escapeScript(code)}</script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`compare: ${title} — brokersim`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<p class="muted">brokersim ${esc(c.brokersim)} · ${c.mode === "groups" ? "two consumer groups of one run" : "two runs"}; the first side is drawn solid, the second dashed.</p>
<div class="sides">${sideCell(c, "a")}${sideCell(c, "b")}</div>
${c.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join("\n")}
<section><h2>Verdicts</h2>${verdictsTable(c)}</section>
<section><h2>Metric differences</h2>${metricsTable(c)}</section>
${kindsTable(c)}
<section><h2>Over time, overlaid</h2>
<p class="muted">Thin dotted rules mark rebalances (blue: first side, orange: second). Drag to pan, scroll to zoom, double-click to reset.</p>
${figures || `<p class="muted">Neither side has a time series to draw.</p>`}</section>
</main>
${libs}
<script type="application/json" id="brokersim-charts">${jsonForScript(specs)}</script>
<script>${escapeScript(BOOT)}</script>
</body>
</html>
`;
}
