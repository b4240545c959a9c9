// Shared reading of a Kafka run's history for the replication checkers: which appended records survived in
// the final log (an Append at (offset, leader epoch) survived iff the final log holds that epoch at that
// offset — the cluster writes the final log as epoch ranges at the end), which settings of the scenario
// permit which anomaly, and the chain of cluster events that explains one.
import { Op, type History } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import { resolveIdempotence } from "../scenario/schema-kafka.ts";
import { fmtS } from "./verdict.ts";

export interface KafkaLogView {
  /** Partitions with a final log in the history, keyed "topicActor:partition". */
  finalEnd: Map<string, number>;
  /** Per message: surviving entries in final logs, the first one's partition/offset, -1 if none. */
  survivingCount: Uint16Array;
  survivingOffset: Float64Array;
  survivingPartition: Int32Array;
  /** Per message: the row of its last Append (-1 none) and of its Ack (-1 none). */
  appendRow: Int32Array;
  ackRow: Int32Array;
  /** Rows of cluster events (elections, truncations, ISR changes, faults, fences), in time order. */
  eventRows: number[];
}

const EVENT_OPS = new Set<number>([Op.Truncate, Op.LeaderElection, Op.UncleanLeaderElection, Op.PartitionOffline, Op.IsrShrink, Op.FaultStart, Op.FaultEnd, Op.BrokerFence, Op.ProducerEpochBump]);

// Several checkers read the same history; the view is computed once per history (and its length).
const cache = new WeakMap<History, { opCount: number; view: KafkaLogView }>();

export function readKafkaLog(h: History): KafkaLogView {
  const hit = cache.get(h);
  if (hit && hit.opCount === h.opCount) return hit.view;
  const view = computeKafkaLog(h);
  cache.set(h, { opCount: h.opCount, view });
  return view;
}

// The two scans over every row run once per run; each sits in a small function of its own (apart from the
// string-keyed bookkeeping of the few final-log rows) so a sweep thread compiles two small loops once and keeps
// them from one seed to the next, instead of re-optimising one big function every seed.
const EVENT_OP_MASK = new Uint8Array(256);
for (const op of EVENT_OPS) EVENT_OP_MASK[op] = 1;

function computeKafkaLog(h: History): KafkaLogView {
  const n = h.messageCount;
  const appendRow = new Int32Array(n).fill(-1);
  const ackRow = new Int32Array(n).fill(-1);
  const eventRows: number[] = [];
  const rangeRows: number[] = [];
  scanLogRows(h, appendRow, ackRow, eventRows, rangeRows);
  const ranges = new Map<string, [number, number, number][]>();
  const finalEnd = new Map<string, number>();
  for (const i of rangeRows) {
    const key = `${h.opActor[i]}:${h.opPartition[i]}`;
    let list = ranges.get(key);
    if (!list) ranges.set(key, (list = []));
    list.push([h.opOffset[i], h.opMsg[i], h.opAux[i]]);
    finalEnd.set(key, Math.max(finalEnd.get(key) ?? 0, h.opMsg[i]));
  }
  for (const key of finalEnd.keys()) if (!ranges.has(key)) ranges.set(key, []);
  const survivingCount = new Uint16Array(n);
  const survivingOffset = new Float64Array(n).fill(-1);
  const survivingPartition = new Int32Array(n).fill(-1);
  // Numeric keys on the hot path (one lookup per appended record).
  const byNumber = new Map<number, [number, number, number][]>();
  for (const [key, list] of ranges) {
    const [t, p] = key.split(":").map(Number);
    byNumber.set(t * 65536 + p, list);
  }
  markSurvivors(h, byNumber, survivingCount, survivingOffset, survivingPartition);
  return { finalEnd, survivingCount, survivingOffset, survivingPartition, appendRow, ackRow, eventRows };
}

/** Each message's last Append and Ack row; the rows of cluster events and of final-log ranges, in row order. */
function scanLogRows(h: History, appendRow: Int32Array, ackRow: Int32Array, eventRows: number[], rangeRows: number[]): void {
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    const k = opKind[i];
    if (k === Op.FinalLogRange) rangeRows.push(i);
    else if (k === Op.Append) appendRow[opMsg[i]] = i;
    else if (k === Op.Ack) ackRow[opMsg[i]] = i;
    else if (EVENT_OP_MASK[k] === 1) eventRows.push(i);
  }
}

/** Which appended records the final log holds: an Append survived iff its epoch is the final log's at its offset. */
function markSurvivors(
  h: History,
  byNumber: Map<number, [number, number, number][]>,
  survivingCount: Uint16Array,
  survivingOffset: Float64Array,
  survivingPartition: Int32Array,
): void {
  const opKind = h.opKind;
  const opActor = h.opActor;
  const opPartition = h.opPartition;
  const opOffset = h.opOffset;
  const opAux = h.opAux;
  const opMsg = h.opMsg;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    if (opKind[i] !== Op.Append) continue;
    const list = byNumber.get(opActor[i] * 65536 + opPartition[i]);
    if (!list) continue;
    const o = opOffset[i];
    // Ranges are few per partition (one per leader epoch), so a linear scan is fine.
    let epoch = -2;
    for (let r = 0; r < list.length; r++) {
      const range = list[r];
      if (o >= range[0] && o < range[1]) epoch = range[2];
    }
    if (epoch !== opAux[i]) continue;
    const m = opMsg[i];
    if (survivingCount[m] === 0) {
      survivingOffset[m] = o;
      survivingPartition[m] = opPartition[i];
    } else if (o < survivingOffset[m]) survivingOffset[m] = o;
    survivingCount[m]++;
  }
}

/** True when the history holds the final log of the message's partition (else nothing can be said). */
export function hasFinalLog(v: KafkaLogView, h: History, msg: number, partition: number): boolean {
  return v.finalEnd.has(`${h.msgTopic[msg]}:${partition}`);
}

/** One line per cluster event on the message's partition (or a fault anywhere) after `fromUs`. */
export function eventChain(h: History, v: KafkaLogView, topicActor: number, partition: number, fromUs: number, max = 14): string {
  const parts: string[] = [];
  for (const i of v.eventRows) {
    if (h.opTimeUs[i] < fromUs) continue;
    const k = h.opKind[i];
    const onPartition = h.opAux[i] === topicActor && h.opPartition[i] === partition;
    const t = fmtS(h.opTimeUs[i]);
    const actor = h.opActor[i] >= 0 ? h.actorNames[h.opActor[i]] : "network";
    if (k === Op.FaultStart) parts.push(`${t} fault on ${actor} began`);
    else if (k === Op.FaultEnd) parts.push(`${t} fault on ${actor} ended`);
    else if (k === Op.BrokerFence) parts.push(`${t} controller ${h.opAux[i] === 1 ? "fenced" : "unfenced"} ${actor}`);
    else if (!onPartition) continue;
    else if (k === Op.LeaderElection) parts.push(`${t} ${actor} elected leader (epoch ${h.opMsg[i]}) with log end ${h.opOffset[i]}`);
    else if (k === Op.UncleanLeaderElection) parts.push(`${t} ${actor} elected leader UNCLEANLY (epoch ${h.opMsg[i]}, out of sync) with log end ${h.opOffset[i]}`);
    else if (k === Op.PartitionOffline) parts.push(`${t} partition offline (no in-sync replica alive)`);
    else if (k === Op.Truncate) parts.push(`${t} ${actor} truncated its log to ${h.opOffset[i]} (${h.opMsg[i]} records removed)`);
    else if (k === Op.IsrShrink) parts.push(`${t} ${actor} left the ISR (size ${h.opOffset[i]})`);
    else if (k === Op.ProducerEpochBump) parts.push(`${t} ${actor} bumped its producer epoch to ${h.opMsg[i]} (producer id ${h.opOffset[i]}) and re-numbered its unacknowledged batches`);
    if (parts.length >= max) break;
  }
  return parts.length > 0 ? parts.join("; ") : "no cluster event followed";
}

export interface ProducerSettings {
  acks: 0 | 1 | -1;
  idempotent: boolean;
  maxInFlight: number;
  retries: number;
}

export function producerSettings(scenario: Scenario, name: string): ProducerSettings | undefined {
  const p = scenario.producers.find((x) => x.name === name);
  if (!p) return undefined;
  return { acks: p.acks, idempotent: resolveIdempotence(p), maxInFlight: p.maxInFlight, retries: p.retries };
}

/** The settings that allow an acknowledged write to be lost on this topic by this producer (empty: none). */
export function lossPermittedBy(scenario: Scenario, producer: string, topic: string): string[] {
  const p = producerSettings(scenario, producer);
  const t = scenario.topics.find((x) => x.name === topic);
  const out: string[] = [];
  if (p && p.acks !== -1) out.push(`acks=${p.acks} on ${producer} (the leader answers before followers copy)`);
  if (t?.uncleanLeaderElection) out.push(`unclean.leader.election.enable=true on ${topic}`);
  if (t && p?.acks === -1 && (t.minInsyncReplicas < 2 || t.replicationFactor < 2)) {
    out.push(`min.insync.replicas=${t.minInsyncReplicas} with replication factor ${t.replicationFactor} on ${topic} (acks=all may commit with one copy)`);
  }
  if (scenario.faults.some((f) => "crash" in f && f.loseUnflushed) && t && (t.minInsyncReplicas < 2 || t.replicationFactor < 2)) {
    out.push("a crash that loses unflushed data");
  }
  return out;
}

/** Settings that allow one message to be written twice. */
export function duplicationPermittedBy(scenario: Scenario, producer: string): string[] {
  const p = producerSettings(scenario, producer);
  if (!p || p.idempotent || p.retries === 0 || p.acks === 0) return [];
  return [`retries=${p.retries} without idempotence on ${producer} (a retry after an unknown outcome appends again)`];
}

/** Settings that allow a producer's records to land out of send order. */
export function reorderPermittedBy(scenario: Scenario, producer: string): string[] {
  const p = producerSettings(scenario, producer);
  if (!p || p.idempotent || p.retries === 0) return [];
  if (p.maxInFlight > 1) return [`max.in.flight.requests.per.connection=${p.maxInFlight} without idempotence on ${producer}`];
  return [];
}

/**
 * Adds the config-aware reading to a verdict: anomalies all permitted by settings → "expected under ...";
 * any anomaly under settings that promise none → "violates the contract".
 */
export function withPermission<V extends { holds: boolean; summary: string; permittedBy?: string[]; unpermitted?: number }>(v: V, permitted: Set<string>, unpermitted: number): V {
  if (v.holds) return v;
  const list = [...permitted].sort();
  if (list.length > 0) v.permittedBy = list;
  v.unpermitted = unpermitted;
  if (unpermitted === 0) v.summary += ` — expected under ${list.join("; ")}`;
  else v.summary += ` — ${unpermitted} under settings that promise none: a violation of the contract`;
  return v;
}
