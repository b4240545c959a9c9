// no-producer-reorder: within one producer and key (for null keys: producer and partition), the records in
// the final log, read in offset order, follow send order. Without idempotence and with more than one request
// in flight, a batch that failed and was retried lands after a later batch that did not.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { readKafkaLog, reorderPermittedBy, withPermission, type KafkaLogView } from "./kafka-log.ts";

export const producerReorder: Checker = (h: History, scenario) => {
  const v = readKafkaLog(h);
  const byPartition = partitionSlots(h, v);
  const nullKey = h.keyNames.indexOf("");
  const retried = new Set<number>();
  const sendRank = sendRanks(h, retried);
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  let checked = 0;
  const found: number[] = [];
  for (const k of [...byPartition.keys()].sort((a, b) => a - b)) {
    found.length = 0;
    checked += reordersIn(h, byPartition.get(k)!, sendRank, nullKey, found);
    for (let j = 0; j < found.length; j += 3) {
      const o = found[j];
      const msg = found[j + 1];
      const prev = found[j + 2];
      const producer = h.actorNames[h.msgProducer[msg]];
      const why = reorderPermittedBy(scenario, producer);
      for (const w of why) permitted.add(w);
      if (why.length === 0) unpermitted++;
      anomalies.push({
        kind: "reorder-within-key",
        explanation:
          `${h.messageName(msg)} (key ${h.keyOf(msg) || "null"}, sent at ${fmtS(h.msgCreatedUs[msg])}) sits at offset ${o}, after ` +
          `${h.messageName(prev)} (sent later, at ${fmtS(h.msgCreatedUs[prev])}, offset ${v.survivingOffset[prev]}) of partition ${v.survivingPartition[msg]}` +
          (retried.has(msg) ? ": it was retried after a later batch had already landed. " : ". ") +
          (why.length > 0 ? `Expected under ${why.join("; ")}.` : "No setting permits this."),
        messageIds: [prev, msg],
        keys: [h.keyOf(msg)],
        partition: v.survivingPartition[msg],
        offsets: [v.survivingOffset[prev], o],
        timesUs: [h.msgCreatedUs[msg]],
      });
    }
  }
  const verdict = verdictOf(
    "no-producer-reorder",
    checked,
    anomalies,
    `every producer's records are in send order per key (${checked} checked)`,
    (k) => `${k} record(s) written after a record their producer sent later`,
  );
  return withPermission(verdict, permitted, unpermitted);
};

// The loops over every message, row and surviving record are the hot part and run once per run: each in a small
// function of its own, apart from the explanations, so a sweep thread compiles small loops once and keeps them
// from one seed to the next instead of re-optimising the whole checker every seed.

/** Each partition's surviving records by offset (first occurrence of each message), built without sorting. */
function partitionSlots(h: History, v: KafkaLogView): Map<number, Int32Array> {
  const byPartition = new Map<number, Int32Array>();
  for (let msg = 0; msg < h.messageCount; msg++) {
    const part = v.survivingPartition[msg];
    if (part < 0) continue;
    const key = h.msgTopic[msg] * 65536 + part;
    let slots = byPartition.get(key);
    if (!slots) byPartition.set(key, (slots = new Int32Array(v.finalEnd.get(`${h.msgTopic[msg]}:${part}`) ?? 0).fill(-1)));
    const o = v.survivingOffset[msg];
    if (o < slots.length) slots[o] = msg;
  }
  return byPartition;
}

/**
 * Send order: message ids grow in send order for a producer's own workload; an outbox row is sent when its
 * relay or CDC connector first reads it, which is commit (or id) order, not the order the ids were taken in.
 * Also collects the retried messages.
 */
function sendRanks(h: History, retried: Set<number>): Float64Array {
  const sendRank = new Float64Array(h.messageCount);
  for (let msg = 0; msg < h.messageCount; msg++) sendRank[msg] = msg;
  const read = new Uint8Array(h.messageCount);
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    if (opKind[i] === Op.ProduceRetry) retried.add(opMsg[i]);
    else if (opKind[i] === Op.RelayRead && read[opMsg[i]] === 0) {
      read[opMsg[i]] = 1;
      sendRank[opMsg[i]] = h.messageCount + i;
    }
  }
  return sendRank;
}

/**
 * Walks one partition's records in offset order and pushes (offset, message, the message sent later that
 * precedes it) for each record out of its producer's send order per key; returns the records checked.
 */
function reordersIn(h: History, slots: Int32Array, sendRank: Float64Array, nullKey: number, out: number[]): number {
  // Latest-sent message so far per (producer, key).
  const maxSent = new Map<number, number>();
  let checked = 0;
  for (let o = 0; o < slots.length; o++) {
    const msg = slots[o];
    if (msg < 0) continue;
    checked++;
    const key = h.msgKey[msg];
    const g = h.msgProducer[msg] * 2 ** 25 + (key === nullKey ? 2 ** 25 - 1 : key);
    const prev = maxSent.get(g) ?? -1;
    if (prev < 0 || sendRank[msg] > sendRank[prev]) {
      maxSent.set(g, msg);
      continue;
    }
    out.push(o, msg, prev);
  }
  return checked;
}
