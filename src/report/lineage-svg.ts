// A message's lineage as a swimlane: one lane per node it met (producer, the partition's leader and followers,
// queues, consumer members) and, left to right in time order, every step of its life (send, re-send, append,
// ack, fetch, processing, commit, redelivery…) with the partition's own events around it (elections, ISR
// changes, truncations, faults on those nodes). Drawn for the first few messages the anomalies name, so a
// failure's report shows the path that failed. Replication to followers is not a history row per record: the
// ack of an acks=all send is where the high watermark passed the record.
import { OP_NAMES, Op, type History } from "../history/history.ts";
import type { AnomalyRecord } from "../checkers/anomaly-ledger.ts";
import type { RunResult } from "./result-types.ts";
import { leaderAt, type PartitionTimeline } from "./isr-timeline.ts";
import { BAD, LINE, MUTED, NODE_PALETTE, OK, WARN, clip, duration, seconds } from "./svg-parts.ts";

export type LineageKind = "send" | "retry" | "error" | "store" | "ack" | "deliver" | "process" | "commit" | "election" | "truncate" | "isr" | "fault" | "other";

export interface LineageEvent {
  atUs: number;
  /** Index into the lineage's lanes. */
  lane: number;
  kind: LineageKind;
  /** A few words: "appended at orders-3 offset 41". */
  what: string;
  /** A step of the message itself (true) or an event of its partition or nodes around it (false). */
  own: boolean;
}

export interface MessageLineage {
  msg: number;
  key: string;
  /** Why it is drawn: the first anomaly that names it ("no-loss: lost-write"). */
  reason: string;
  lanes: { node: string; role: string }[];
  events: LineageEvent[];
  /** Events left out past MAX_LINEAGE_EVENTS. */
  omittedEvents: number;
}

export const MAX_LINEAGES = 5;
export const MAX_LINEAGE_EVENTS = 40;

/** The messages to draw: the first message of each invariant's first anomaly, then the next ones, up to max. */
export function messagesNamedByAnomalies(anomalies: readonly AnomalyRecord[], messageCount: number, max = MAX_LINEAGES): { msg: number; reason: string }[] {
  const picked = new Map<number, string>();
  const seenInvariant = new Set<string>();
  const valid = (m: number) => Number.isInteger(m) && m >= 0 && m < messageCount;
  for (const a of anomalies) {
    if (picked.size >= max) break;
    if (seenInvariant.has(a.invariant)) continue;
    const m = a.messageIds.find((x) => valid(x) && !picked.has(x));
    if (m === undefined) continue;
    seenInvariant.add(a.invariant);
    picked.set(m, `${a.invariant}: ${a.kind}`);
  }
  for (const a of anomalies) {
    if (picked.size >= max) break;
    for (const m of a.messageIds) if (valid(m) && !picked.has(m) && picked.size < max) picked.set(m, `${a.invariant}: ${a.kind}`);
  }
  return [...picked].map(([msg, reason]) => ({ msg, reason }));
}

const KIND_OF: Partial<Record<number, LineageKind>> = {
  [Op.ProduceAttempt]: "send", [Op.ProduceRetry]: "retry", [Op.ProduceError]: "error", [Op.ProduceFail]: "error", [Op.ProduceUnknown]: "error",
  [Op.Append]: "store", [Op.Ack]: "ack", [Op.DuplicateSuppressed]: "store", [Op.Deliver]: "deliver", [Op.ProcessStart]: "process", [Op.ProcessEnd]: "process",
  [Op.QueueSend]: "send", [Op.QueueEnqueue]: "store", [Op.QueueSendAck]: "ack", [Op.QueueDeduplicated]: "store", [Op.QueueDeliver]: "deliver",
  [Op.QueueProcessStart]: "process", [Op.QueueProcessEnd]: "process", [Op.QueueAck]: "commit", [Op.QueueReturn]: "retry", [Op.QueueNack]: "retry",
  [Op.QueueDeadLetter]: "error", [Op.QueueDrop]: "error", [Op.QueueAckStale]: "error", [Op.AppHandlerFailed]: "error", [Op.AppDeadLetter]: "error",
};

/** Words for one of the message's own rows. */
function ownWords(h: History, i: number, firstSend: boolean): string {
  const k = h.opKind[i], p = h.opPartition[i], off = h.opOffset[i];
  const tp = () => `${h.actorNames[h.msgTopic[h.opMsg[i]]]}-${p}`;
  switch (k) {
    case Op.ProduceAttempt: return firstSend ? "send" : "re-send";
    case Op.ProduceRetry: return `retry, attempt ${h.opAux[i]}`;
    case Op.ProduceError: return "produce error";
    case Op.ProduceFail: return "send failed";
    case Op.ProduceUnknown: return "outcome unknown";
    case Op.Append: return `appended ${tp()} @${off}`;
    case Op.Ack: return `acked @${off}`;
    case Op.DuplicateSuppressed: return `duplicate dropped (@${off})`;
    case Op.Deliver: return `fetched @${off}`;
    case Op.ProcessStart: return "processing";
    case Op.ProcessEnd: return "processed";
    case Op.QueueSend: return "send";
    case Op.QueueEnqueue: return "enqueued";
    case Op.QueueSendAck: return "send confirmed";
    case Op.QueueDeliver: return `received (#${p})`;
    case Op.QueueProcessStart: return "processing";
    case Op.QueueProcessEnd: return "handler done";
    case Op.QueueAck: return "acked / deleted";
    case Op.QueueReturn: return "visible again";
    default: return (OP_NAMES[k] ?? `op ${k}`).replace(/-/g, " ");
  }
}

/** Rows whose msg column holds something else (an epoch, a count, a range end), never a message id. */
const NOT_A_MESSAGE = new Set<number>([Op.Truncate, Op.LeaderElection, Op.UncleanLeaderElection, Op.FinalLogRange, Op.ProducerEpochBump, Op.LogRetention]);

const PARTITION_OPS = new Set<number>([Op.LeaderElection, Op.UncleanLeaderElection, Op.PartitionOffline, Op.IsrShrink, Op.IsrExpand, Op.Truncate]);

/**
 * The lineages of the given messages, from one pass over the history for their own rows and one for the rows
 * of their partitions, nodes and groups. `timelines` (every partition's leader spans) says who led at an append.
 */
export function messageLineages(h: History, picks: readonly { msg: number; reason: string }[], timelines: readonly PartitionTimeline[]): MessageLineage[] {
  if (picks.length === 0) return [];
  const own = new Map<number, number[]>(picks.map((p) => [p.msg, []]));
  const context: number[] = [];
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    const rows = NOT_A_MESSAGE.has(k) ? undefined : own.get(h.opMsg[i]);
    if (rows) rows.push(i);
    if (PARTITION_OPS.has(k) || k === Op.FaultStart || k === Op.FaultEnd || k === Op.Commit) context.push(i);
  }
  const tlOf = new Map(timelines.map((t) => [`${t.topic}\u0000${t.partition}`, t]));
  return picks.map(({ msg, reason }) => {
    const rows = own.get(msg)!;
    const lanes: { node: string; role: string }[] = [];
    const laneOf = (node: string, role: string): number => {
      let j = lanes.findIndex((l) => l.node === node);
      if (j < 0) j = lanes.push({ node, role }) - 1;
      return j;
    };
    const topic = h.actorNames[h.msgTopic[msg]];
    laneOf(h.actorNames[h.msgProducer[msg]], "producer");
    const events: LineageEvent[] = [];
    const stored: { partition: number; offset: number; atUs: number; tl?: PartitionTimeline }[] = [];
    const groups = new Map<number, number>(); // group actor → first delivery time
    let sent = false;
    for (const i of rows) {
      const k = h.opKind[i];
      const t = h.opTimeUs[i];
      let node = h.actorNames[h.opActor[i]];
      let role: string = h.actorKinds[h.opActor[i]] ?? "node";
      if (k === Op.Append || k === Op.DuplicateSuppressed) {
        const tl = tlOf.get(`${topic}\u0000${h.opPartition[i]}`);
        node = leaderAt(tl, t) ?? `${topic}-${h.opPartition[i]} leader`;
        role = `leader of ${topic}-${h.opPartition[i]}`;
        if (k === Op.Append) {
          laneOf(node, role);
          stored.push({ partition: h.opPartition[i], offset: h.opOffset[i], atUs: t, tl });
          // The followers get their own lanes, so replication events on them have a place.
          for (const b of tl?.replicas ?? []) if (b !== node) laneOf(b, `follower of ${topic}-${h.opPartition[i]}`);
        }
      }
      if (k === Op.Deliver && !groups.has(h.opAux[i])) groups.set(h.opAux[i], t);
      if (k === Op.Deliver && h.opAux[i] >= 0) role = `consumer (${h.actorNames[h.opAux[i]]})`;
      const lane = laneOf(node, role);
      events.push({ atUs: t, lane, kind: KIND_OF[k] ?? "other", what: ownWords(h, i, !sent && k === Op.ProduceAttempt), own: true });
      if (k === Op.ProduceAttempt) sent = true;
    }
    const firstUs = rows.length ? h.opTimeUs[rows[0]] : h.msgCreatedUs[msg];
    let lastUs = rows.length ? h.opTimeUs[rows[rows.length - 1]] : firstUs;
    // A record cut from a replica's log after its last step: extend the window to that truncation.
    for (const i of context) {
      if (h.opKind[i] !== Op.Truncate || h.actorNames[h.opAux[i]] !== topic) continue;
      const s = stored.find((x) => x.partition === h.opPartition[i] && h.opOffset[i] <= x.offset && h.opTimeUs[i] >= x.atUs);
      if (s && h.opTimeUs[i] > lastUs) {
        lastUs = h.opTimeUs[i];
        break;
      }
    }
    const partitions = new Set(stored.map((s) => s.partition));
    const committed = new Set<number>();
    for (const i of context) {
      const t = h.opTimeUs[i];
      if (t < firstUs || t > lastUs) continue;
      const k = h.opKind[i];
      const node = h.actorNames[h.opActor[i]];
      if (k === Op.Commit) {
        const g = h.opAux[i];
        const first = groups.get(g);
        const s = stored.find((x) => x.partition === h.opPartition[i]);
        if (first === undefined || t < first || committed.has(g) || !s || h.opOffset[i] <= s.offset || h.opMsg[i] !== -2 - h.msgTopic[msg]) continue;
        committed.add(g);
        events.push({ atUs: t, lane: laneOf(node, `consumer (${h.actorNames[g]})`), kind: "commit", what: `${h.actorNames[g]} committed ${h.opOffset[i]}`, own: true });
        continue;
      }
      if (k === Op.FaultStart || k === Op.FaultEnd) {
        const j = lanes.findIndex((l) => l.node === node);
        if (j >= 0) events.push({ atUs: t, lane: j, kind: "fault", what: k === Op.FaultStart ? "fault begins" : "fault ends", own: false });
        continue;
      }
      if (h.actorNames[h.opAux[i]] !== topic || !partitions.has(h.opPartition[i])) continue;
      const tp = `${topic}-${h.opPartition[i]}`;
      if (k === Op.PartitionOffline) {
        const s = stored.find((x) => x.partition === h.opPartition[i]);
        const j = laneOf(leaderAt(s?.tl, t - 1) ?? `${tp} leader`, `leader of ${tp}`);
        events.push({ atUs: t, lane: j, kind: "election", what: `${tp} offline`, own: false });
        continue;
      }
      const j = laneOf(node, `replica of ${tp}`);
      if (k === Op.LeaderElection) events.push({ atUs: t, lane: j, kind: "election", what: `elected leader (epoch ${h.opMsg[i]})`, own: false });
      else if (k === Op.UncleanLeaderElection) events.push({ atUs: t, lane: j, kind: "election", what: `UNCLEAN leader (epoch ${h.opMsg[i]})`, own: false });
      else if (k === Op.IsrShrink) events.push({ atUs: t, lane: j, kind: "isr", what: `left ISR (size ${h.opOffset[i]})`, own: false });
      else if (k === Op.IsrExpand) events.push({ atUs: t, lane: j, kind: "isr", what: `rejoined ISR (size ${h.opOffset[i]})`, own: false });
      else if (k === Op.Truncate) {
        const cut = stored.some((x) => x.partition === h.opPartition[i] && h.opOffset[i] <= x.offset && t >= x.atUs);
        events.push({ atUs: t, lane: j, kind: "truncate", what: cut ? `cut to ${h.opOffset[i]}: record gone` : `log cut to ${h.opOffset[i]}`, own: false });
      }
    }
    // Time order; at one instant the message's own steps first (stable sort keeps each group's order).
    events.sort((a, b) => a.atUs - b.atUs || Number(b.own) - Number(a.own));
    const kept = events.slice(0, MAX_LINEAGE_EVENTS);
    return { msg, key: h.keyOf(msg) ?? "", reason, lanes, events: kept, omittedEvents: events.length - kept.length };
  });
}

// ---------- drawing ----------

const COLOR: Record<LineageKind, string> = {
  send: "#4c78a8", retry: WARN, error: BAD, store: "#54a24b", ack: OK, deliver: "#b279a2", process: "#9d755d", commit: "#1f5f99",
  election: "#1f2328", truncate: BAD, isr: "#8c6d1f", fault: BAD, other: MUTED,
};
const LABEL_W = 190, COL_W = 78, LANE_H = 46, TOP = 58;

export function lineageSvg(l: MessageLineage, esc: (s: string) => string): string {
  const width = LABEL_W + Math.max(1, l.events.length) * COL_W + 20;
  const height = TOP + l.lanes.length * LANE_H + 8;
  const laneY = (j: number) => TOP + j * LANE_H + LANE_H / 2;
  const colX = (i: number) => LABEL_W + i * COL_W + COL_W / 2;
  const out: string[] = [];
  l.lanes.forEach((lane, j) => {
    const y = laneY(j);
    out.push(`<g class="lane"><text x="8" y="${y - 3}" font-size="12.5" font-weight="600" fill="#1f2328">${esc(clip(lane.node, 24))}</text><text x="8" y="${y + 12}" font-size="10" fill="${MUTED}">${esc(clip(lane.role, 30))}</text>` +
      `<line x1="${LABEL_W - 6}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="${LINE}" stroke-width="1.2"/></g>`);
  });
  // Time header: the time of each column, and the gap since the previous one when the clock jumped.
  let prevUs = -1;
  l.events.forEach((e, i) => {
    const x = colX(i);
    out.push(`<line x1="${x}" x2="${x}" y1="${TOP - 4}" y2="${height - 6}" stroke="${LINE}" stroke-width=".5" stroke-dasharray="2 3"/>`);
    if (e.atUs !== prevUs) {
      out.push(`<text x="${x}" y="14" font-size="10" text-anchor="middle" fill="${MUTED}">${esc(seconds(e.atUs).replace(" s", "s"))}</text>`);
      if (prevUs >= 0) out.push(`<text x="${x - COL_W / 2}" y="28" font-size="9.5" text-anchor="middle" fill="${e.atUs - prevUs >= 1e6 ? BAD : MUTED}">+${esc(duration(e.atUs - prevUs))}</text>`);
    }
    prevUs = e.atUs;
  });
  // The message's path: its own steps joined in order.
  let prev: { x: number; y: number } | undefined;
  l.events.forEach((e, i) => {
    if (!e.own) return;
    const p = { x: colX(i), y: laneY(e.lane) };
    if (prev && prev.y !== p.y) out.push(`<path d="M${prev.x},${prev.y} L${p.x},${p.y}" stroke="#8c959f" stroke-width="1.3" fill="none" marker-end="url(#lineage-arrow)"/>`);
    else if (prev) out.push(`<line x1="${prev.x}" x2="${p.x}" y1="${p.y}" y2="${p.y}" stroke="#6e7781" stroke-width="1.4"/>`);
    prev = p;
  });
  l.events.forEach((e, i) => {
    const x = colX(i), y = laneY(e.lane);
    const tip = esc(`${seconds(e.atUs)} · ${l.lanes[e.lane].node}: ${e.what}`);
    const mark = e.own
      ? `<circle cx="${x}" cy="${y}" r="6" fill="${COLOR[e.kind]}" stroke="#fff" stroke-width="1.5"/>`
      : `<path d="M${x},${y - 7} L${x + 7},${y} L${x},${y + 7} L${x - 7},${y} z" fill="${COLOR[e.kind]}" stroke="#fff" stroke-width="1"/>`;
    // Labels alternate above and below the lane so neighbours have twice the room.
    const label = `<text x="${x}" y="${i % 2 === 0 ? y - 11 : y + 19}" font-size="9.5" text-anchor="middle" fill="${e.kind === "truncate" || e.kind === "error" ? BAD : "#1f2328"}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(clip(e.what, 24))}</text>`;
    out.push(`<g class="lineage-event" data-kind="${e.kind}"><title>${tip}</title>${mark}${label}</g>`);
  });
  return `<svg class="lineage" role="img" aria-label="${esc(`Lineage of m-${l.msg}`)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" style="font-family:inherit">
<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="16" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6e7781"/></marker></defs>
${out.join("\n")}
</svg>`;
}

/** The report section: one swimlane per message the anomalies name (capped); empty when none. */
export function lineageSection(result: RunResult, esc: (s: string) => string): string {
  const list = result.metrics.lineages ?? [];
  if (list.length === 0) return "";
  const blocks = list
    .map((l, i) => `<figure class="diagram" data-diagram="lineage" data-message="${l.msg}"><figcaption><code>m-${l.msg}</code>${l.key ? ` (key <code>${esc(l.key)}</code>)` : ""} · ${esc(l.reason)}${l.omittedEvents ? ` · first ${l.events.length} steps, ${l.omittedEvents} more left out` : ""}</figcaption>
<details${i === 0 ? " open" : ""}><summary>Swimlane</summary><div class="scroll">${lineageSvg(l, esc)}</div></details></figure>`)
    .join("\n");
  return `<section class="lineage-section" id="lineage"><h2>Message lineage</h2>
<p class="muted">The first ${list.length} messages the anomalies name (at most ${MAX_LINEAGES}), one lane per node, steps left to right in time order (columns are not to scale: the gap to the previous step is written above). Circles are the message's own steps; diamonds are events of its partition and nodes (elections, ISR changes, truncations, faults).${result.metrics.leadership ? " Replication to followers is not recorded per record: an acks=all ack means the high watermark passed it." : ""} <code>brokersim replay --message</code> prints the same story.</p>
${blocks}</section>`;
}
