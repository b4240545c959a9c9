// no-lost-write: every acknowledged message is still in the final log of its partition (Jepsen's "lost
// write"). Lost means: no Append of the message survives — the leader that wrote it lost its leadership
// before followers copied it (acks=1), an unclean election picked a replica without it, or the only copy died.
// Config-aware: names the setting that permits the loss, or calls it a contract violation.
import type { History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { logLossCause } from "./causes.ts";
import { eventChain, hasFinalLog, lossPermittedBy, readKafkaLog, withPermission, type KafkaLogView } from "./kafka-log.ts";

export const lostWrite: Checker = (h: History, scenario) => lostWriteFrom(h, scenario, readKafkaLog(h));

export function lostWriteFrom(h: History, scenario: Parameters<Checker>[1], v: KafkaLogView): ReturnType<Checker> {
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  let checked = 0;
  for (let msg = 0; msg < h.messageCount; msg++) {
    const a = v.ackRow[msg];
    if (a < 0) continue;
    const partition = h.opPartition[a];
    if (!hasFinalLog(v, h, msg, partition)) continue;
    checked++;
    if (v.survivingCount[msg] > 0) continue;
    const producer = h.actorNames[h.msgProducer[msg]];
    const topic = h.actorNames[h.msgTopic[msg]];
    const why = lossPermittedBy(scenario, producer, topic);
    for (const w of why) permitted.add(w);
    if (why.length === 0) unpermitted++;
    const ap = v.appendRow[msg];
    const where = ap >= 0 ? `${topic}/${partition}@${h.opOffset[ap]} (leader epoch ${h.opAux[ap]}) at ${fmtS(h.opTimeUs[ap])}` : `${topic}/${partition}`;
    anomalies.push({
      kind: "lost-write",
      explanation:
        `${h.messageName(msg)} (key ${h.keyOf(msg)}) was appended at ${where} and acknowledged to ${producer} at ${fmtS(h.opTimeUs[a])}, ` +
        `but the final log no longer holds it. Then: ${eventChain(h, v, h.msgTopic[msg], partition, h.opTimeUs[ap >= 0 ? ap : a])}. ` +
        (why.length > 0 ? `Expected under ${why.join("; ")}.` : "No setting permits this: a violation of the durability contract."),
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition,
      offsets: [h.opOffset[a]],
      timesUs: [h.opTimeUs[a]],
      cause: logLossCause(h, v, h.msgTopic[msg], partition, h.opTimeUs[ap >= 0 ? ap : a]),
    });
  }
  const verdict = verdictOf(
    "no-lost-write",
    checked,
    anomalies,
    `every acknowledged message is in the final log (${checked} checked)`,
    (k) => `${k} acknowledged message(s) missing from the final log`,
  );
  return withPermission(verdict, permitted, unpermitted);
}
