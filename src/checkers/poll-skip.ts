// no-poll-skip: a consumer's successive polls of a partition return consecutive offsets. Once a member's
// position is set (assignment, committed offset, auto.offset.reset), the next record it gets from that
// partition must be at that position, and each later one at the previous + 1. Anything bigger skipped
// records the member never saw (Jepsen's "poll skip"); a reset by auto.offset.reset is announced, not a skip.
import type { History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { topicOfRow, tpName } from "./groups/rows.ts";
import { readPolls } from "./groups/polls.ts";
import { TransactionGaps } from "./txn-rows.ts";

export const noPollSkip: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  // Control markers and aborted records are never returned: the offset gaps they leave are not skips.
  const gaps = new TransactionGaps(h);
  const { checked, jumps } = readPolls(h);
  for (let j = 0; j < jumps.length; j += 2) {
    const i = jumps[j];
    const want = jumps[j + 1];
    const offset = h.opOffset[i];
    if (gaps.covers(topicOfRow(h, i), h.opPartition[i], want, offset)) continue;
    const msg = h.opMsg[i];
    anomalies.push({
      kind: "poll-skip",
      explanation:
        `${h.actorNames[h.opActor[i]]} (group ${h.actorNames[h.opAux[i]]}) was at ${tpName(h, topicOfRow(h, i), h.opPartition[i])} offset ${want} ` +
        `but its next poll returned offset ${offset} at ${fmtS(h.opTimeUs[i])}: offsets ${want}..${offset - 1} were skipped`,
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition: h.opPartition[i],
      offsets: [want, offset],
      timesUs: [h.opTimeUs[i]],
    });
  }
  return verdictOf("no-poll-skip", checked, anomalies, `no poll skipped an offset (${checked} deliveries checked)`, (n) => `${n} poll(s) skipped offsets`);
};
