// no-loss: every acknowledged message is processed by every consumer group subscribed to its topic by the
// end of the run (the drain period included). Acked-but-never-processed is "unseen" when the record is
// still in the log (the consumers did not get to it), "committed-unprocessed" when the group's committed
// offset had moved past it and "lost-write" when the log no longer holds it: never
// appended, or appended and later truncated away (the cluster writes each partition's final log at the end).
// Config-aware: a record the group skipped because its position jumped (retention deleted it, or
// auto.offset.reset=latest jumped past it) is named with that chain and counted as permitted (skip-explain.ts).
import { Op, type History } from "../history/history.ts";
import { readKafkaLog, withPermission } from "./kafka-log.ts";
import { readSkips } from "./skip-explain.ts";
import { logLossCause, notConsumedCause } from "./causes.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, groupsByTopic, PerGroupTable, verdictOf, type Checker } from "./verdict.ts";

export const noLoss: Checker = (h: History, scenario) => {
  // Each message's last Ack and Append row: the shared reading of the log has them.
  const finalLog = readKafkaLog(h);
  const { ackRow, appendRow } = finalLog;
  const processed = new PerGroupTable(h.messageCount);
  scanProcessed(h, processed);
  const subscribed = groupsByTopic(h, scenario);
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  const missing: number[] = [];
  const checked = unprocessedPairs(h, ackRow, subscribed, processed, missing);
  // Only a record never processed is explained by where its group had committed and whether its position jumped.
  const committed = missing.length > 0 ? lastCommits(h) : new Map<string, number>();
  const skips = missing.length > 0 ? readSkips(h, scenario) : undefined;
  for (let j = 0; j < missing.length; j += 2) {
    const msg = missing[j];
    const a = ackRow[msg];
    const g = subscribed.get(h.msgTopic[msg])![missing[j + 1]];
    const partition = h.opPartition[a];
    const offset = h.opOffset[a];
    const hasFinalLog = finalLog.finalEnd.has(`${h.msgTopic[msg]}:${partition}`);
    const inLog = appendRow[msg] >= 0 && (!hasFinalLog || finalLog.survivingCount[msg] > 0);
    const at = committed.get(`${g.group}:${partition}`);
    const skip = skips!.explain(g.group, h.msgTopic[msg], partition, offset);
    if (skip) permitted.add(skip.permittedBy);
    else unpermitted++;
    // Still in the log but behind the group's committed offset: the group moved past it without processing it
    // (loss-explained names the commit and the crash), which is not lag.
    const committedPast = inLog && !skip && at !== undefined && at > offset;
    anomalies.push({
      kind: skip ? "skipped" : committedPast ? "committed-unprocessed" : inLog ? "unseen" : "lost-write",
      explanation:
        `${h.messageName(msg)} (key ${h.keyOf(msg)}) was acknowledged at ${fmtS(h.opTimeUs[a])} at ` +
        `${h.actorNames[h.msgTopic[msg]]}/${partition}@${offset} but group ${g.name} never processed it` +
        (skip
          ? `: ${skip.story}; expected under ${skip.permittedBy}`
          : (committedPast
              ? ": the group committed past it without processing it (loss-explained names the commit)"
              : inLog
                ? ": still in the log, not consumed before the end of the run"
                : ": lost by the broker (the final log no longer holds it; no-lost-write names the chain)") +
            (at === undefined ? "; the group never committed on that partition" : `; the group had committed up to offset ${at}`)),
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition,
      offsets: [offset],
      timesUs: [h.opTimeUs[a]],
      ...(skip || committedPast ? {} : { cause: inLog ? notConsumedCause(g.name) : logLossCause(h, finalLog, h.msgTopic[msg], partition, h.opTimeUs[appendRow[msg] >= 0 ? appendRow[msg] : a]) }),
    });
  }
  const verdict = verdictOf(
    "no-loss",
    checked,
    anomalies,
    `every acknowledged message was processed by every subscribed group (${checked} message×group pairs)`,
    (k) => `${k} acknowledged message×group pair(s) never processed${splitByCause(anomalies)}`,
  );
  // Only runs where a position jumped get the config-aware reading; others keep their plain verdict.
  return permitted.size > 0 ? withPermission(verdict, permitted, unpermitted) : verdict;
};

// The scans over every row and every message are the hot part and run once per run: each in a small function
// of its own, apart from the explanations, so a sweep thread compiles small loops once and keeps them from one
// seed to the next instead of re-optimising the whole checker every seed.

/** Each group's processing of each message. */
function scanProcessed(h: History, processed: PerGroupTable): void {
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const count = h.opCount;
  for (let i = 0; i < count; i++) if (opKind[i] === Op.ProcessEnd) processed.set(h.opAux[i], opMsg[i], i);
}

/** The last committed offset per "group:partition" (commits in row order: the last one wins). */
function lastCommits(h: History): Map<string, number> {
  const committed = new Map<string, number>();
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.Commit) committed.set(`${h.opAux[i]}:${h.opPartition[i]}`, h.opOffset[i]);
  return committed;
}

/**
 * (message, index of the group in its topic's list) of every acknowledged message a subscribed group never
 * processed, pushed as pairs in message order then group order; returns the number of pairs checked.
 */
function unprocessedPairs(h: History, ackRow: Int32Array, subscribed: Map<number, { group: number; name: string }[]>, processed: PerGroupTable, out: number[]): number {
  let checked = 0;
  const msgTopic = h.msgTopic;
  for (let msg = 0; msg < ackRow.length; msg++) {
    if (ackRow[msg] < 0) continue;
    const groups = subscribed.get(msgTopic[msg]);
    if (groups === undefined) continue;
    for (let j = 0; j < groups.length; j++) {
      checked++;
      if (processed.get(groups[j].group, msg) < 0) out.push(msg, j);
    }
  }
  return checked;
}

/** "never processed" split by cause: the broker lost the record, or it was still in the log at the end. */
function splitByCause(anomalies: Anomaly[]): string {
  let lost = 0;
  let unseen = 0;
  let skipped = 0;
  let committedPast = 0;
  for (const a of anomalies) {
    if (a.kind === "lost-write") lost++;
    else if (a.kind === "unseen") unseen++;
    else if (a.kind === "committed-unprocessed") committedPast++;
    else skipped++;
  }
  const parts = [
    lost > 0 ? `${lost} lost by the broker` : "",
    committedPast > 0 ? `${committedPast} committed past by the group without processing` : "",
    unseen > 0 ? `${unseen} not consumed before the end` : "",
    skipped > 0 ? `${skipped} skipped by a position jump` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? `: ${parts.join(", ")}` : "";
}
