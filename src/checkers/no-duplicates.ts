// no-duplicates: no consumer group processes the same message twice.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, PerGroupTable, verdictOf, type Checker } from "./verdict.ts";

export const noDuplicates: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  const repeats: number[] = [];
  const checked = repeatedProcessings(h, repeats);
  for (let j = 0; j < repeats.length; j += 2) {
    const i = repeats[j];
    const prev = repeats[j + 1];
    const msg = h.opMsg[i];
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

/**
 * The scan over every row, apart from the explanations so a sweep thread compiles a small loop once: pushes
 * (row, the group's first processing row of that message) for each repeated processing; returns the
 * processings checked.
 */
function repeatedProcessings(h: History, out: number[]): number {
  // (group, msg) → first processing row.
  const first = new PerGroupTable(h.messageCount);
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const opAux = h.opAux;
  const count = h.opCount;
  let checked = 0;
  for (let i = 0; i < count; i++) {
    if (opKind[i] !== Op.ProcessStart) continue;
    checked++;
    const msg = opMsg[i];
    const prev = first.get(opAux[i], msg);
    if (prev < 0) first.set(opAux[i], msg, i);
    else out.push(i, prev);
  }
  return checked;
}
