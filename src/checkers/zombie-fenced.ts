// zombie-fenced: once a producer epoch is fenced — a newer epoch of the same producer id was issued by
// InitProducerId (a new instance of the transactional.id) or bumped into abort markers by the coordinator
// (transaction timeout) — nothing that epoch writes becomes visible to read_committed consumers: no
// transaction of that epoch commits after the fence, and no read_committed group reads a record of a
// transaction of that epoch that did not commit before the fence (semantics.md §1).
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { isolationByGroup, TxnRows } from "./txn-rows.ts";

export const zombieFenced: Checker = (h: History, scenario) => {
  const rows = new TxnRows(h);
  const isolation = isolationByGroup(h, scenario.consumerGroups);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (const txn of rows.txns.values()) {
    if (txn.outcome !== "commit") continue;
    checked++;
    const pid = rows.pidOf.get(txn.producer);
    const fence = pid === undefined ? undefined : rows.fencedAt(pid, txn.epoch);
    if (fence && fence.atUs <= txn.decidedUs) {
      anomalies.push({
        kind: "zombie-commit",
        explanation: `transaction ${txn.txn} of ${h.actorNames[txn.producer]} (producer id ${pid}, epoch ${txn.epoch}) committed at ${fmtS(txn.decidedUs)}, ` +
          `but epoch ${txn.epoch} had been fenced at ${fmtS(fence.atUs)} by ${fence.cause} (epoch ${fence.epoch})`,
        messageIds: [],
        timesUs: [txn.decidedUs, fence.atUs],
      });
    }
  }
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.Deliver || isolation.get(h.opAux[i]) !== "read_committed") continue;
    const msg = h.opMsg[i];
    const txn = rows.txnFor(msg);
    if (!txn) continue;
    checked++;
    const pid = rows.pidOf.get(txn.producer);
    const fence = pid === undefined ? undefined : rows.fencedAt(pid, txn.epoch);
    if (!fence) continue;
    if (txn.outcome === "commit" && txn.decidedUs < fence.atUs) continue;
    anomalies.push({
      kind: "zombie-write-visible",
      explanation: `group ${h.actorNames[h.opAux[i]]} (read_committed) read ${h.messageName(msg)} at ${h.actorNames[h.msgTopic[msg]]}/${h.opPartition[i]}@${h.opOffset[i]} at ${fmtS(h.opTimeUs[i])}, ` +
        `written by ${h.actorNames[txn.producer]} in transaction ${txn.txn} under epoch ${txn.epoch}, which was fenced at ${fmtS(fence.atUs)} by ${fence.cause} before that transaction committed`,
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition: h.opPartition[i],
      offsets: [h.opOffset[i]],
      timesUs: [h.opTimeUs[i], fence.atUs],
    });
  }
  return verdictOf(
    "zombie-fenced",
    checked,
    anomalies,
    `no write of a fenced producer epoch became visible (${checked} committed transactions and read_committed transactional reads)`,
    (n) => `${n} write(s) of a fenced producer epoch became visible`,
  );
};
