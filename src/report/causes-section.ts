// The report's "Root causes" section: every anomaly of every invariant grouped by cause, largest first, with
// its size and its symptoms per invariant, before the verdicts that list the symptoms one by one.
import type { RunResult } from "./result-types.ts";

const SHOWN = 20;

function fmtS(us: number | null): string {
  return us === null ? "—" : `${(us / 1e6).toFixed(3)} s`;
}

export function causesSection(r: RunResult, esc: (s: string) => string): string {
  const causes = r.causes ?? [];
  if (causes.length === 0) return "";
  const rows = causes
    .slice(0, SHOWN)
    .map(
      (c) => `<tr><td>${esc(c.cause)}</td><td class="num">${c.messages.toLocaleString("en-US")}</td><td class="num">${c.anomalies.toLocaleString("en-US")}</td>` +
        `<td>${c.symptoms.map((s) => `<code>${esc(s.invariant)}</code> ${esc(s.kind)} ${s.count.toLocaleString("en-US")}`).join("<br>")}</td>` +
        `<td>${fmtS(c.firstUs)} – ${fmtS(c.lastUs)}</td><td>${c.exampleMessages.map((m) => `m-${m}`).join(", ")}</td></tr>`,
    )
    .join("");
  const more = causes.length > SHOWN ? `<p class="muted">${causes.length - SHOWN} more causes in result.json.</p>` : "";
  return `<section id="root-causes"><h2>Root causes</h2>
<p class="muted">Every anomaly of every invariant, grouped: anomalies about the same messages share a cause, so one fault counted by several invariants is one row. Every anomaly, with its cause, is in <code>anomalies.jsonl</code>.</p>
<div class="scroll"><table class="causes"><thead><tr><th>cause</th><th class="num">messages</th><th class="num">anomalies</th><th>symptoms (invariant, kind, count)</th><th>time span</th><th>examples</th></tr></thead>
<tbody>${rows}</tbody></table></div>${more}</section>`;
}
