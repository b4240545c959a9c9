// no-aborted-reads: no consumer is handed a record of a transaction that did not commit, nor a control
// marker (semantics.md §1). A read_committed group must never be (it reads below the last stable offset and
// skips aborted ranges); a read_uncommitted group reads whatever is below the high watermark, so it does see
// aborted and still-open transactions — the teaching violation. Also flags a read_committed group that got
// a transactional record before its transaction committed (it read past the LSO).
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { isolationByGroup, TXN_ABORT_REASONS, TxnRows } from "./txn-rows.ts";

export const noAbortedReads: Checker = (h: History, scenario) => {
  const rows = new TxnRows(h);
  const isolation = isolationByGroup(h, scenario.consumerGroups);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.Deliver) continue;
    const msg = h.opMsg[i];
    const group = h.opAux[i];
    const level = isolation.get(group) ?? "read_uncommitted";
    const where = `${h.actorNames[h.msgTopic[msg]] ?? "?"}/${h.opPartition[i]}@${h.opOffset[i]}`;
    const who = `group ${h.actorNames[group] ?? group} (isolation.level=${level}, member ${h.actorNames[h.opActor[i]]})`;
    const t = h.opTimeUs[i];
    const base = { messageIds: [msg], partition: h.opPartition[i], offsets: [h.opOffset[i]] };
    if (rows.markers.has(msg)) {
      checked++;
      anomalies.push({ ...base, kind: "control-marker-read", explanation: `${who} was handed the control marker at ${where} at ${fmtS(t)}; markers are never given to applications`, timesUs: [t] });
      continue;
    }
    const txn = rows.txnFor(msg);
    if (!txn) continue;
    checked++;
    const what = `${h.messageName(msg)} (key ${h.keyOf(msg)}) at ${where}, written in transaction ${txn.txn} of ${h.actorNames[txn.producer]} (epoch ${txn.epoch})`;
    if (txn.outcome === "abort") {
      anomalies.push({
        ...base,
        kind: "aborted-read",
        keys: [h.keyOf(msg)],
        explanation: `${who} read ${what} at ${fmtS(t)}; that transaction was aborted at ${fmtS(txn.decidedUs)} because ${TXN_ABORT_REASONS[txn.reason] ?? "?"}` +
          (level === "read_uncommitted" ? " — read_uncommitted returns aborted records; read_committed would have skipped it" : ""),
        timesUs: [t, txn.decidedUs],
      });
    } else if (txn.outcome === "open") {
      anomalies.push({
        ...base,
        kind: "uncommitted-read",
        keys: [h.keyOf(msg)],
        explanation: `${who} read ${what} at ${fmtS(t)}; that transaction never committed by the end of the run`,
        timesUs: [t],
      });
    } else if (level === "read_committed" && t < txn.decidedUs) {
      anomalies.push({
        ...base,
        kind: "read-before-commit",
        keys: [h.keyOf(msg)],
        explanation: `${who} read ${what} at ${fmtS(t)}, before the transaction committed at ${fmtS(txn.decidedUs)}: it read past the last stable offset`,
        timesUs: [t, txn.decidedUs],
      });
    }
  }
  return verdictOf(
    "no-aborted-reads",
    checked,
    anomalies,
    `no consumer read an aborted or uncommitted transactional record or a control marker (${checked} transactional deliveries)`,
    (n) => `${n} read(s) of aborted or uncommitted transactional records`,
  );
};
