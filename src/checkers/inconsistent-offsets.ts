// no-inconsistent-offsets: one (topic, partition, offset) names one message. Producers learn offsets from
// acks and consumers from fetches; after a leader lost records (acks=1, unclean election) the new leader
// hands the same offsets to different records, so two observers disagree about what is at an offset.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { lossPermittedBy, withPermission } from "./kafka-log.ts";

export const inconsistentOffsets: Checker = (h: History, scenario) => {
  const reported = new Set<string>();
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  const clashes: number[] = [];
  const checked = offsetClashes(h, clashes);
  for (let j = 0; j < clashes.length; j += 2) {
    const i = clashes[j];
    const prev = clashes[j + 1];
    const msg = h.opMsg[i];
    const key = `${h.msgTopic[msg] * 65536 + h.opPartition[i]}:${h.opOffset[i]}`;
    const other = h.opMsg[prev];
    if (reported.has(key)) continue;
    reported.add(key);
    const topic = h.actorNames[h.msgTopic[msg]];
    const why = [...lossPermittedBy(scenario, h.actorNames[h.msgProducer[msg]], topic), ...lossPermittedBy(scenario, h.actorNames[h.msgProducer[other]], topic)];
    for (const w of why) permitted.add(w);
    if (why.length === 0) unpermitted++;
    const what = (r: number): string => `${h.opKind[r] === Op.Ack ? "acknowledged to" : "delivered to"} ${h.actorNames[h.opActor[r]]} at ${fmtS(h.opTimeUs[r])}`;
    anomalies.push({
      kind: "inconsistent-offsets",
      explanation:
        `${topic}/${h.opPartition[i]}@${h.opOffset[i]} held ${h.messageName(other)} (${what(prev)}) and later ${h.messageName(msg)} (${what(i)}): ` +
        `the first was lost and its offset reused. ` +
        (why.length > 0 ? `Expected under ${[...new Set(why)].join("; ")}.` : "No setting permits this."),
      messageIds: [other, msg],
      partition: h.opPartition[i],
      offsets: [h.opOffset[i]],
      timesUs: [h.opTimeUs[prev], h.opTimeUs[i]],
    });
  }
  const verdict = verdictOf(
    "no-inconsistent-offsets",
    checked,
    anomalies,
    `every observed offset names one message (${checked} observations)`,
    (k) => `${k} offset(s) observed holding two different messages`,
  );
  return withPermission(verdict, permitted, unpermitted);
};

/**
 * The scan over every row, apart from the explanations so a sweep thread compiles a small loop once: pushes
 * (row, the first row that observed the same partition and offset) for each ack or delivery whose message
 * differs from the first observed there; returns the observations checked.
 */
function offsetClashes(h: History, out: number[]): number {
  // Per (topic, partition): offset → first observation row (ack or delivery) + 1, 0 = none; grown as needed.
  const seen = new Map<number, Int32Array>();
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const opOffset = h.opOffset;
  const opPartition = h.opPartition;
  const msgTopic = h.msgTopic;
  const count = h.opCount;
  let checked = 0;
  for (let i = 0; i < count; i++) {
    const k = opKind[i];
    if ((k !== Op.Ack && k !== Op.Deliver) || opOffset[i] < 0) continue;
    const msg = opMsg[i];
    const pk = msgTopic[msg] * 65536 + opPartition[i];
    const o = opOffset[i];
    checked++;
    let rows = seen.get(pk);
    if (!rows || o >= rows.length) {
      const bigger = new Int32Array(Math.max(1024, 2 * (o + 1)));
      if (rows) bigger.set(rows);
      seen.set(pk, (rows = bigger));
    }
    const prev = rows[o] - 1;
    if (prev < 0) rows[o] = i + 1;
    else if (opMsg[prev] !== msg) out.push(i, prev);
  }
  return checked;
}
