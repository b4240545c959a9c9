// monotonic-poll: without its position being reset, a member never gets an offset of a partition at or
// below one it already got (Jepsen's "nonmonotonic poll"). Rewinds are legal only through a position row:
// a new assignment starting from the committed offset, or auto.offset.reset.
import type { History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { topicOfRow, tpName } from "./groups/rows.ts";
import { readPolls } from "./groups/polls.ts";

export const monotonicPoll: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  const { checked, rewinds } = readPolls(h);
  for (let j = 0; j < rewinds.length; j += 3) {
    const i = rewinds[j];
    const prev = { offset: rewinds[j + 1], timeUs: rewinds[j + 2] };
    const offset = h.opOffset[i];
    const msg = h.opMsg[i];
    anomalies.push({
      kind: "nonmonotonic-poll",
      explanation:
        `${h.actorNames[h.opActor[i]]} (group ${h.actorNames[h.opAux[i]]}) got ${tpName(h, topicOfRow(h, i), h.opPartition[i])} offset ${offset} ` +
        `at ${fmtS(h.opTimeUs[i])} after offset ${prev.offset} at ${fmtS(prev.timeUs)}, with no rebalance or reset in between`,
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition: h.opPartition[i],
      offsets: [prev.offset, offset],
      timesUs: [prev.timeUs, h.opTimeUs[i]],
    });
  }
  return verdictOf("monotonic-poll", checked, anomalies, `every member's polls moved forward (${checked} deliveries checked)`, (n) => `${n} poll(s) went backwards`);
};
