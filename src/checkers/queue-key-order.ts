// queue-key-order: within a queue, messages of one key (an SQS FIFO message group, a Pulsar key) are
// handled successfully in the order they were sent. Checked on every queue: SQS FIFO groups and Pulsar
// exclusive/failover/key_shared promise it, a standard queue or a shared subscription does not, and a
// dead-letter redrive can break it anywhere — the anomalies name the queue so the report shows which.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { HandlerOutcome } from "../models/queue/queue-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

export const queueKeyOrder: Checker = (h: History) => {
  // Per queue seen, dense columns: the latest-sent message already handled per key (message + 1, 0 = none) and
  // its row, and which messages were handled already. A Map and a Set keyed by numbers cost a hash per row
  // and an object per key on million-message runs.
  const perQueue: ({ latestMsg: Int32Array; latestRow: Int32Array; done: Uint8Array } | undefined)[] = [];
  const anomalies: Anomaly[] = [];
  const queues = new Set<string>();
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.QueueProcessEnd || h.opPartition[i] !== HandlerOutcome.Success) continue;
    const m = h.opMsg[i];
    const q = h.opAux[i];
    const cols = (perQueue[q] ??= {
      latestMsg: new Int32Array(h.keyNames.length + 1),
      latestRow: new Int32Array(h.keyNames.length + 1),
      done: new Uint8Array(h.messageCount),
    });
    if (cols.done[m] === 1) continue; // a duplicate, not a reordering: queue-duplicates reports it
    cols.done[m] = 1;
    checked++;
    const k = h.msgKey[m] + 1; // slot 0: a message recorded without a key (-1)
    const prevMsg = cols.latestMsg[k] - 1;
    // Messages get ids in creation order, so a smaller id was sent earlier.
    if (prevMsg < m) {
      cols.latestMsg[k] = m + 1;
      cols.latestRow[k] = i;
      continue;
    }
    const prev = { msg: prevMsg, row: cols.latestRow[k] };
    queues.add(h.actorNames[q]);
    anomalies.push({
      kind: "reorder-within-key",
      explanation:
        `on ${h.actorNames[q]}, ${h.messageName(m)} (key ${h.keyOf(m)}, sent at ${fmtS(h.msgCreatedUs[m])}) was handled at ` +
        `${fmtS(h.opTimeUs[i])} by ${h.actorNames[h.opActor[i]]}, after the later ${h.messageName(prev.msg)} ` +
        `(sent at ${fmtS(h.msgCreatedUs[prev.msg])}) was handled at ${fmtS(h.opTimeUs[prev.row])} by ${h.actorNames[h.opActor[prev.row]]}`,
      messageIds: [prev.msg, m],
      keys: [h.keyOf(m)],
      timesUs: [h.opTimeUs[prev.row], h.opTimeUs[i]],
    });
  }
  return verdictOf(
    "queue-key-order",
    checked,
    anomalies,
    checked === 0 ? "no queue message was handled" : `every key was handled in send order on every queue (${checked} handlings)`,
    (n) => `${n} message(s) handled after a later message of the same key, on ${[...queues].sort().join(", ")}`,
  );
};
