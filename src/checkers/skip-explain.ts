// Why a group never got a record although nobody processed and committed past it: its position jumped.
// Three chains end that way, each permitted by a setting (semantics.md §3):
// - retention: the record's segment was deleted (retention.ms / retention.bytes) before the group read it;
//   the group's position fell below the log start, the fetch got OFFSET_OUT_OF_RANGE and auto.offset.reset
//   moved it (earliest: to the log start; latest: to the log end, skipping live records too);
// - committed offsets expired (offsets.retention, the group had been empty) and auto.offset.reset=latest;
// - a partition was added at run time and the group got it after records were written to it, with
//   auto.offset.reset=latest.
// Plus the plain case: no committed offset and auto.offset.reset=latest skips what was written before.
// The reading is pure (history + scenario) and cached per history, like kafka-log.ts.
import { Op, type History } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { topicOfRow, tpName } from "./groups/rows.ts";
import { fmtS } from "./verdict.ts";

export interface SkipExplanation {
  /** The chain, in words: what happened, when, from which offset to which. */
  story: string;
  /** The setting that permits it (collected into a verdict's permittedBy). */
  permittedBy: string;
}

interface Reset {
  timeUs: number;
  member: number;
  from: number;
  to: number;
  /** Why the position had to be reset. */
  cause: "out-of-range" | "expired" | "new-partition" | "no-commit";
  causeTimeUs: number;
}

export interface SkipView {
  explain(group: number, topic: number, partition: number, offset: number): SkipExplanation | undefined;
}

const cache = new WeakMap<History, { opCount: number; scenario: Scenario; view: SkipView }>();

export function readSkips(h: History, scenario: Scenario): SkipView {
  const hit = cache.get(h);
  if (hit && hit.opCount === h.opCount && hit.scenario === scenario) return hit.view;
  const view = computeSkips(h, scenario);
  cache.set(h, { opCount: h.opCount, scenario, view });
  return view;
}

const tpKey = (topic: number, partition: number): string => `${topic}:${partition}`;

function computeSkips(h: History, scenario: Scenario): SkipView {
  // Log start offsets over time per partition (the highest any replica reached: the leader deletes first).
  const starts = new Map<string, { timeUs: number; start: number }[]>();
  const added = new Map<number, { timeUs: number; from: number; to: number }[]>();
  const resets = new Map<string, Reset[]>();
  // Per (group, partition): the last out-of-range position, expiry and commit not yet used by a reset.
  const pendingOor = new Map<string, { timeUs: number; from: number }>();
  const expired = new Map<string, { timeUs: number; offset: number }>();
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    if (kind === Op.LogRetention) {
      const k = tpKey(h.opAux[i], h.opPartition[i]);
      let list = starts.get(k);
      if (!list) starts.set(k, (list = []));
      const prev = list.length > 0 ? list[list.length - 1].start : 0;
      if (h.opOffset[i] > prev) list.push({ timeUs: h.opTimeUs[i], start: h.opOffset[i] });
    } else if (kind === Op.PartitionsAdded) {
      let list = added.get(h.opAux[i]);
      if (!list) added.set(h.opAux[i], (list = []));
      list.push({ timeUs: h.opTimeUs[i], from: h.opOffset[i], to: h.opPartition[i] });
    } else if (kind === Op.OffsetOutOfRange || kind === Op.OffsetsExpired || kind === Op.OffsetReset || kind === Op.Commit) {
      // A commit only clears an expiry: with none pending (most runs) it needs no key built.
      if (kind === Op.Commit && expired.size === 0) continue;
      const topic = topicOfRow(h, i);
      const gk = `${h.opAux[i]}:${tpKey(topic, h.opPartition[i])}`;
      if (kind === Op.OffsetOutOfRange) pendingOor.set(gk, { timeUs: h.opTimeUs[i], from: h.opOffset[i] });
      else if (kind === Op.OffsetsExpired) expired.set(gk, { timeUs: h.opTimeUs[i], offset: h.opOffset[i] });
      else if (kind === Op.Commit) expired.delete(gk);
      else {
        const t = h.opTimeUs[i];
        const oor = pendingOor.get(gk);
        const exp = expired.get(gk);
        const grown = (added.get(topic) ?? []).find((a) => h.opPartition[i] >= a.from && h.opPartition[i] < a.to && a.timeUs <= t);
        let r: Reset;
        if (oor) r = { timeUs: t, member: h.opActor[i], from: oor.from, to: h.opOffset[i], cause: "out-of-range", causeTimeUs: oor.timeUs };
        else if (exp) r = { timeUs: t, member: h.opActor[i], from: exp.offset, to: h.opOffset[i], cause: "expired", causeTimeUs: exp.timeUs };
        else if (grown) r = { timeUs: t, member: h.opActor[i], from: 0, to: h.opOffset[i], cause: "new-partition", causeTimeUs: grown.timeUs };
        else r = { timeUs: t, member: h.opActor[i], from: 0, to: h.opOffset[i], cause: "no-commit", causeTimeUs: t };
        pendingOor.delete(gk);
        expired.delete(gk);
        let list = resets.get(gk);
        if (!list) resets.set(gk, (list = []));
        list.push(r);
      }
    }
  }
  const logStartAt = (topic: number, partition: number, timeUs: number): { start: number; timeUs: number } => {
    let best = { start: 0, timeUs: -1 };
    for (const s of starts.get(tpKey(topic, partition)) ?? []) if (s.timeUs <= timeUs) best = s;
    return best;
  };
  // When retention last moved the log start past `offset` (the deletion that took the record).
  const deletedAt = (topic: number, partition: number, offset: number, beforeUs: number): number | undefined =>
    (starts.get(tpKey(topic, partition)) ?? []).find((s) => s.start > offset && s.timeUs <= beforeUs)?.timeUs;
  const groupSpec = (group: number) => scenario.consumerGroups.find((g) => g.name === h.actorNames[group]);
  const topicSpec = (topic: number) => scenario.topics.find((t) => t.name === h.actorNames[topic]);

  return {
    explain(group, topic, partition, offset) {
      const list = resets.get(`${group}:${tpKey(topic, partition)}`);
      if (!list) return undefined;
      const g = groupSpec(group);
      const tname = h.actorNames[topic];
      const gname = h.actorNames[group];
      const policy = g?.autoOffsetReset ?? "latest";
      for (const r of list) {
        if (offset < r.from || offset >= r.to) continue;
        const where = `${tpName(h, topic, partition)}@${offset}`;
        const member = h.actorNames[r.member];
        const jump = `auto.offset.reset=${policy} moved ${member} from offset ${r.from} to ${r.to} at ${fmtS(r.timeUs)}`;
        const del = deletedAt(topic, partition, offset, r.timeUs);
        if (del !== undefined) {
          const t = topicSpec(topic);
          const limit = t ? retentionSetting(t) : "retention";
          return {
            story: `${where} was deleted by retention at ${fmtS(del)} (${limit}; log start now ${logStartAt(topic, partition, r.timeUs).start}) before group ${gname} read it; its position ${r.from} was then out of range and ${jump}`,
            permittedBy: `${limit} on ${tname}`,
          };
        }
        if (policy !== "latest") continue;
        if (r.cause === "out-of-range") {
          return {
            story: `group ${gname}'s position ${r.from} on ${tpName(h, topic, partition)} fell out of range at ${fmtS(r.causeTimeUs)} and ${jump}, past ${where}, which was still in the log`,
            permittedBy: `auto.offset.reset=latest on ${gname}`,
          };
        }
        if (r.cause === "expired") {
          const ret = formatDurationUs(scenario.cluster.offsetsRetention);
          return {
            story: `group ${gname}'s committed offset ${r.from} on ${tpName(h, topic, partition)} expired at ${fmtS(r.causeTimeUs)} (offsets.retention ${ret} after the group was empty) and ${jump}, past ${where}`,
            permittedBy: `offsets.retention ${ret} with auto.offset.reset=latest on ${gname}`,
          };
        }
        if (r.cause === "new-partition") {
          return {
            story: `${tpName(h, topic, partition)} was added at ${fmtS(r.causeTimeUs)}; group ${gname} got it only at ${fmtS(r.timeUs)} with no committed offset and ${jump}, past ${where} written before`,
            permittedBy: `partitions added to ${tname} at run time with auto.offset.reset=latest on ${gname}`,
          };
        }
        return {
          story: `group ${gname} had no committed offset on ${tpName(h, topic, partition)} and ${jump}, past ${where} written before`,
          permittedBy: `auto.offset.reset=latest on ${gname}`,
        };
      }
      return undefined;
    },
  };
}

function retentionSetting(t: Scenario["topics"][number]): string {
  const parts: string[] = [];
  if (t.retentionMs >= 0) parts.push(`retention.ms=${formatDurationUs(t.retentionMs)}`);
  if (t.retentionBytes >= 0) parts.push(`retention.bytes=${t.retentionBytes}`);
  return parts.join(", ") || "retention";
}
