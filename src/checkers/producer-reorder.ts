// no-producer-reorder: within one producer and key (for null keys: producer and partition), the records in
// the final log, read in offset order, follow send order. Without idempotence and with more than one request
// in flight, a batch that failed and was retried lands after a later batch that did not.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { readKafkaLog, reorderPermittedBy, withPermission } from "./kafka-log.ts";

export const producerReorder: Checker = (h: History, scenario) => {
  const v = readKafkaLog(h);
  // Each partition's surviving records by offset (first occurrence of each message), built without sorting.
  const byPartition = new Map<number, Int32Array>();
  const pkey = (msg: number): number => h.msgTopic[msg] * 65536 + v.survivingPartition[msg];
  for (let msg = 0; msg < h.messageCount; msg++) {
    const part = v.survivingPartition[msg];
    if (part < 0) continue;
    const end = v.finalEnd.get(`${h.msgTopic[msg]}:${part}`) ?? 0;
    let slots = byPartition.get(pkey(msg));
    if (!slots) byPartition.set(pkey(msg), (slots = new Int32Array(end).fill(-1)));
    const o = v.survivingOffset[msg];
    if (o < slots.length) slots[o] = msg;
  }
  const nullKey = h.keyNames.indexOf("");
  const retried = new Set<number>();
  // Send order: message ids grow in send order for a producer's own workload; an outbox row is sent when its
  // relay or CDC connector first reads it, which is commit (or id) order, not the order the ids were taken in.
  const sendRank = new Float64Array(h.messageCount);
  for (let msg = 0; msg < h.messageCount; msg++) sendRank[msg] = msg;
  const read = new Uint8Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === Op.ProduceRetry) retried.add(h.opMsg[i]);
    else if (h.opKind[i] === Op.RelayRead && read[h.opMsg[i]] === 0) {
      read[h.opMsg[i]] = 1;
      sendRank[h.opMsg[i]] = h.messageCount + i;
    }
  }
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  let checked = 0;
  for (const k of [...byPartition.keys()].sort((a, b) => a - b)) {
    const slots = byPartition.get(k)!;
    // Latest-sent message so far per (producer, key); message ids grow in send order.
    const maxSent = new Map<number, number>();
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
