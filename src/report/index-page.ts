// A small page linking the reports of a multi-scenario run, with each verdict at a glance. No scripts.
import type { RunResult } from "./result-types.ts";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function renderIndexHtml(entries: { result: RunResult; href: string }[]): string {
  const passed = entries.filter((e) => e.result.passed).length;
  const rows = entries
    .map(({ result: r, href }) => {
      const unmet = r.expectations.filter((e) => !e.met).map((e) => e.expectation);
      const l = r.metrics.endToEndLatencyUs;
      return `<tr class="${r.passed ? "pass" : "fail"}">
  <td><a href="${esc(href)}">${esc(r.scenario.name)}</a><div class="desc">${esc(r.scenario.description)}</div></td>
  <td>${r.seed}</td>
  <td class="badge">${r.passed ? "PASS" : "FAIL"}${unmet.length ? `<div class="desc">${esc(unmet.join("; "))}</div>` : ""}</td>
  <td>${r.verdicts.map((v) => `<span class="${v.holds ? "ok" : "bad"}">${esc(v.invariant)}</span>`).join(" ")}</td>
  <td>${(l.p99 / 1000).toFixed(1)} ms</td>
  <td>${r.metrics.consumed} / ${r.metrics.produced}</td>
</tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>brokersim runs</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2330}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e2e5ea;vertical-align:top}
.desc{color:#5b6372;font-size:.85rem;margin-top:.2rem}.pass .badge{color:#137333;font-weight:600}.fail .badge{color:#b3261e;font-weight:600}
span.ok,span.bad{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem;margin:.1rem}
span.ok{background:#e6f4ea;color:#137333}span.bad{background:#fce8e6;color:#b3261e}
</style></head><body>
<h1>brokersim runs</h1>
<p>${passed} of ${entries.length} scenarios met their expectations. Invariants in red were violated (which some scenarios expect).</p>
<table><thead><tr><th>scenario</th><th>seed</th><th>expectations</th><th>invariants</th><th>p99 latency</th><th>processed / produced</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
