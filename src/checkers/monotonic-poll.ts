// monotonic-poll: without its position being reset, a member never gets an offset of a partition at or
// below one it already got (Jepsen's "nonmonotonic poll"). Rewinds are legal only through a position row:
// a new assignment starting from the committed offset, or auto.offset.reset.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { isPositionRow, PartMap, topicOfRow, tpName } from "./groups/rows.ts";

export const monotonicPoll: Checker = (h: History) => {
  const anomalies: Anomaly[] = [];
  const rewinds: number[] = [];
  const checked = backwardPolls(h, rewinds);
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

/**
 * The scan over every row, apart from the explanations so a sweep thread compiles a small loop once: pushes
 * (row, previous offset, its time) for each delivery at or below the member's previous one with no position row
 * in between; returns the deliveries checked.
 */
function backwardPolls(h: History, out: number[]): number {
  /** The member's last delivery row per (group, member, topic, partition) since its position was last set. */
  const last = new PartMap();
  const opKind = h.opKind;
  const count = h.opCount;
  let checked = 0;
  for (let i = 0; i < count; i++) {
    const kind = opKind[i];
    if (kind !== Op.Deliver && !isPositionRow(kind)) continue;
    const group = h.opAux[i];
    const topic = topicOfRow(h, i);
    const partition = h.opPartition[i];
    const member = h.opActor[i];
    if (kind !== Op.Deliver) {
      last.delete(group, topic, partition, member);
      continue;
    }
    checked++;
    const offset = h.opOffset[i];
    const prev = last.get(group, topic, partition, member);
    last.set(group, topic, partition, member, i);
    if (prev !== undefined && offset <= h.opOffset[prev]) out.push(i, h.opOffset[prev], h.opTimeUs[prev]);
  }
  return checked;
}
