// The HTML report: one self-contained page that opens from disk with no network at all, so it can be
// mailed, attached to a ticket or archived next to result.json and still work years later.
import { causesSection } from "./causes-section.ts";
import { noStreamReason } from "./no-figure.ts";
import { flowSection } from "./flow-svg.ts";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Anomaly, RunResult, Verdict } from "./result-types.ts";
import { CHART_TITLES, FONT, chartSpecs, queueOnly } from "./charts.ts";
import { QUEUE_CHART_TITLES, queuesSection } from "./queue-charts.ts";
import { APP_CHART_TITLES, appSection } from "./app-charts.ts";
import { STREAM_CHART_TITLES } from "./stream-charts.ts";
import { PRODUCER_CHART_TITLES } from "./producer-charts.ts";
import { diagramsSections } from "./diagrams-section.ts";
import { latencyChartSpecs, latencySection } from "./latency-charts.ts";
import { PAUSE_CHART_TITLES } from "./pause-charts.ts";

// The chart specs live in charts.ts; re-exported so the tests and the sweep report keep their import paths.
export { chartSpecs } from "./charts.ts";
export type { SeriesField, TimeChartOptions } from "./charts.ts";

// ---------- inlined libraries ----------

/** Order matters: vega-lite and vega-embed's UMD wrappers pick up `vega`/`vegaLite` from globals. */
const LIBRARIES = [
  ["vega", "build/vega.min.js"],
  ["vega-lite", "build/vega-lite.min.js"],
  ["vega-embed", "build/vega-embed.min.js"],
] as const;

let librariesCache: string[] | undefined;

function packageDir(name: string): string {
  // The packages' `exports` hide build/*.min.js, so resolve the entry point and walk up to package.json.
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch {
    entry = createRequire(import.meta.url).resolve(name);
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === name) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the package directory of ${name} from ${entry}`);
  }
}

/** The vega, vega-lite and vega-embed bundles, read once; inline each with escapeScript. */
export function libraries(): string[] {
  librariesCache ??= LIBRARIES.map(([name, file]) =>
    // A sourceMappingURL would make an open devtools panel fetch a .map file that is not there.
    readFileSync(join(packageDir(name), file), "utf8").replace(/^\/\/# sourceMappingURL=.*$/gm, ""),
  );
  return librariesCache;
}

// ---------- escaping ----------

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** For inlined code: both rewrites keep the meaning inside strings, regexes and comments, where these occur. */
export function escapeScript(code: string): string {
  return code.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

/** JSON inside <script>: escaping every `<` makes `</script` and `<!--` impossible, whatever the data holds. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

// ---------- number formatting (no toLocaleString: the page must not depend on the host's locale) ----------

function groupThousands(n: number, decimals = 0): string {
  const [int, frac] = Math.abs(n).toFixed(decimals).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (n < 0 ? "-" : "") + grouped + (frac ? `.${frac}` : "");
}

function formatMs(us: number): string {
  const ms = us / 1000;
  return groupThousands(ms, ms < 10 ? 3 : ms < 1000 ? 1 : 0);
}

export function formatSeconds(us: number): string {
  // Millisecond precision reads best; show µs only when the time has them.
  return `${(us / 1e6).toFixed(us % 1000 === 0 ? 3 : 6)} s`;
}

function listSample(values: readonly (number | string)[] | undefined, max = 8): string {
  if (!values || values.length === 0) return "—";
  const shown = values.slice(0, max).map(String).join(", ");
  return values.length > max ? `${shown} … (+${values.length - max})` : shown;
}

// ---------- page sections ----------

const badge = (ok: boolean, yes: string, no: string): string =>
  `<span class="badge ${ok ? "ok" : "bad"}">${ok ? yes : no}</span>`;

function headerSection(r: RunResult): string {
  const meta: [string, string][] = [
    ["seed", String(r.seed)],
    ["fingerprint", r.fingerprint],
    ["simulated", formatSeconds(r.simulatedUs)],
    ["events", groupThousands(r.events)],
    ["scenario file", r.scenario.file],
    ["brokersim", r.code?.commit ? `${r.brokersim} (commit ${r.code.commit.slice(0, 12)}${r.code.modified ? ", modified" : ""})` : r.brokersim],
  ];
  return `<header>
<div class="title"><h1>${escapeHtml(r.scenario.name)}</h1>${badge(r.passed, "PASS", "FAIL")}</div>
<p class="description">${escapeHtml(r.scenario.description)}</p>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd><code>${escapeHtml(v)}</code></dd></div>`).join("")}</dl>
</header>`;
}

function expectationsSection(r: RunResult): string {
  const rows = r.expectations
    .map((e) => `<tr><td>${badge(e.met, "met", "not met")}</td><td><code>${escapeHtml(e.expectation)}</code></td><td>${escapeHtml(e.detail)}</td></tr>`)
    .join("");
  const body = rows || `<tr><td colspan="3" class="muted">The scenario states no expectations.</td></tr>`;
  return `<section><h2>Expectations</h2><div class="scroll"><table>
<thead><tr><th>result</th><th>expectation</th><th>detail</th></tr></thead><tbody>${body}</tbody></table></div></section>`;
}

const ANOMALY_SAMPLE = 20;

function anomalyRow(a: Anomaly): string {
  const cells = [
    `<code>${escapeHtml(a.kind)}</code>`,
    escapeHtml(a.explanation),
    escapeHtml(listSample(a.messageIds)),
    escapeHtml(listSample(a.keys)),
    a.partition === undefined ? "—" : String(a.partition),
    escapeHtml(listSample(a.offsets)),
    escapeHtml(listSample(a.timesUs?.map(formatSeconds), 4)),
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

/** Invariants the scenario expects to break, or allows to break where a setting permits it. */
function expectedBreaks(r: RunResult): Set<string> {
  const e = (r.scenario.resolved as { expect?: { violate?: string[]; permitted?: string[] } } | undefined)?.expect;
  return new Set([...(e?.violate ?? []), ...(e?.permitted ?? [])]);
}

/** Violated invariants get a card each with their anomalies; the ones that held fit in one compact table. */
function verdictsSection(r: RunResult): string {
  if (r.verdicts.length === 0) return `<p class="muted">No invariants were checked.</p>`;
  const expected = expectedBreaks(r);
  const broken = r.verdicts.filter((v) => !v.holds).map((v) => verdictBlock(v, expected.has(v.invariant)));
  const held = r.verdicts.filter((v) => v.holds);
  const table = held.length
    ? `<div class="scroll"><table class="held"><thead><tr><th>invariant</th><th></th><th>checked</th><th>summary</th></tr></thead><tbody>${held
        .map(
          (v) =>
            v.notChecked !== undefined
              ? `<tr class="not-checked"><td><code>${escapeHtml(v.invariant)}</code></td><td><span class="badge na">not checked</span></td><td class="num">—</td><td>${escapeHtml(v.notChecked)}</td></tr>`
              : `<tr><td><code>${escapeHtml(v.invariant)}</code></td><td>${badge(true, "holds", "")}</td><td class="num">${groupThousands(v.checked)}</td><td>${escapeHtml(v.summary)}</td></tr>`,
        )
        .join("")}</tbody></table></div>`
    : "";
  return broken.join("\n") + table;
}

function verdictBlock(v: Verdict, expected = false): string {
  const sample = v.anomalies.slice(0, ANOMALY_SAMPLE);
  const shown = sample.length < v.anomalyCount ? `showing ${sample.length} of ${groupThousands(v.anomalyCount)}` : `${sample.length}`;
  const table = sample.length
    ? `<details${v.holds ? "" : " open"}><summary>Anomalies (${shown})</summary><div class="scroll"><table class="anomalies">
<thead><tr><th>kind</th><th>explanation</th><th>message ids</th><th>keys</th><th>partition</th><th>offsets</th><th>times</th></tr></thead>
<tbody>${sample.map(anomalyRow).join("")}</tbody></table></div></details>`
    : "";
  return `<article class="verdict ${v.holds ? "holds" : "broken"}">
<h3><code>${escapeHtml(v.invariant)}</code> ${badge(v.holds, "holds", "violated")}${expected ? ` <span class="muted">(expected by this scenario)</span>` : ""}</h3>
<p>${escapeHtml(v.summary)}</p>
<p class="muted">checked ${groupThousands(v.checked)} · ${groupThousands(v.anomalyCount)} anomalies${kindsLine(v)} · every one in <code>anomalies.jsonl</code></p>${table}</article>`;
}

/** " (297 lost-write, 12 unseen)" when a verdict found more than one kind. */
function kindsLine(v: Verdict): string {
  const k = v.anomalyKinds ?? [];
  return k.length > 1 ? ` (${k.map((x) => `${groupThousands(x.count)} ${escapeHtml(x.kind)}`).join(", ")})` : "";
}

function metricsSection(r: RunResult): string {
  if (queueOnly(r)) return "";
  const m = r.metrics;
  const l = m.endToEndLatencyUs;
  // A zero that would mislead (no consumer group: "0 ms", "0 consumed") is shown as "—" with the reason.
  const none = noStreamReason(r);
  const tile = (label: string, value: string, unit = ""): string =>
    `<div class="tile"><div class="label">${label}</div><div class="value">${value}<small>${unit}</small></div></div>`;
  const latency = (
    [["p50", l.p50], ["p90", l.p90], ["p99", l.p99], ["p99.9", l.p999], ["max", l.max]] as const
  ).map(([k, v]) => (none.processed !== undefined ? tile(`latency ${k}`, "—", ` ${none.processed}`) : tile(`latency ${k}`, formatMs(v), " ms")));
  const counts = [
    tile("produced", groupThousands(m.produced)),
    tile("acknowledged", groupThousands(m.acknowledged)),
    none.processed === "no consumer group" ? tile("consumed", "—", " no consumer group") : tile("consumed", groupThousands(m.consumed)),
    tile("produce rate", groupThousands(m.producedPerS, 1), " msg/s"),
    none.processed === "no consumer group" ? tile("consume rate", "—", " no consumer group") : tile("consume rate", groupThousands(m.consumedPerS, 1), " msg/s"),
  ];
  const groups = [...new Set([...m.maxLag.map((g) => g.group), ...m.finalLag.map((g) => g.group)])];
  const lagOf = (list: { group: string; records: number }[], g: string): string => {
    const hit = list.find((x) => x.group === g);
    return hit ? groupThousands(hit.records) : "—";
  };
  // Rebalances and the time partitions had no owner, per group: what comparisons of assignors and protocols are about.
  const groupDetail = (g: string): string => {
    const d = m.groups?.find((x) => x.group === g);
    if (!d) return `<td class="num">—</td><td class="num">—</td><td class="num">—</td>`;
    return `<td class="num">${d.rebalances} <span class="muted">(${d.protocol})</span></td><td class="num">${formatMs(d.rebalanceUs)} ms</td><td class="num">${formatMs(d.partitionUnownedUs)} ms</td>`;
  };
  const lagRows = groups
    .map((g) => `<tr><td><code>${escapeHtml(g)}</code></td><td class="num">${lagOf(m.maxLag, g)}</td><td class="num">${lagOf(m.finalLag, g)}</td>${groupDetail(g)}</tr>`)
    .join("");
  return `<section><h2>Key metrics</h2>
<p class="muted">${none.processed !== undefined ? `No end-to-end latency: ${none.processed}.` : `End-to-end latency over ${groupThousands(l.count)} messages (mean ${formatMs(l.mean)} ms).`}</p>
<div class="tiles">${latency.join("")}</div><div class="tiles">${counts.join("")}</div>
<div class="scroll"><table class="lag"><thead><tr><th>consumer group</th><th class="num">max lag</th><th class="num">final lag</th><th class="num">rebalances</th><th class="num">rebalancing</th><th class="num">partitions unowned (summed)</th></tr></thead>
<tbody>${lagRows || `<tr><td colspan="6" class="muted">No consumer groups.</td></tr>`}</tbody></table></div></section>`;
}

function chartsSection(names: string[]): string {
  const figures = names
    .map((n) => `<figure class="chart" data-chart="${n}"><figcaption>${escapeHtml(CHART_TITLES[n] ?? QUEUE_CHART_TITLES[n] ?? APP_CHART_TITLES[n] ?? STREAM_CHART_TITLES[n] ?? PRODUCER_CHART_TITLES[n] ?? PAUSE_CHART_TITLES[n] ?? n)}</figcaption><div class="chart-body"></div></figure>`)
    .join("\n");
  return `<section><h2>Over time</h2>
<p class="muted">Shaded bands are fault windows. Drag to pan, scroll to zoom the time axis, double-click to reset.</p>
${figures}</section>`;
}

function replaySection(r: RunResult): string {
  const resolved = JSON.stringify(r.scenario.resolved ?? null, null, 2);
  return `<section><h2>Resolved scenario</h2>
<details><summary>Scenario with defaults filled and units resolved (durations in µs)</summary><pre>${escapeHtml(resolved)}</pre></details></section>
<section><h2>Replay</h2><p>This command replays the run event for event:</p>
<div class="replay"><code id="replay-command">${escapeHtml(r.replay)}</code><button type="button" id="copy-replay">Copy</button></div></section>`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 ${FONT};color:var(--fg);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.7rem;margin:0;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 6px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.86em}
.title{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.description{margin:8px 0 12px;color:var(--muted);max-width:80ch}
.meta{display:flex;flex-wrap:wrap;gap:6px 20px;margin:0}
.meta div{min-width:0}.meta dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.78rem;font-weight:600;color:#fff;white-space:nowrap}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.na{background:var(--muted)}
.title .badge{font-size:.95rem;padding:3px 12px}
.muted{color:var(--muted)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
.verdict .scroll{max-height:32rem;overflow-y:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.lag{width:auto;min-width:320px;margin-top:12px}
table.anomalies td{min-width:70px}table.anomalies td:first-child code{white-space:nowrap}table.anomalies td:nth-child(2){min-width:260px}
.verdict{border:1px solid var(--line);border-left:4px solid var(--ok);border-radius:6px;padding:12px 14px;margin:10px 0}
.verdict.broken{border-left-color:var(--bad)}.verdict p{margin:4px 0}
details summary{cursor:pointer;margin:6px 0;font-weight:500}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:10px 0}
.tile{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.tile .label{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.tile .value{font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
.tile small{font-size:.75rem;font-weight:400;color:var(--muted)}
figure.chart{margin:16px 0 24px;padding:10px 12px;border:1px solid var(--line);border-radius:6px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
.chart-body,.chart-body .vega-embed{width:100%;display:block}
.chart-body .vega-embed{padding-right:0}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:12px;overflow:auto;max-height:480px}
.replay{display:flex;gap:8px;align-items:stretch;flex-wrap:wrap}
.replay code{flex:1 1 320px;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px;overflow-wrap:anywhere;user-select:all}
.replay button{font:inherit;padding:4px 14px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
.replay button:hover{background:var(--soft)}
@media (max-width:600px){main{padding:16px 12px 32px}h1{font-size:1.35rem}.tiles{grid-template-columns:repeat(2,1fr)}}
`;

// Runs in the page. Plain ES5-ish code, no template literals, so escaping stays trivial.
const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById("brokersim-charts").textContent);
  var options = { mode: "vega-lite", renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } };
  var names = Object.keys(specs);
  Promise.all(names.map(function (name) {
    var el = document.querySelector('[data-chart="' + name + '"] .chart-body');
    return vegaEmbed(el, specs[name], options);
  })).then(function () {
    document.body.dataset.chartsRendered = String(names.length);
  }, function (err) {
    document.body.dataset.renderError = String((err && err.message) || err);
    console.error("brokersim report: a chart failed to render", err);
  });
  var button = document.getElementById("copy-replay");
  button.addEventListener("click", function () {
    var text = document.getElementById("replay-command").textContent;
    var done = function () { button.textContent = "Copied"; };
    var selectIt = function () {
      var range = document.createRange();
      range.selectNodeContents(document.getElementById("replay-command"));
      var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, selectIt);
    else selectIt();
  });
})();
`;

/** The whole report as one HTML page that needs nothing but a browser: no network, no other files. */
export function renderReportHtml(result: RunResult): string {
  const specs = chartSpecs(result);
  const title = `${result.scenario.name} — brokersim ${result.passed ? "PASS" : "FAIL"}`;
  const libs = libraries().map((code) => `<script>${escapeScript(code)}</script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${headerSection(result)}
${flowSection(result, escapeHtml)}
${expectationsSection(result)}
${causesSection(result, escapeHtml)}
<section><h2>Verdicts</h2>${verdictsSection(result)}</section>
${metricsSection(result)}
${queuesSection(result, escapeHtml)}
${appSection(result, escapeHtml)}
${chartsSection(Object.keys(specs))}
${latencySection(result, escapeHtml)}
${diagramsSections(result, escapeHtml)}
${replaySection(result)}
</main>
${libs}
<script type="application/json" id="brokersim-charts">${jsonForScript({ ...specs, ...latencyChartSpecs(result) })}</script>
<script>${escapeScript(BOOT)}</script>
</body>
</html>
`;
}
