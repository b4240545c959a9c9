// no-duplicates: no consumer group processes the same message twice.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, PerGroupTable, verdictOf, type Checker } from "./verdict.ts";

export const noDuplicates: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  // (group, msg) → first processing row.
  const first = new PerGroupTable(h.messageCount);
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.ProcessStart) continue;
    checked++;
    const msg = h.opMsg[i];
    const prev = first.get(h.opAux[i], msg);
    if (prev < 0) {
      first.set(h.opAux[i], msg, i);
      continue;
    }
    const group = h.actorNames[h.opAux[i]];
    anomalies.push({
      kind: "duplicate",
      explanation:
        `group ${group} processed ${h.messageName(msg)} (key ${h.keyOf(msg)}) again at ${fmtS(h.opTimeUs[i])} ` +
        `by ${h.actorNames[h.opActor[i]]} from offset ${h.opOffset[i]}; first by ${h.actorNames[h.opActor[prev]]} ` +
        `at ${fmtS(h.opTimeUs[prev])} from offset ${h.opOffset[prev]}`,
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition: h.opPartition[i],
      offsets: [h.opOffset[prev], h.opOffset[i]],
      timesUs: [h.opTimeUs[prev], h.opTimeUs[i]],
    });
  }
  return verdictOf(
    "no-duplicates",
    checked,
    anomalies,
    `no message was processed twice by a group (${checked} processings checked)`,
    (n) => `${n} duplicate processing(s)`,
  );
};
