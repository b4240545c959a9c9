// every-commit-published: each committed business transaction's event reaches its topic by the end of the run
// (semantics.md §8). A missing one is named with its transaction, row id and commit position, and with what
// lost it: a service crash between the commit and the publish (dual write), a polling relay's id cursor that
// had already moved past the row when it committed, or a relay/connector that never got to it.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { PublishRows } from "./publish-rows.ts";
import { TXN_ABORT_REASONS, TxnRows } from "./txn-rows.ts";

export const everyCommitPublished: Checker = (h: History, scenario) => {
  const rows = new PublishRows(h, scenario);
  const txns = rows.transactional.size > 0 ? new TxnRows(h) : undefined;
  const anomalies: Anomaly[] = [];
  const failedSends = new Set<number>();
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.ProduceFail || h.opKind[i] === Op.ProduceUnknown) failedSends.add(h.opMsg[i]);
  let checked = 0;
  for (const [msg, c] of rows.commits) {
    checked++;
    if (rows.published(msg)) continue;
    const svc = rows.services.get(c.service);
    const service = h.actorNames[c.service];
    const what = `transaction ${c.txn} of ${service} (aggregate ${h.keyOf(msg)}, row id ${c.id}, LSN ${c.lsn}) committed at ${fmtS(c.atUs)} but its event ${h.messageName(msg)} never reached the topic`;
    let why: string;
    const crash = rows.crashAfter(c.service, c.atUs);
    const strategy = svc?.publish.strategy;
    if (strategy === "outbox-polling" && svc?.publish.cursor === "id") {
      const relay = h.actorId(`${service}-relay`);
      const passed = rows.reads.find((r) => r.relay === relay && r.cursor > c.id && r.atUs <= c.atUs);
      why = passed
        ? `: the relay had read ${h.messageName(passed.msg)} at ${fmtS(passed.atUs)} and moved its id cursor to ${passed.cursor}, past id ${c.id}, before this row committed (its id was taken at insert, before the higher one, but it committed after); WHERE id > ${passed.cursor} never returns it`
        : crash !== undefined
          ? `: the service (and its relay) crashed at ${fmtS(crash)}`
          : ": the relay never published it";
    } else if (txns?.txnFor(msg)) {
      const t = txns.txnFor(msg)!;
      why = t.outcome === "abort"
        ? `: it was written in Kafka transaction ${t.txn}, aborted at ${fmtS(t.decidedUs)} because ${TXN_ABORT_REASONS[t.reason] ?? "?"}; the database had committed on its own (a Kafka transaction does not include the database)`
        : `: Kafka transaction ${t.txn} holding it never committed`;
    } else if (strategy === "dual-write") {
      why = crash !== undefined
        ? `: the service crashed at ${fmtS(crash)}, ${((crash - c.atUs) / 1000).toFixed(1)}ms after the commit, while the event was still in its producer (dual write: nothing publishes it again)`
        : failedSends.has(msg)
          ? ": the send failed after the commit and nothing retries it (dual write)"
          : ": it was never sent";
    } else {
      why = failedSends.has(msg) ? ": its sends failed" : crash !== undefined ? `: the service crashed at ${fmtS(crash)}` : ": the relay or connector never got to it by the end of the run";
    }
    anomalies.push({
      kind: "unpublished-commit",
      explanation: what + why,
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      timesUs: crash !== undefined ? [c.atUs, crash] : [c.atUs],
    });
  }
  return verdictOf(
    "every-commit-published",
    checked,
    anomalies,
    `every committed transaction's event reached its topic (${checked} commits)`,
    (n) => `${n} committed transaction(s) whose event never reached the topic`,
  );
};
