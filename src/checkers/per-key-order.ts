// per-key-order: within a key, each consumer group processes messages in the order the producer sent them.
// A redelivery of a message the group already processed is a duplicate, not a reorder, so only first
// processings are compared; that keeps the two anomalies apart.
// Config-aware: when partitions were added at run time, a key moves partition once its producer's metadata
// refresh sees the new count; a group may then process the key's newer records (new partition) before older
// ones (old partition). That reorder is expected under partition growth and is named with its times.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, PerGroupTable, verdictOf, type Checker } from "./verdict.ts";
import { withPermission } from "./kafka-log.ts";
import { keyMoveBetween } from "./key-moves.ts";
import { retryTopicReorders } from "./app/retry-topic-order.ts";

type Processed = { seq: number; msg: number; timeUs: number; partition: number };

export const perKeyOrder: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  const late: { i: number; prev: Processed }[] = [];
  const checked = lateFirstProcessings(h, late);
  for (const { i, prev } of late) {
    const msg = h.opMsg[i];
    const group = h.opAux[i];
    const seq = h.msgKeySeq[msg];
    const groupName = h.actorNames[group];
    const move = prev.partition !== h.opPartition[i] ? keyMoveBetween(h, msg, prev.msg, h.opPartition[i], prev.partition) : undefined;
    if (move) permitted.add(move.permittedBy);
    else unpermitted++;
    anomalies.push({
      kind: "reorder-within-key",
      explanation:
        `group ${groupName} processed ${h.messageName(msg)} (send #${seq} of key ${h.keyOf(msg)}) at ${fmtS(h.opTimeUs[i])}, ` +
        `after ${h.messageName(prev.msg)} (send #${prev.seq}) at ${fmtS(prev.timeUs)}` +
        (move ? `: ${move.story}; expected under ${move.permittedBy}` : ""),
      messageIds: [prev.msg, msg],
      keys: [h.keyOf(msg)],
      partition: h.opPartition[i],
      offsets: [h.opOffset[i]],
      timesUs: [prev.timeUs, h.opTimeUs[i]],
    });
  }
  // Records that went through non-blocking retry topics were overtaken by later records of their key.
  const viaRetryTopics = retryTopicReorders(h);
  anomalies.push(...viaRetryTopics);
  unpermitted += viaRetryTopics.length;
  const verdict = verdictOf(
    "per-key-order",
    checked,
    anomalies,
    `every key was processed in send order (${checked} first processings checked)`,
    (n) => `${n} message(s) processed out of send order within their key`,
  );
  // Only runs that grew a topic get the config-aware reading; others keep their plain verdict.
  return permitted.size > 0 ? withPermission(verdict, permitted, unpermitted) : verdict;
};

/**
 * The scan over every row, apart from the explanations so a sweep thread compiles a small loop once: pushes each
 * first processing of a message (by its group) whose send sequence is below one the group already processed
 * for the same producer and key, with that one; returns the first processings checked.
 */
function lateFirstProcessings(h: History, out: { i: number; prev: Processed }[]): number {
  // Per (group, producer), indexed by key id: the row + 1 of the first processing with the highest send
  // sequence so far (0: none). Key ids are dense, so a column replaces a map entry and an object per record.
  const last = new Map<number, Map<number, Int32Array>>();
  const seen = new PerGroupTable(h.messageCount);
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const opAux = h.opAux;
  const count = h.opCount;
  const keyCount = h.keyNames.length;
  let checked = 0;
  for (let i = 0; i < count; i++) {
    if (opKind[i] !== Op.ProcessStart) continue;
    const msg = opMsg[i];
    const group = opAux[i];
    if (seen.get(group, msg) >= 0) continue;
    seen.set(group, msg, i);
    checked++;
    let byProducer = last.get(group);
    if (byProducer === undefined) last.set(group, (byProducer = new Map()));
    const producer = h.msgProducer[msg];
    let byKey = byProducer.get(producer);
    if (byKey === undefined) byProducer.set(producer, (byKey = new Int32Array(keyCount)));
    const key = h.msgKey[msg];
    const seq = h.msgKeySeq[msg];
    const prevRow = byKey[key] - 1;
    if (prevRow >= 0 && seq < h.msgKeySeq[opMsg[prevRow]]) out.push({ i, prev: processedAt(h, prevRow) });
    else byKey[key] = i + 1;
  }
  return checked;
}

function processedAt(h: History, row: number): Processed {
  const msg = h.opMsg[row];
  return { seq: h.msgKeySeq[msg], msg, timeUs: h.opTimeUs[row], partition: h.opPartition[row] };
}
