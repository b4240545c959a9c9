// The report's first picture for a scenario with publishing services: the flow from the service's database to
// the consumer groups and their dead-letter topics, drawn as an inline SVG by our own code (no library, no
// network). Columns left to right: services, relays/connectors, topics, consumer groups, DLTs; each edge is as
// thick as its rate and labelled with what crossed it over the run.
import type { FlowGraph, FlowNodeKind } from "./flow-graph.ts";
import type { RunResult } from "./result-types.ts";

const COLUMNS: FlowNodeKind[] = ["service", "relay", "topic", "group", "dlt"];
const FILL: Record<FlowNodeKind, string> = { service: "#e8f0fa", relay: "#fdf0e2", topic: "#e9f5e8", group: "#f3ecf6", dlt: "#fbe9e9" };
const STROKE: Record<FlowNodeKind, string> = { service: "#4c78a8", relay: "#f58518", topic: "#54a24b", group: "#b279a2", dlt: "#e45756" };
const W = 176, H = 58, GAP_X = 140, GAP_Y = 34, PAD = 16;

const thousands = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Clips a label to what fits in a node box (about 7 px a character at 12 px). */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function flowSvg(g: FlowGraph, esc: (s: string) => string): string {
  const used = COLUMNS.filter((k) => g.nodes.some((n) => n.kind === k));
  const col = new Map(used.map((k, i) => [k, i]));
  const byCol = used.map((k) => g.nodes.filter((n) => n.kind === k));
  const tallest = Math.max(...byCol.map((c) => c.length));
  const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y + 24;
  const width = PAD * 2 + used.length * W + (used.length - 1) * GAP_X;
  const pos = new Map<string, { x: number; y: number }>();
  byCol.forEach((nodes, c) => {
    const span = nodes.length * H + (nodes.length - 1) * GAP_Y;
    const top = (height - span) / 2;
    nodes.forEach((n, r) => pos.set(n.id, { x: PAD + c * (W + GAP_X), y: top + r * (H + GAP_Y) }));
  });
  const maxRate = Math.max(1e-9, ...g.edges.map((e) => e.perS));
  const edges = g.edges
    .map((e) => {
      const a = pos.get(e.from), b = pos.get(e.to);
      if (!a || !b) return "";
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const mx = (x1 + x2) / 2;
      const stroke = e.to.startsWith("dlt:") ? STROKE.dlt : "#6e7781";
      const w = (1.5 + 5 * Math.sqrt(e.perS / maxRate)).toFixed(1);
      const ly = (y1 + y2) / 2;
      return `<g class="flow-edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" data-count="${e.count}">
<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="${stroke}" stroke-width="${w}" stroke-opacity=".55" marker-end="url(#flow-arrow)"/>
<text x="${mx}" y="${ly - 6}" text-anchor="middle" font-size="12" font-weight="600" fill="#1f2328" paint-order="stroke" stroke="#fff" stroke-width="4">${thousands(e.count)} · ${e.perS}/s</text>
<text x="${mx}" y="${ly + 9}" text-anchor="middle" font-size="10.5" fill="#59636e" paint-order="stroke" stroke="#fff" stroke-width="4">${esc(clip(e.label, 26))}</text></g>`;
    })
    .join("\n");
  const nodes = g.nodes
    .map((n) => {
      const p = pos.get(n.id)!;
      return `<g class="flow-node" data-kind="${n.kind}" data-id="${esc(n.id)}">
<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="8" fill="${FILL[n.kind]}" stroke="${STROKE[n.kind]}" stroke-width="1.5"/>
<text x="${p.x + W / 2}" y="${p.y + 24}" text-anchor="middle" font-size="13" font-weight="600" fill="#1f2328">${esc(clip(n.label, 24))}</text>
<text x="${p.x + W / 2}" y="${p.y + 42}" text-anchor="middle" font-size="10.5" fill="#59636e">${esc(clip(n.detail, 28))}</text></g>`;
    })
    .join("\n");
  return `<svg class="flow" role="img" aria-label="Flow of events" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px;font-family:inherit">
<defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6e7781"/></marker></defs>
${edges}
${nodes}
</svg>`;
}

/** The report section, first on the page; empty for a scenario without publishing services. */
export function flowSection(result: RunResult, esc: (s: string) => string): string {
  const g = result.metrics.flow;
  if (!g || g.nodes.length === 0) return "";
  const seconds = (result.simulatedUs / 1e6).toFixed(1);
  return `<section class="flow-section"><h2>Flow</h2>
<p class="muted">What crossed each edge over the ${seconds} s run (duration + drain), and its mean rate. Edges are as thick as their rate.</p>
<div class="scroll">${flowSvg(g, esc)}</div></section>`;
}
