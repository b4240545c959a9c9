// no-phantom-events: no event reaches a topic for a business transaction that rolled back (semantics.md §8).
// Dual write with publish-then-commit breaks it when the service dies between the acknowledged publish and
// the commit; an outbox cannot (the event row rolls back with the change).
import type { History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { PublishRows } from "./publish-rows.ts";

export const noPhantomEvents: Checker = (h: History, scenario) => {
  const rows = new PublishRows(h, scenario);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (const [msg, r] of rows.rollbacks) {
    checked++;
    if (!rows.published(msg) || rows.commits.has(msg)) continue;
    const a = rows.firstAppend.get(msg);
    const where = a !== undefined ? ` at ${h.actorNames[h.opActor[a]]}/${h.opPartition[a]}@${h.opOffset[a]} at ${fmtS(h.opTimeUs[a])}` : "";
    const crash = rows.crashAfter(r.service, 0);
    anomalies.push({
      kind: "phantom-event",
      explanation:
        `${h.messageName(msg)} (aggregate ${h.keyOf(msg)}) was published${where}, but transaction ${r.txn} of ${h.actorNames[r.service]} that made it rolled back at ${fmtS(r.atUs)}` +
        (crash !== undefined && crash <= r.atUs ? " (the service crashed before its COMMIT): consumers act on a change that never happened" : ""),
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      timesUs: [a !== undefined ? h.opTimeUs[a] : r.atUs, r.atUs],
    });
  }
  checked += rows.commits.size;
  return verdictOf("no-phantom-events", checked, anomalies, `no event was published for a rolled-back transaction (${checked} transactions)`, (n) => `${n} event(s) published for transactions that rolled back`);
};
