// queue-key-order: within a queue, messages of one key (an SQS FIFO message group, a Pulsar key) are
// handled successfully in the order they were sent. Checked on every queue: SQS FIFO groups and Pulsar
// exclusive/failover/key_shared promise it, a standard queue or a shared subscription does not, and a
// dead-letter redrive can break it anywhere — the anomalies name the queue so the report shows which.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { HandlerOutcome } from "../models/queue/queue-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

export const queueKeyOrder: Checker = (h: History) => {
  // (queue, key) → the latest-sent message already handled successfully, and when.
  // Numeric keys (queue actor × 2^32 + message or key id) keep this fast on millions of rows.
  const latest = new Map<number, { msg: number; row: number }>();
  const done = new Set<number>();
  const anomalies: Anomaly[] = [];
  const queues = new Set<string>();
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.QueueProcessEnd || h.opPartition[i] !== HandlerOutcome.Success) continue;
    const m = h.opMsg[i];
    const q = h.opAux[i];
    const once = q * 2 ** 32 + m;
    if (done.has(once)) continue; // a duplicate, not a reordering: queue-duplicates reports it
    done.add(once);
    checked++;
    const k = q * 2 ** 32 + h.msgKey[m];
    const prev = latest.get(k);
    // Messages get ids in creation order, so a smaller id was sent earlier.
    if (prev === undefined || prev.msg < m) {
      latest.set(k, { msg: m, row: i });
      continue;
    }
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
