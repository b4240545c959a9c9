// The leader/ISR timeline per partition: who led when, the ISR over time, every election (clean or unclean)
// and the offline periods, from the history's controller rows. Initial state is the one the cluster starts in
// (partition p's replicas are brokers p, p+1, … mod brokers, the first leads, all in sync), so only changes
// need rows. For many partitions the report draws only those that changed (capped) and counts the rest.
import { Op, type History } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { FaultWindow, RunResult } from "./result-types.ts";
import { BAD, LINE, MUTED, NODE_PALETTE, OK, WARN, clip, n1, seconds, tickLabel, timeTicks } from "./svg-parts.ts";

export interface LeadershipSpan {
  startUs: number;
  endUs: number;
  /** The leader's broker name; null while the partition is offline (no eligible leader). */
  leader: string | null;
  /** In-sync replicas, in assignment order. */
  isr: string[];
}

export interface PartitionTimeline {
  topic: string;
  partition: number;
  /** Assigned replicas, preferred leader first. */
  replicas: string[];
  minInsyncReplicas: number;
  spans: LeadershipSpan[];
  elections: { atUs: number; leader: string; epoch: number; unclean: boolean }[];
  offlineUs: number;
  /** Changes past MAX_SPANS_PER_PARTITION (a flapping ISR), counted but not drawn. */
  omittedChanges?: number;
  /** With omittedChanges: from this time on the row is not drawn. */
  hiddenFromUs?: number;
}

export interface LeadershipTimeline {
  /** Partitions whose leader or ISR changed during the run, at most MAX_TIMELINE_PARTITIONS. */
  partitions: PartitionTimeline[];
  /** Partitions that kept their first leader and full ISR the whole run. */
  unchanged: number;
  /** Partitions that changed but are not drawn (over the cap). */
  omitted: number;
}

export const MAX_TIMELINE_PARTITIONS = 32;
/** Most spans (and elections) kept per partition: an ISR that flaps all run long would otherwise fill the page. */
export const MAX_SPANS_PER_PARTITION = 200;

interface State {
  topic: string;
  partition: number;
  replicas: string[];
  minIsr: number;
  leader: string | null;
  isr: Set<string>;
  sinceUs: number;
  spans: LeadershipSpan[];
  elections: PartitionTimeline["elections"];
  changed: boolean;
}

/** Every partition's timeline (unchanged ones too, with one span), and which changed. Empty without topics. */
export function allPartitionTimelines(h: History, s: Scenario, endUs: number): { timeline: PartitionTimeline; changed: boolean }[] {
  if (s.topics.length === 0) return [];
  const brokers = Math.max(1, s.cluster.brokers);
  const states = new Map<string, State>();
  const id = (topic: string, p: number) => `${topic}\u0000${p}`;
  // Topics a stream application creates at run time (repartition, changelog) take their source topic's
  // replication; the largest of the scenario's topics stands in for it.
  const fallback = {
    replicationFactor: Math.max(1, ...s.topics.map((t) => t.replicationFactor)),
    minInsyncReplicas: Math.max(1, ...s.topics.map((t) => t.minInsyncReplicas)),
  };
  const create = (topic: string, p: number, atUs: number): State => {
    const spec = s.topics.find((t) => t.name === topic) ?? fallback;
    const rf = Math.min(brokers, spec.replicationFactor);
    const replicas = Array.from({ length: rf }, (_, i) => `broker-${(p + i) % brokers}`);
    const st: State = {
      topic, partition: p, replicas, minIsr: Math.min(rf, spec.minInsyncReplicas), leader: replicas[0], isr: new Set(replicas),
      sinceUs: atUs, spans: [], elections: [], changed: false,
    };
    states.set(id(topic, p), st);
    return st;
  };
  for (const t of s.topics) for (let p = 0; p < t.partitions; p++) create(t.name, p, 0);
  /** Closes the current span at `t` before a change (a change at the same instant replaces the state). */
  const change = (st: State, t: number): void => {
    if (t > st.sinceUs) st.spans.push({ startUs: st.sinceUs, endUs: t, leader: st.leader, isr: st.replicas.filter((b) => st.isr.has(b)) });
    st.sinceUs = t;
    st.changed = true;
  };
  const kinds = h.opKind;
  for (let i = 0, n = h.opCount; i < n; i++) {
    const k = kinds[i];
    // Controller rows are 22-26 and 46; one range test skips the message rows (1-9) that fill the log.
    if (k < Op.LeaderElection || k > Op.PartitionsAdded) continue;
    if (k !== Op.LeaderElection && k !== Op.UncleanLeaderElection && k !== Op.PartitionOffline && k !== Op.IsrShrink && k !== Op.IsrExpand && k !== Op.PartitionsAdded) continue;
    const t = h.opTimeUs[i];
    const topic = h.actorNames[h.opAux[i]];
    if (k === Op.PartitionsAdded) {
      for (let p = h.opOffset[i]; p < h.opPartition[i]; p++) if (!states.has(id(topic, p))) create(topic, p, t).changed = true;
      continue;
    }
    const st = states.get(id(topic, h.opPartition[i])) ?? create(topic, h.opPartition[i], 0);
    const broker = h.actorNames[h.opActor[i]];
    change(st, t);
    if (k === Op.LeaderElection || k === Op.UncleanLeaderElection) {
      const unclean = k === Op.UncleanLeaderElection;
      st.leader = broker;
      // An unclean (or eligible-leader) election makes the new leader the whole ISR without shrink rows.
      if (unclean || !st.isr.has(broker)) st.isr = new Set([broker]);
      st.elections.push({ atUs: t, leader: broker, epoch: h.opMsg[i], unclean });
    } else if (k === Op.PartitionOffline) st.leader = null;
    else if (k === Op.IsrShrink) st.isr.delete(broker);
    else st.isr.add(broker);
  }
  return [...states.values()].map((st) => {
    const end = Math.max(endUs, st.sinceUs);
    if (end > st.sinceUs || st.spans.length === 0) st.spans.push({ startUs: st.sinceUs, endUs: end, leader: st.leader, isr: st.replicas.filter((b) => st.isr.has(b)) });
    return {
      changed: st.changed,
      timeline: {
        topic: st.topic,
        partition: st.partition,
        replicas: st.replicas,
        minInsyncReplicas: st.minIsr,
        spans: st.spans,
        elections: st.elections,
        offlineUs: st.spans.filter((x) => x.leader === null).reduce((a, x) => a + x.endUs - x.startUs, 0),
      },
    };
  });
}

/** The report's compact view: the partitions that changed (capped), counts of the rest. Undefined without topics. */
export function leadershipTimeline(all: readonly { timeline: PartitionTimeline; changed: boolean }[]): LeadershipTimeline | undefined {
  if (all.length === 0) return undefined;
  const changed = all.filter((x) => x.changed).map((x) => capSpans(x.timeline));
  return {
    partitions: changed.slice(0, MAX_TIMELINE_PARTITIONS),
    unchanged: all.length - changed.length,
    omitted: Math.max(0, changed.length - MAX_TIMELINE_PARTITIONS),
  };
}

/** Keeps the first MAX_SPANS_PER_PARTITION spans and elections; the last kept span runs to the end, marked. */
function capSpans(t: PartitionTimeline): PartitionTimeline {
  if (t.spans.length <= MAX_SPANS_PER_PARTITION && t.elections.length <= MAX_SPANS_PER_PARTITION) return t;
  const spans = t.spans.slice(0, MAX_SPANS_PER_PARTITION);
  const endUs = t.spans[t.spans.length - 1].endUs;
  const lastKept = spans[spans.length - 1];
  const hiddenFromUs = lastKept.endUs;
  return {
    ...t,
    spans,
    elections: t.elections.filter((e) => e.atUs < hiddenFromUs).slice(0, MAX_SPANS_PER_PARTITION),
    omittedChanges: t.spans.length - spans.length,
    // The drawing shows the rest of the run as not drawn rather than stretching the last span.
    ...(hiddenFromUs < endUs ? { hiddenFromUs } : {}),
  };
}

/** The leader of a partition at a time (the span holding it), from a full timeline; null while offline. */
export function leaderAt(t: PartitionTimeline | undefined, atUs: number): string | null {
  if (!t) return null;
  for (const sp of t.spans) if (atUs >= sp.startUs && atUs < sp.endUs) return sp.leader;
  return t.spans.length ? t.spans[t.spans.length - 1].leader : null;
}

// ---------- drawing ----------

const LABEL_W = 150, PLOT_W = 880, ROW_H = 34, TOP = 44, PAD_R = 16;

/** ISR health colour: full, under-replicated but at or above min.insync.replicas, below it. */
function isrColor(size: number, p: PartitionTimeline): string {
  return size >= p.replicas.length ? OK : size >= p.minInsyncReplicas ? WARN : BAD;
}

export function isrTimelineSvg(tl: LeadershipTimeline, endUs: number, faults: FaultWindow[], esc: (s: string) => string): string {
  const brokers = [...new Set(tl.partitions.flatMap((p) => p.replicas))].sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1]) || (a < b ? -1 : 1));
  const color = new Map(brokers.map((b, i) => [b, NODE_PALETTE[i % NODE_PALETTE.length]]));
  const x = (us: number) => LABEL_W + (Math.max(0, Math.min(us, endUs)) / Math.max(1, endUs)) * PLOT_W;
  const height = TOP + tl.partitions.length * ROW_H + 30;
  const width = LABEL_W + PLOT_W + PAD_R;
  const bottom = TOP + tl.partitions.length * ROW_H;
  const out: string[] = [];
  // Legend: broker colours, ISR health, election markers.
  let lx = 0;
  const legend = (swatch: string, label: string) => {
    out.push(`<g transform="translate(${lx},8)">${swatch}<text x="16" y="10" font-size="11" fill="${MUTED}">${esc(label)}</text></g>`);
    lx += 22 + label.length * 6.2;
  };
  for (const b of brokers) legend(`<rect width="12" height="12" rx="2" fill="${color.get(b)}"/>`, `${b} leads`);
  legend(`<rect width="12" height="12" fill="url(#isr-offline)" stroke="${BAD}"/>`, "offline");
  legend(`<rect y="4" width="12" height="5" fill="${OK}"/>`, "ISR full");
  legend(`<rect y="4" width="12" height="5" fill="${WARN}"/>`, "ISR ≥ min");
  legend(`<rect y="4" width="12" height="5" fill="${BAD}"/>`, "ISR < min");
  legend(`<path d="M1,1 L11,1 L6,10 z" fill="#1f2328"/>`, "election");
  legend(`<path d="M6,0 L12,6 L6,12 L0,6 z" fill="${BAD}"/>`, "unclean election");
  // Fault windows behind everything, like the time charts' shaded bands.
  for (const f of faults) {
    const x1 = x(f.startUs), x2 = Math.max(x(f.endUs), x1 + 1.5);
    out.push(`<rect class="fault" x="${n1(x1)}" y="${TOP - 6}" width="${n1(x2 - x1)}" height="${bottom - TOP + 6}" fill="${BAD}" opacity=".08"><title>${esc(`${f.label}: ${seconds(f.startUs)} → ${seconds(f.endUs)}`)}</title></rect>`);
  }
  const ticks = timeTicks(0, endUs);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : endUs;
  for (const t of ticks) {
    out.push(`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${TOP - 6}" y2="${bottom}" stroke="${LINE}" stroke-width=".6"/>`);
    out.push(`<text x="${n1(x(t))}" y="${bottom + 16}" font-size="10.5" text-anchor="middle" fill="${MUTED}">${tickLabel(t, step)}</text>`);
  }
  tl.partitions.forEach((p, r) => {
    const y = TOP + r * ROW_H;
    const name = `${p.topic}-${p.partition}`;
    const row: string[] = [];
    row.push(`<text x="${LABEL_W - 8}" y="${y + 13}" font-size="12" text-anchor="end" fill="#1f2328">${esc(clip(name, 20))}</text>`);
    row.push(`<text x="${LABEL_W - 8}" y="${y + 25}" font-size="9.5" text-anchor="end" fill="${MUTED}">RF ${p.replicas.length} · min ISR ${p.minInsyncReplicas}</text>`);
    if (p.hiddenFromUs !== undefined) {
      const hx = x(p.hiddenFromUs);
      row.push(`<text x="${n1(hx + 4)}" y="${y + 14}" font-size="10.5" fill="${MUTED}">${esc(`+${p.omittedChanges} more changes, not drawn`)}</text>`);
    }
    for (const sp of p.spans) {
      const x1 = x(sp.startUs), w = Math.max(0.8, x(sp.endUs) - x1);
      const tip = esc(`${name} ${seconds(sp.startUs)} → ${seconds(sp.endUs)}: ${sp.leader ? `leader ${sp.leader}` : "OFFLINE (no eligible leader)"}; ISR {${sp.isr.join(", ")}} (${sp.isr.length} of ${p.replicas.length})`);
      const fill = sp.leader ? color.get(sp.leader) ?? MUTED : "url(#isr-offline)";
      row.push(`<g class="span"><title>${tip}</title><rect x="${n1(x1)}" y="${y + 2}" width="${n1(w)}" height="16" fill="${fill}"${sp.leader ? ' opacity=".85"' : ` stroke="${BAD}" stroke-width=".8"`}/>` +
        `<rect x="${n1(x1)}" y="${y + 20}" width="${n1(w)}" height="6" fill="${isrColor(sp.isr.length, p)}"/>` +
        (w > 60 ? `<text x="${n1(x1 + 4)}" y="${y + 14}" font-size="10.5" fill="#fff">${esc(sp.leader ? `${sp.leader} · ISR ${sp.isr.length}` : "offline")}</text>` : "") +
        `</g>`);
    }
    for (const e of p.elections) {
      const ex = x(e.atUs);
      const tip = esc(`${seconds(e.atUs)}: ${e.leader} elected leader of ${name}${e.unclean ? " UNCLEANLY (out of sync: acknowledged records past its log end are lost)" : ""}, epoch ${e.epoch}`);
      row.push(e.unclean
        ? `<path class="election unclean" d="M${n1(ex)},${y - 4} L${n1(ex + 6)},${y + 2} L${n1(ex)},${y + 8} L${n1(ex - 6)},${y + 2} z" fill="${BAD}" stroke="#fff" stroke-width=".8"><title>${tip}</title></path>`
        : `<path class="election" d="M${n1(ex - 5)},${y - 3} L${n1(ex + 5)},${y - 3} L${n1(ex)},${y + 5} z" fill="#1f2328" stroke="#fff" stroke-width=".8"><title>${tip}</title></path>`);
    }
    out.push(`<g class="isr-row" data-partition="${esc(name)}">${row.join("")}</g>`);
  });
  return `<svg class="isr-timeline" role="img" aria-label="Leader and ISR per partition over time" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px;min-width:640px;font-family:inherit">
<defs><pattern id="isr-offline" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe9e9"/><line x1="0" y1="0" x2="0" y2="6" stroke="${BAD}" stroke-width="2"/></pattern></defs>
${out.join("\n")}
</svg>`;
}

/** The report section; empty for a run without Kafka topics. */
export function isrTimelineSection(result: RunResult, esc: (s: string) => string): string {
  const tl = result.metrics.leadership;
  if (!tl) return "";
  const total = tl.partitions.length + tl.omitted + tl.unchanged;
  const elections = tl.partitions.reduce((a, p) => a + p.elections.length, 0);
  const unclean = tl.partitions.reduce((a, p) => a + p.elections.filter((e) => e.unclean).length, 0);
  const offline = tl.partitions.filter((p) => p.offlineUs > 0).length;
  const summary = tl.partitions.length === 0
    ? `Every one of the ${total} partitions kept its first leader and its full ISR for the whole run.`
    : `${tl.partitions.length + tl.omitted} of ${total} partitions changed leader or ISR: ${elections} elections${unclean ? ` (${unclean} unclean)` : ""}${offline ? `, ${offline} partitions offline for a while` : ""}.` +
      (tl.unchanged ? ` ${tl.unchanged} kept their first leader and full ISR and are not drawn.` : "") +
      (tl.omitted ? ` Only the first ${tl.partitions.length} that changed are drawn; ${tl.omitted} more are left out to keep the page small.` : "");
  return `<section class="isr-section" id="leader-isr"><h2>Leaders and ISR per partition</h2>
<p class="muted">${esc(summary)} Top bar: who led (hatched: offline). Thin bar: ISR size against the replication factor and min.insync.replicas. Hover for details; shaded bands are fault windows.</p>
${tl.partitions.length ? `<div class="scroll">${isrTimelineSvg(tl, result.simulatedUs, result.metrics.faults, esc)}</div>` : ""}</section>`;
}
