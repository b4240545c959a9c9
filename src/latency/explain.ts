// Why a latency bound failed: the records slower than the bound (the tail), which phases their time went to, the
// partitions and keys they crowd on (a hot key shows as a large share of the tail against a small share of all),
// when they were sent, and what happened then on their partitions and groups: faults, replicas leaving the ISR,
// elections, offline partitions, rebalances, consumer crashes and pauses, produce retries. Pure over the history.
import { Op, type History } from "../history/history.ts";
import type { FaultWindow } from "../report/result-types.ts";
import { REBALANCE_CAUSES } from "../models/groups/group-protocol.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { RETURN_REASON_NAMES } from "../models/queue/queue-types.ts";
import { partitionLabel, type SubjectRecords } from "./phases.ts";
import { KAFKA_PHASES, PHASE_LABELS, QUEUE_PHASES, type LatencyExplanation, type PhaseName, type TailShare } from "./types.ts";

const s = (us: number): string => formatDurationUs(us);
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface ExplainInput {
  h: History;
  /** The records the bound applies to (one group, one queue, or every group pooled). */
  records: SubjectRecords;
  subject: string;
  bound: string;
  actualUs: number;
  boundUs: number;
  faults: FaultWindow[];
  retries: Uint16Array;
}

/** Counts per code among the slow records and among all, top `limit` by slow count (ties: smaller code first). */
function topShares(codes: ArrayLike<number>, slow: Uint8Array, slowCount: number, limit: number, name: (c: number) => string): TailShare[] {
  const all = new Map<number, number>();
  const tail = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) {
    all.set(codes[i], (all.get(codes[i]) ?? 0) + 1);
    if (slow[i]) tail.set(codes[i], (tail.get(codes[i]) ?? 0) + 1);
  }
  return [...tail.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map(([c, count]) => ({ name: name(c), count, tailShare: r3(count / slowCount), allShare: r3(all.get(c)! / codes.length) }));
}

/** A share of the tail that stands out: at least a fifth of it and at least twice its share of all records. */
function standsOut(t: TailShare | undefined): t is TailShare {
  return t !== undefined && t.tailShare >= 0.2 && t.tailShare >= 2 * t.allShare;
}

export function explainTail(x: ExplainInput): LatencyExplanation {
  const { h, records: rec } = x;
  const n = rec.latencyUs.length;
  const P = rec.phaseCount;
  const names: readonly PhaseName[] = rec.kind === "group" ? KAFKA_PHASES : QUEUE_PHASES;
  const slow = new Uint8Array(n);
  const phaseSum = new Float64Array(P);
  let slowCount = 0;
  let latencySum = 0;
  let fromUs = Infinity;
  let toUs = -Infinity;
  let lastDoneUs = -Infinity;
  let retried = 0;
  for (let i = 0; i < n; i++) {
    if (rec.latencyUs[i] <= x.boundUs) continue;
    slow[i] = 1;
    slowCount++;
    latencySum += rec.latencyUs[i];
    for (let p = 0; p < P; p++) phaseSum[p] += rec.phases[i * P + p];
    const m = rec.msg[i];
    const created = h.msgCreatedUs[m];
    if (created < fromUs) fromUs = created;
    if (created > toUs) toUs = created;
    if (rec.endUs[i] > lastDoneUs) lastDoneUs = rec.endUs[i];
    if (x.retries[m] > 0) retried++;
  }
  const phases = names
    .map((phase, p) => ({ phase, share: latencySum > 0 ? r3(phaseSum[p] / latencySum) : 0, meanUs: slowCount > 0 ? Math.round(phaseSum[p] / slowCount) : 0 }))
    .sort((a, b) => b.share - a.share || names.indexOf(a.phase) - names.indexOf(b.phase));
  const partitions = rec.kind === "group" ? topShares(rec.partition, slow, Math.max(1, slowCount), 3, (c) => partitionLabel(h, c)) : [];
  const keys = topShares(rec.msg.map((m) => h.msgKey[m]), slow, Math.max(1, slowCount), 3, (k) => h.keyNames[k]);
  const window = slowCount > 0 ? { fromUs, toUs, lastDoneUs } : { fromUs: 0, toUs: 0, lastDoneUs: 0 };
  const slowPartitions = new Set<number>();
  for (let i = 0; i < n; i++) if (slow[i] && rec.partition[i] >= 0) slowPartitions.add(rec.partition[i]);
  const causes = slowCount > 0 ? findCauses(h, x.faults, rec, slowPartitions, window.fromUs, window.lastDoneUs, phases[0].phase, x.boundUs) : [];
  if (retried > 0) causes.push(`${retried} of the slow records were re-sent by their producer (produce retries)`);
  if (rec.kind === "queue" && slowCount > 0) causes.push(...queueReturns(h, rec, slow));
  // A hot spot leads when no fault overlapped the slow records (load, not failure, made them slow).
  const hot = standsOut(keys[0])
    ? `hot key ${keys[0].name}: ${pct(keys[0].tailShare)} of the slow records, ${pct(keys[0].allShare)} of all`
    : standsOut(partitions[0])
      ? `hot partition ${partitions[0].name}: ${pct(partitions[0].tailShare)} of the slow records, ${pct(partitions[0].allShare)} of all`
      : undefined;
  if (hot !== undefined) {
    if (causes.some((c) => c.startsWith("fault:"))) causes.push(hot);
    else causes.unshift(hot);
  }
  if (causes.length === 0 && slowCount > 0) {
    causes.push("no fault, ISR change, election or rebalance while they waited: the records queued behind the load (capacity, not a failure)");
  }
  const top = phases[0];
  const summary =
    slowCount === 0
      ? `${x.bound} failed (${s(x.actualUs)}) but no record is slower than ${s(x.boundUs)}`
      : `${x.bound.split(" ")[0]} ${s(x.actualUs)} > ${s(x.boundUs)}: ${slowCount} of ${n} records slower, sent ${s(fromUs)}–${s(toUs)}; ` +
        `${PHASE_LABELS[top.phase]} ${pct(top.share)} of their latency (mean ${s(top.meanUs)}); ${causes[0]}`;
  return { subject: x.subject, bound: x.bound, actualUs: x.actualUs, boundUs: x.boundUs, slow: slowCount, total: n, phases, partitions, keys, window, causes, summary };
}

/** Members of a group, from the coordinator's joins and the fetches the group made. */
function groupMembers(h: History, group: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if ((k === Op.MemberJoined || k === Op.Deliver) && h.opAux[i] === group) out.add(h.opActor[i]);
  }
  return out;
}

/** When each broker's crash began (from the fault windows' labels, "crash broker-1 ..."), for ISR explanations. */
function crashStarts(faults: FaultWindow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of faults) {
    const m = /^crash (\S+)/.exec(f.label);
    if (m && !out.has(m[1])) out.set(m[1], f.startUs);
  }
  return out;
}

function listPartitions(labels: string[]): string {
  return labels.length <= 4 ? labels.join(", ") : `${labels.slice(0, 3).join(", ")} and ${labels.length - 3} more`;
}

/** Which phase a finding explains: it leads the list when that phase holds most of the slow records' time. */
type Found = { atUs: number; text: string; phase: PhaseName | "any" };

function findCauses(h: History, faults: FaultWindow[], rec: SubjectRecords, parts: Set<number>, fromUs: number, toUs: number, topPhase: PhaseName, boundUs: number): string[] {
  const found: Found[] = [];
  // Faults overlapping the window in which the slow records waited.
  for (const f of faults) if (f.startUs <= toUs && f.endUs >= fromUs) found.push({ atUs: f.startUs, text: `fault: ${f.label} (${s(f.startUs)}–${s(f.endUs)})`, phase: "any" });
  const crashed = crashStarts(faults);
  // ISR shrinks, elections and offline partitions on the slow records' partitions, grouped by broker and kind.
  const isr = new Map<string, { firstUs: number; lastUs: number; parts: string[] }>();
  const members = rec.kind === "group" ? groupMembers(h, rec.actor) : new Set<number>();
  const rebalances: { atUs: number; cause: string; stableUs: number }[] = [];
  for (let i = 0; i < h.opCount; i++) {
    const t = h.opTimeUs[i];
    if (t > toUs) break;
    const k = h.opKind[i];
    if (k === Op.GroupStable && h.opActor[i] === rec.actor && rebalances.length > 0 && rebalances[rebalances.length - 1].stableUs < 0) {
      rebalances[rebalances.length - 1].stableUs = t;
      continue;
    }
    if (t < fromUs) continue;
    if (k === Op.IsrShrink || k === Op.LeaderElection || k === Op.UncleanLeaderElection || k === Op.PartitionOffline) {
      const code = h.opAux[i] * 65536 + h.opPartition[i];
      if (!parts.has(code)) continue;
      const who = k === Op.PartitionOffline ? "" : h.actorNames[h.opActor[i]];
      const key = `${k}\u0000${who}`;
      let e = isr.get(key);
      if (!e) isr.set(key, (e = { firstUs: t, lastUs: t, parts: [] }));
      e.lastUs = t;
      const label = partitionLabel(h, code);
      if (!e.parts.includes(label)) e.parts.push(label);
    } else if (k === Op.RebalanceStart && h.opActor[i] === rec.actor) {
      rebalances.push({ atUs: t, cause: REBALANCE_CAUSES[h.opPartition[i]] ?? "rebalance", stableUs: -1 });
    } else if ((k === Op.ConsumerCrashed || k === Op.ConsumerPaused) && members.has(h.opActor[i])) {
      const what = k === Op.ConsumerCrashed ? "crashed" : `froze for ${s(h.opOffset[i])}`;
      found.push({ atUs: t, text: `consumer ${h.actorNames[h.opActor[i]]} ${what} at ${s(t)}`, phase: "consumer" });
    }
  }
  for (const [key, e] of isr) {
    const [kindText, who] = key.split("\u0000");
    const k = Number(kindText);
    const when = e.firstUs === e.lastUs ? `at ${s(e.firstUs)}` : `${s(e.firstUs)}–${s(e.lastUs)}`;
    const until = e.firstUs === e.lastUs ? s(e.firstUs) : `${s(e.firstUs)}–${s(e.lastUs)}`;
    const ps = listPartitions(e.parts);
    let text: string;
    if (k === Op.IsrShrink) {
      const crashUs = crashed.get(who);
      text =
        crashUs !== undefined && crashUs <= e.firstUs
          ? `${who}, dead since ${s(crashUs)}, stayed in the ISR of ${ps} until ${until} (${s(e.firstUs - crashUs)} later): acks=all requests waited for it and the producer's later batches queued behind them`
          : `${who} left the ISR of ${ps} ${when}`;
    } else if (k === Op.PartitionOffline) text = `${ps} offline (no eligible leader) ${when}`;
    else text = `${who} elected leader${k === Op.UncleanLeaderElection ? " uncleanly" : ""} of ${ps} ${when}`;
    found.push({ atUs: e.firstUs, text, phase: k === Op.IsrShrink ? "acks" : "to-leader" });
  }
  for (const r of rebalances) {
    if (r.atUs < fromUs) continue;
    const end = r.stableUs >= 0 ? `stable at ${s(r.stableUs)} (${s(r.stableUs - r.atUs)})` : "not stable by the end of the window";
    found.push({ atUs: r.atUs, text: `rebalance of ${rec.name} at ${s(r.atUs)} (${r.cause}), ${end}`, phase: "log" });
  }
  if (rec.kind === "group") found.push(...fetchGaps(h, rec, parts, fromUs, toUs, boundUs));
  // Findings about the phase that holds most of the time lead; the producer's own stall counts for both of its
  // phases (a request held for acks keeps later batches in the accumulator). Faults come after the mechanisms.
  const near = (p: Found["phase"]) => p === topPhase || (p === "acks" && topPhase === "to-leader") || (p === "to-leader" && topPhase === "acks");
  const rank = (f: Found) => (near(f.phase) ? 0 : f.phase === "any" ? 2 : 1);
  return found.sort((a, b) => rank(a) - rank(b) || a.atUs - b.atUs || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)).map((f) => f.text);
}

/**
 * Per slow partition, the longest time the group fetched nothing from it while its slow records waited (from the
 * first slow record's send to the last one's processing): a consumer stuck on a dead leader or without an owner.
 */
function fetchGaps(h: History, rec: SubjectRecords, parts: Set<number>, fromUs: number, toUs: number, boundUs: number): Found[] {
  const last = new Map<number, number>();
  const gap = new Map<number, { fromUs: number; toUs: number }>();
  const note = (code: number, a: number, b: number) => {
    const g = gap.get(code);
    if (b - a > boundUs && (g === undefined || b - a > g.toUs - g.fromUs)) gap.set(code, { fromUs: a, toUs: b });
  };
  for (let i = 0; i < h.opCount; i++) {
    const t = h.opTimeUs[i];
    if (t > toUs) break;
    // The pooled subject (actor -1) counts a fetch by any group.
    if (h.opKind[i] !== Op.Deliver || (rec.actor >= 0 && h.opAux[i] !== rec.actor) || t < fromUs) continue;
    const code = h.msgTopic[h.opMsg[i]] * 65536 + h.opPartition[i];
    if (!parts.has(code)) continue;
    note(code, last.get(code) ?? fromUs, t);
    last.set(code, t);
  }
  return [...gap.entries()]
    .sort((a, b) => b[1].toUs - b[1].fromUs - (a[1].toUs - a[1].fromUs) || a[0] - b[0])
    .slice(0, 3)
    .map(([code, g]) => ({
      atUs: g.fromUs,
      text: `${rec.actor >= 0 ? `${rec.name} fetched` : "the groups fetched"} nothing from ${partitionLabel(h, code)} for ${s(g.toUs - g.fromUs)} (${s(g.fromUs)}–${s(g.toUs)}) while records waited there`,
      phase: "log" as const,
    }));
}

/** Why slow queue messages were delivered again: their returns to the queue, by reason (visibility timeout, nack…). */
function queueReturns(h: History, rec: SubjectRecords, slow: Uint8Array): string[] {
  const slowMsg = new Uint8Array(h.messageCount);
  for (let i = 0; i < rec.msg.length; i++) if (slow[i]) slowMsg[rec.msg[i]] = 1;
  const byReason = new Map<number, { returns: number; messages: Set<number> }>();
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.QueueReturn || h.opActor[i] !== rec.actor) continue;
    const m = h.opMsg[i];
    if (m < 0 || !slowMsg[m]) continue;
    const r = h.opPartition[i];
    let e = byReason.get(r);
    if (!e) byReason.set(r, (e = { returns: 0, messages: new Set() }));
    e.returns++;
    e.messages.add(m);
  }
  return [...byReason.entries()]
    .sort((a, b) => b[1].returns - a[1].returns || a[0] - b[0])
    .map(([r, e]) => `${e.messages.size} of the slow messages went back to ${rec.name} ${e.returns} time(s) (${RETURN_REASON_NAMES[r] ?? `reason ${r}`}) and waited to be delivered again`);
}
