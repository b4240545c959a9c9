// per-aggregate-order: each consumer group processes an aggregate's events in the order their transactions
// committed (commit order = LSN order; semantics.md §8: the aggregate id is the key, so one partition keeps
// them in order once they are appended in order). An anomaly names the two events, their commit positions,
// and why the later commit came first: the earlier one reached the topic later (re-published, or read late by
// a relay) or sat on another partition. Only each event's first processing per group counts (redeliveries are
// duplicates, not reorders).
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { PublishRows } from "./publish-rows.ts";

export const perAggregateOrder: Checker = (h: History, scenario) => {
  const rows = new PublishRows(h, scenario);
  const anomalies: Anomaly[] = [];
  const seen = new Set<string>();
  /** group:key → the processed event with the highest LSN so far. */
  const last = new Map<string, { msg: number; lsn: number; atUs: number }>();
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.ProcessStart) continue;
    const msg = h.opMsg[i];
    const c = rows.commits.get(msg);
    if (!c) continue;
    const group = h.opAux[i];
    const first = `${group}:${msg}`;
    if (seen.has(first)) continue;
    seen.add(first);
    checked++;
    const k = `${group}:${h.msgKey[msg]}`;
    const prev = last.get(k);
    if (!prev || c.lsn > prev.lsn) {
      last.set(k, { msg, lsn: c.lsn, atUs: h.opTimeUs[i] });
      continue;
    }
    const a = rows.firstAppend.get(msg);
    const b = rows.firstAppend.get(prev.msg);
    let why = "";
    if (a !== undefined && b !== undefined) {
      const sameRelayBatch = rows.reads.some((r) => r.msg === msg) && rows.reads.some((r) => r.msg === prev.msg);
      if (h.opPartition[a] !== h.opPartition[b]) why = `they were on different partitions (${h.opPartition[b]} and ${h.opPartition[a]})`;
      else if (h.opOffset[a] > h.opOffset[b]) {
        const resent = (rows.attempts.get(msg) ?? 0) > 1;
        why = `${h.messageName(msg)} reached the topic later (offset ${h.opOffset[a]} at ${fmtS(h.opTimeUs[a])} vs offset ${h.opOffset[b]} at ${fmtS(h.opTimeUs[b])})` +
          (resent ? ", re-published after its first send" : sameRelayBatch ? ", the relay sent them in its cursor's order (row id), not in commit order" : ", the publisher sent it after the later commit");
      } else why = `${h.messageName(msg)} was appended first but processed later`;
    }
    anomalies.push({
      kind: "aggregate-reorder",
      explanation:
        `group ${h.actorNames[group]} processed ${h.messageName(msg)} (aggregate ${h.keyOf(msg)}, LSN ${c.lsn}) at ${fmtS(h.opTimeUs[i])}, ` +
        `after ${h.messageName(prev.msg)} (LSN ${prev.lsn}) at ${fmtS(prev.atUs)}, although it committed first` + (why ? `: ${why}` : ""),
      messageIds: [prev.msg, msg],
      keys: [h.keyOf(msg)],
      timesUs: [prev.atUs, h.opTimeUs[i]],
    });
  }
  return verdictOf("per-aggregate-order", checked, anomalies, `every aggregate's events were processed in commit order (${checked} first processings)`, (n) => `${n} event(s) processed after a later commit of the same aggregate`);
};
