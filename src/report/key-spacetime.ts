// A key's history as a space-time diagram: one horizontal line per node (the producers of the key, the
// partitions or queues that stored it, the consumer members that read it), time across, and for each message
// of the key an arrow from its send to where it was stored and from there to each delivery. Crossing arrows are
// a reorder; two arrows out of one send (or into two consumers) are a duplicate. Drawn for the keys that
// per-key-order and duplicate anomalies name, around the messages they name.
import { Op, type History } from "../history/history.ts";
import type { AnomalyRecord } from "../checkers/anomaly-ledger.ts";
import type { RunResult } from "./result-types.ts";
import { BAD, LINE, MUTED, NODE_PALETTE, clip, n1, seconds, tickLabel, timeTicks } from "./svg-parts.ts";

export interface KeyMessage {
  msg: number;
  /** The producer's send sequence within the key (0, 1, …). */
  seq: number;
  /** Index into nodes. */
  producer: number;
  sentUs: number;
  stored: { node: number; atUs: number; offset: number }[];
  delivered: { node: number; atUs: number }[];
  /** Named by an anomaly. */
  flagged: boolean;
}

export interface KeyHistory {
  key: string;
  /** Why it is drawn: the invariants and kinds that name it. */
  reason: string;
  nodes: { name: string; kind: "producer" | "store" | "consumer" }[];
  messages: KeyMessage[];
  /** Messages of the key outside the drawn window. */
  omitted: number;
}

export const MAX_KEYS = 3;
export const MAX_KEY_MESSAGES = 16;
/** Most deliveries drawn per message (a poison message can be redelivered without end). */
export const MAX_DELIVERIES = 12;
/** Invariants whose keys are worth a diagram, in order of preference. */
const KEY_INVARIANTS = ["per-key-order", "no-producer-reorder", "queue-key-order", "per-aggregate-order", "monotonic-poll", "no-duplicates", "no-duplicate-offsets", "duplicates-explained", "queue-duplicates", "exactly-once-effects"];

/** Keys named by order and duplicate anomalies (those invariants first), each with the messages named with it. */
export function keysNamedByAnomalies(
  anomalies: readonly AnomalyRecord[],
  keyOf: (msg: number) => string | undefined,
  max = MAX_KEYS,
): { key: string; reason: string; messages: number[] }[] {
  // An anomaly that names messages but not keys is about their keys all the same.
  const keysOf = (a: AnomalyRecord): string[] => (a.keys?.length ? a.keys : [...new Set(a.messageIds.map(keyOf).filter((k): k is string => k !== undefined && k !== ""))]);
  const rank = (inv: string) => {
    const r = KEY_INVARIANTS.indexOf(inv);
    return r < 0 ? KEY_INVARIANTS.length : r;
  };
  const withKeys = anomalies.filter((a) => rank(a.invariant) < KEY_INVARIANTS.length && keysOf(a).length > 0);
  const ordered = withKeys.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a.invariant) - rank(y.a.invariant) || x.i - y.i);
  const out = new Map<string, { reason: Set<string>; messages: number[] }>();
  for (const { a } of ordered) {
    for (const key of keysOf(a)) {
      let e = out.get(key);
      if (!e) {
        if (out.size >= max) continue;
        out.set(key, (e = { reason: new Set(), messages: [] }));
      }
      e.reason.add(`${a.invariant}: ${a.kind}`);
      for (const m of a.messageIds) if (!e.messages.includes(m)) e.messages.push(m);
    }
  }
  return [...out].map(([key, e]) => ({ key, reason: [...e.reason].join(", "), messages: e.messages }));
}

/** The history of each key around the messages its anomalies name, from one pass over the history. */
export function keyHistories(h: History, picks: readonly { key: string; reason: string; messages: number[] }[]): KeyHistory[] {
  if (picks.length === 0) return [];
  const keyIds = picks.map((p) => {
    const m = p.messages.find((x) => x >= 0 && x < h.messageCount);
    return m !== undefined && h.keyOf(m) === p.key ? h.msgKey[m] : h.keyNames.indexOf(p.key);
  });
  // Messages of each key in creation order; keep a window around the flagged ones.
  const chosen = picks.map((p, j) => {
    const all: number[] = [];
    for (let m = 0; m < h.messageCount; m++) if (h.msgKey[m] === keyIds[j]) all.push(m);
    const flagged = new Set(p.messages);
    const first = all.findIndex((m) => flagged.has(m));
    const start = Math.max(0, Math.min(first < 0 ? 0 : first - 2, all.length - MAX_KEY_MESSAGES));
    return { all, window: all.slice(start, start + MAX_KEY_MESSAGES), flagged };
  });
  const where = new Map<number, { j: number; km: KeyMessage }>();
  const result: KeyHistory[] = picks.map((p, j) => ({ key: p.key, reason: p.reason, nodes: [], messages: [], omitted: chosen[j].all.length - chosen[j].window.length }));
  const nodeOf = (j: number, name: string, kind: KeyHistory["nodes"][number]["kind"]): number => {
    const nodes = result[j].nodes;
    let i = nodes.findIndex((n) => n.name === name && n.kind === kind);
    if (i < 0) i = nodes.push({ name, kind }) - 1;
    return i;
  };
  chosen.forEach((c, j) => {
    for (const m of c.window) {
      const km: KeyMessage = { msg: m, seq: h.msgKeySeq[m], producer: nodeOf(j, h.actorNames[h.msgProducer[m]], "producer"), sentUs: h.msgCreatedUs[m], stored: [], delivered: [], flagged: c.flagged.has(m) };
      result[j].messages.push(km);
      where.set(m, { j, km });
    }
  });
  for (let i = 0; i < h.opCount; i++) {
    const w = where.get(h.opMsg[i]);
    if (!w) continue;
    const k = h.opKind[i];
    const t = h.opTimeUs[i];
    if (k === Op.Append) w.km.stored.push({ node: nodeOf(w.j, `${h.actorNames[h.opActor[i]]}-${h.opPartition[i]}`, "store"), atUs: t, offset: h.opOffset[i] });
    else if (k === Op.QueueEnqueue) w.km.stored.push({ node: nodeOf(w.j, h.actorNames[h.opActor[i]], "store"), atUs: t, offset: h.opOffset[i] });
    else if ((k === Op.Deliver || k === Op.QueueDeliver) && w.km.delivered.length < MAX_DELIVERIES) w.km.delivered.push({ node: nodeOf(w.j, h.actorNames[h.opActor[i]], "consumer"), atUs: t });
  }
  // Lines top to bottom: producers, stores, consumers (each in order of first appearance).
  for (const r of result) {
    const order = r.nodes.map((n, i) => ({ n, i })).sort((a, b) => KIND_ORDER[a.n.kind] - KIND_ORDER[b.n.kind] || a.i - b.i);
    const remap = new Map(order.map((o, to) => [o.i, to]));
    r.nodes = order.map((o) => o.n);
    for (const m of r.messages) {
      m.producer = remap.get(m.producer)!;
      for (const s of m.stored) s.node = remap.get(s.node)!;
      for (const d of m.delivered) d.node = remap.get(d.node)!;
    }
  }
  return result;
}

const KIND_ORDER = { producer: 0, store: 1, consumer: 2 } as const;

// ---------- drawing ----------

const LABEL_W = 150, PLOT_W = 860, LINE_GAP = 64, TOP = 30;

export function keySpacetimeSvg(k: KeyHistory, esc: (s: string) => string): string {
  const times = k.messages.flatMap((m) => [m.sentUs, ...m.stored.map((s) => s.atUs), ...m.delivered.map((d) => d.atUs)]);
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 1000);
  const pad = (t1 - t0) * 0.03;
  const from = Math.max(0, t0 - pad), to = t1 + pad;
  const x = (us: number) => LABEL_W + ((us - from) / (to - from)) * PLOT_W;
  const y = (node: number) => TOP + node * LINE_GAP;
  const width = LABEL_W + PLOT_W + 20;
  const bottom = y(k.nodes.length - 1);
  const height = bottom + 40;
  const out: string[] = [];
  const ticks = timeTicks(from, to, 7);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : to - from;
  for (const t of ticks) out.push(`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${TOP - 10}" y2="${bottom + 6}" stroke="${LINE}" stroke-width=".6"/><text x="${n1(x(t))}" y="${bottom + 22}" font-size="10.5" text-anchor="middle" fill="${MUTED}">${tickLabel(t, step)}</text>`);
  k.nodes.forEach((n, i) => {
    out.push(`<g class="node-line"><text x="8" y="${y(i) - 2}" font-size="12" font-weight="600" fill="#1f2328">${esc(clip(n.name, 20))}</text><text x="8" y="${y(i) + 12}" font-size="10" fill="${MUTED}">${n.kind === "store" ? "stored (partition / queue)" : n.kind}</text><line x1="${LABEL_W - 4}" x2="${width - 10}" y1="${y(i)}" y2="${y(i)}" stroke="#8c959f" stroke-width="1.2"/></g>`);
  });
  // Labels that would overlap the previous one on the same line are left to the hover text.
  const lastLabelX = new Map<string, number>();
  const roomFor = (line: string, at: number): boolean => {
    const prev = lastLabelX.get(line);
    if (prev !== undefined && Math.abs(at - prev) < 26) return false;
    lastLabelX.set(line, at);
    return true;
  };
  k.messages.forEach((m, idx) => {
    const color = m.flagged ? BAD : NODE_PALETTE[idx % NODE_PALETTE.length];
    const parts: string[] = [];
    const arrow = (x1: number, y1: number, x2: number, y2: number) =>
      parts.push(`<path d="M${n1(x1)},${n1(y1)} L${n1(x2)},${n1(y2)}" stroke="${color}" stroke-width="${m.flagged ? 2 : 1.2}" fill="none" opacity="${m.flagged ? 1 : 0.7}" marker-end="url(#ks-arrow)"/>`);
    const sx = x(m.sentUs), sy = y(m.producer);
    parts.push(`<circle cx="${n1(sx)}" cy="${sy}" r="3.5" fill="${color}"/>`);
    if (roomFor(`p${m.producer}`, sx)) parts.push(`<text x="${n1(sx)}" y="${sy - 7}" font-size="9.5" text-anchor="middle" fill="${color}">#${m.seq}</text>`);
    for (const s of m.stored) {
      arrow(sx, sy, x(s.atUs), y(s.node));
      // Offsets only where they stay readable: on the named messages, or when few messages are drawn.
      if ((m.flagged || k.messages.length <= 8) && roomFor(`s${s.node}`, x(s.atUs))) parts.push(`<text x="${n1(x(s.atUs) + 3)}" y="${y(s.node) + 12}" font-size="9" fill="${color}">@${s.offset}</text>`);
    }
    const src = m.stored[0];
    for (const d of m.delivered) {
      const fx = src ? x(src.atUs) : sx, fy = src ? y(src.node) : sy;
      arrow(fx, fy, x(d.atUs), y(d.node));
      if (roomFor(`c${d.node}`, x(d.atUs))) parts.push(`<text x="${n1(x(d.atUs))}" y="${y(d.node) + 13}" font-size="9.5" text-anchor="middle" fill="${color}">#${m.seq}</text>`);
    }
    const tip = esc(`m-${m.msg} (#${m.seq} of key ${k.key})${m.flagged ? ", named by an anomaly" : ""}: sent ${seconds(m.sentUs)}; ${m.stored.map((s) => `stored on ${k.nodes[s.node].name} @${s.offset} at ${seconds(s.atUs)}`).join("; ") || "never stored"}; ${m.delivered.map((d) => `delivered to ${k.nodes[d.node].name} at ${seconds(d.atUs)}`).join("; ") || "never delivered"}`);
    out.push(`<g class="key-message${m.flagged ? " flagged" : ""}" data-message="${m.msg}"><title>${tip}</title>${parts.join("")}</g>`);
  });
  return `<svg class="key-spacetime" role="img" aria-label="${esc(`History of key ${k.key}`)}" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px;min-width:640px;font-family:inherit">
<defs><marker id="ks-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>
${out.join("\n")}
</svg>`;
}

/** The report section: one space-time diagram per key the order and duplicate anomalies name; empty when none. */
export function keySpacetimeSection(result: RunResult, esc: (s: string) => string): string {
  const list = (result.metrics.keyHistories ?? []).filter((k) => k.messages.length > 0);
  if (list.length === 0) return "";
  const blocks = list
    .map((k) => `<figure class="diagram" data-diagram="key-spacetime" data-key="${esc(k.key)}"><figcaption>key <code>${esc(k.key)}</code> · ${esc(k.reason)} · ${k.messages.length} messages${k.omitted ? ` (${k.omitted} more of this key not drawn)` : ""}</figcaption>
<div class="scroll">${keySpacetimeSvg(k, esc)}</div></figure>`)
    .join("\n");
  return `<section class="key-section" id="key-history"><h2>Key histories</h2>
<p class="muted">For up to ${MAX_KEYS} keys named by order or duplicate anomalies: one line per node, time across; each message of the key (#n = its send order) is an arrow from its send to where it was stored (@offset) and on to each delivery. Red: messages an anomaly names. Crossing arrows are a reorder; two arrows from one send or one store are a duplicate. At most ${MAX_KEY_MESSAGES} messages around the first named one.</p>
${blocks}</section>`;
}
