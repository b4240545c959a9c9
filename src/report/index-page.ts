// A small page linking every run report under the output directory, with each verdict at a glance. No scripts.
import type { RunResult } from "./result-types.ts";
import { noStreamReason } from "./no-figure.ts";
import type { CompareResult } from "../compare/compare-types.ts";

/** A compare page on disk, with its JSON. */
export interface CompareEntry {
  compare: CompareResult;
  href: string;
}

/** "processed / produced", or the queues' own counts for a queue-only run, or "—" with the reason. */
function processedCell(r: RunResult, none: ReturnType<typeof noStreamReason>): string {
  if (none.produced !== undefined) {
    const queues = r.metrics.queues ?? [];
    if (queues.length === 0) return `— <span class="desc">${esc(none.produced)}</span>`;
    const sent = queues.reduce((n, q) => n + (q.ledger?.sent ?? q.enqueued), 0);
    const acked = queues.reduce((n, q) => n + (q.ledger?.acked ?? 0), 0);
    return `${acked} / ${sent} <span class="desc">acknowledged / sent to queues</span>`;
  }
  if (none.processed === "no consumer group") return `— / ${r.metrics.produced} <span class="desc">no consumer group</span>`;
  return `${r.metrics.consumed} / ${r.metrics.produced}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The comparisons under the output directory: the two sides, how many verdicts differ, seeds. */
function comparisonsSection(list: CompareEntry[]): string {
  if (list.length === 0) return "";
  const rows = list
    .map(({ compare: c, href }) => {
      const differing = c.verdicts.filter((v) => v.differs).length;
      const what = c.mode === "groups" ? `groups of ${esc(c.a.scenario)}` : "runs";
      return `<tr><td><a href="${esc(href)}">${esc(c.a.label)} vs ${esc(c.b.label)}</a><div class="desc">${what}</div></td><td>${c.a.seed === c.b.seed ? c.a.seed : `${c.a.seed} / ${c.b.seed}`}</td><td>${c.mode === "groups" ? "one run" : differing === 0 ? "same verdicts" : `${differing} verdict${differing > 1 ? "s" : ""} differ`}</td></tr>`;
    })
    .join("\n");
  return `<h2>Comparisons</h2>
<table class="comparisons"><thead><tr><th>compare page</th><th>seed</th><th>verdicts</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

export function renderIndexHtml(entries: { result: RunResult; href: string }[], comparisons: CompareEntry[] = []): string {
  const passed = entries.filter((e) => e.result.passed).length;
  const rows = entries
    .map(({ result: r, href }) => {
      const unmet = r.expectations.filter((e) => !e.met).map((e) => e.expectation);
      const l = r.metrics.endToEndLatencyUs;
      const none = noStreamReason(r);
      return `<tr class="${r.passed ? "pass" : "fail"}">
  <td><a href="${esc(href)}">${esc(r.scenario.name)}</a><div class="desc">${esc(r.scenario.description)}</div></td>
  <td>${r.seed}</td>
  <td class="badge">${r.passed ? "PASS" : "FAIL"}${unmet.length ? `<div class="desc">${esc(unmet.join("; "))}</div>` : ""}</td>
  <td>${r.verdicts.map((v) => `<span class="${v.holds ? (v.notChecked !== undefined ? "na" : "ok") : "bad"}"${v.notChecked !== undefined && v.holds ? ` title="not checked: ${esc(v.notChecked)}"` : ""}>${esc(v.invariant)}</span>`).join(" ")}</td>
  <td>${none.processed !== undefined ? `— <span class="desc">${esc(none.processed)}</span>` : `${(l.p99 / 1000).toFixed(1)} ms`}</td>
  <td>${processedCell(r, none)}</td>
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
span.ok{background:#e6f4ea;color:#137333}span.bad{background:#fce8e6;color:#b3261e}span.na{background:#eef0f3;color:#5b6372}
</style></head><body>
<h1>brokersim runs</h1>
<p>${passed} of ${entries.length} scenarios met their expectations. Invariants in red were violated (which some scenarios expect); grey ones had nothing to check.</p>
<table><thead><tr><th>scenario</th><th>seed</th><th>expectations</th><th>invariants</th><th>p99 latency</th><th>processed / produced</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${comparisonsSection(comparisons)}
</body></html>
`;
}
