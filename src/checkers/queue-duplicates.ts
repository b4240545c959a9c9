// queue-duplicates: a message (or a producer's re-send of it) handled successfully more than once. Queues are
// at-least-once, so this is expected in some scenarios — the point is that each duplicate is explained from
// the history: the visibility timeout ran out while the first consumer was still working, a crash returned
// an unacknowledged delivery, a DeleteMessage carried a stale receipt handle, SQS standard brought a deleted
// copy back, or the producer re-sent and the queue does not deduplicate (an SQS FIFO queue deduplicates only within
// its 5-minute interval: the explanation names the interval and the gap). A duplicate none of these explains
// is reported as "unexplained-duplicate" (a model bug, or a history this checker does not understand).
import { Op, QUEUE_OP_LAST, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { HandlerOutcome, RETURN_REASON_NAMES, ReturnReason } from "../models/queue/queue-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import type { Scenario } from "../scenario/schema.ts";
import { FIFO_DEDUP_WINDOW_US } from "../models/queue/sqs-fifo-queue.ts";
import { formatDurationUs } from "../scenario/units.ts";

/** Follows re-send links (QueueSend.offset) back to the first send of a logical message. */
function rootsOf(h: History): Int32Array {
  const root = new Int32Array(h.messageCount);
  for (let m = 0; m < h.messageCount; m++) root[m] = m;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.QueueSend || h.opOffset[i] < 0) continue;
    root[h.opMsg[i]] = root[h.opOffset[i]];
  }
  return root;
}

/**
 * Why a producer's re-send was kept: most queues do not deduplicate at all; an SQS FIFO queue does, but only
 * within its 5-minute deduplication interval, so a re-send after it is a new message.
 */
function whyResendKept(h: History, rows: number[], firstMsg: number, secondMsg: number, queue: string, scenario: Scenario | undefined): string {
  const sentAt = (m: number): number => {
    for (const r of rows) if (h.opKind[r] === Op.QueueSend && h.opMsg[r] === m) return h.opTimeUs[r];
    return -1;
  };
  const kind = scenario?.queues?.find((q) => q.name === queue)?.kind;
  const base = `the producer re-sent it as ${h.messageName(secondMsg)}`;
  if (kind !== "sqs-fifo") return `${base} and ${queue}${kind ? ` (${kind})` : ""} does not deduplicate re-sends`;
  const first = sentAt(firstMsg);
  const again = sentAt(secondMsg);
  const window = formatDurationUs(FIFO_DEDUP_WINDOW_US);
  if (first < 0 || again < 0) return `${base}; ${queue} deduplicates only within its ${window} deduplication interval`;
  const gapUs = again - first;
  return gapUs >= FIFO_DEDUP_WINDOW_US
    ? `${base} at ${fmtS(again)}, ${formatDurationUs(gapUs)} after the first send at ${fmtS(first)}: past ${queue}'s ${window} deduplication interval, so the FIFO queue took it as a new message`
    : `${base} at ${fmtS(again)}, ${formatDurationUs(gapUs)} after the first send at ${fmtS(first)}, within ${queue}'s ${window} deduplication interval, yet it was kept (a different deduplication id)`;
}

function explain(h: History, rows: number[], firstEnd: number, second: number, scenario?: Scenario): { kind: string; why: string; cause?: string } {
  const firstMsg = h.opMsg[firstEnd];
  const secondMsg = h.opMsg[second];
  if (firstMsg !== secondMsg) {
    const queue = h.actorNames[h.opAux[second]];
    return { kind: "duplicate", why: whyResendKept(h, rows, firstMsg, secondMsg, queue, scenario), cause: `${queue}: producer re-sends kept as new messages` };
  }
  // The deliveries behind the two handlings (receipt handles match), earliest first: the second copy exists
  // because something returned the message between them.
  const deliveryOf = (end: number): number => {
    for (const r of rows) if (r < end && h.opKind[r] === Op.QueueDeliver && h.opOffset[r] === h.opOffset[end]) return r;
    return -1;
  };
  const [earlyEnd, lateEnd] = deliveryOf(firstEnd) <= deliveryOf(second) ? [firstEnd, second] : [second, firstEnd];
  const firstStart = deliveryOf(earlyEnd);
  const deliverRow = deliveryOf(lateEnd);
  firstEnd = earlyEnd;
  const between = rows.filter((r) => r > firstStart && r < deliverRow);
  const firstBy = h.actorNames[h.opActor[firstEnd]];
  // Most telling first: a timeout that ran out while the first handler was still working.
  for (const r of between) {
    if (h.opKind[r] !== Op.QueueReturn || h.opTimeUs[r] >= h.opTimeUs[firstEnd]) continue;
    const reason = h.opPartition[r];
    if (reason === ReturnReason.VisibilityTimeout || reason === ReturnReason.AckTimeout) {
      const what = reason === ReturnReason.VisibilityTimeout ? "the visibility timeout" : "the ack timeout";
      // A pooled consumer holds received messages until a worker is free: a timeout can run out before the
      // handler even started, which is a different lesson (too many messages in hand) from a slow handler.
      const started = rows.find((x) => x > firstStart && x < firstEnd && h.opKind[x] === Op.QueueProcessStart && h.opOffset[x] === h.opOffset[firstEnd]);
      if (started !== undefined && h.opTimeUs[started] > h.opTimeUs[r]) {
        return {
          kind: "duplicate",
          why: `${what} expired at ${fmtS(h.opTimeUs[r])} while the message still waited in ${firstBy}'s hand for a free worker (processing started at ${fmtS(h.opTimeUs[started])}, finished at ${fmtS(h.opTimeUs[firstEnd])})`,
          cause: `${h.actorNames[h.opActor[r]] ?? "the queue"}: ${what} expired while messages waited in a consumer's hand`,
        };
      }
      return {
        kind: "duplicate",
        why: `${what} expired at ${fmtS(h.opTimeUs[r])} while ${firstBy} was still processing it (it finished at ${fmtS(h.opTimeUs[firstEnd])})`,
        cause: `${h.actorNames[h.opActor[r]] ?? "the queue"}: ${what} expired while handlers were still processing`,
      };
    }
    if (reason === ReturnReason.ChannelError) {
      // The ack of a delivery from a closed channel is dropped by the client (or refused by the broker).
      return {
        kind: "duplicate",
        why: `a channel error closed ${firstBy}'s channel at ${fmtS(h.opTimeUs[r])} while it was still processing it, so its ack (at ${fmtS(h.opTimeUs[firstEnd])}) had no channel`,
      };
    }
  }
  for (const r of between) {
    if (h.opKind[r] === Op.QueueAckStale) {
      return { kind: "duplicate", why: `${h.actorNames[h.opActor[r]]} deleted it with a stale receipt handle at ${fmtS(h.opTimeUs[r])}, which deletes nothing` };
    }
    if (h.opKind[r] === Op.QueueReturn && h.opPartition[r] === ReturnReason.StandardDuplicate) {
      return { kind: "duplicate", why: `SQS standard brought a deleted copy back at ${fmtS(h.opTimeUs[r])} (at-least-once delivery)` };
    }
  }
  for (let j = between.length - 1; j >= 0; j--) {
    const r = between[j];
    if (h.opKind[r] !== Op.QueueReturn) continue;
    const reason = RETURN_REASON_NAMES[h.opPartition[r]] ?? "returned";
    return { kind: "duplicate", why: `it came back at ${fmtS(h.opTimeUs[r])} (${reason}) after ${firstBy} had handled it but before its ack took effect` };
  }
  return { kind: "unexplained-duplicate", why: "no return, timeout, crash, stale handle or re-send explains the second delivery" };
}

export const queueDuplicates: Checker = (h: History, scenario?: Scenario) => {
  const root = rootsOf(h);
  // First successful handling per logical message in a typed array; lists only for the duplicated ones.
  const firstSuccess = new Int32Array(h.messageCount).fill(-1);
  const successes = new Map<number, number[]>();
  let checked = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.QueueProcessEnd || h.opPartition[i] !== HandlerOutcome.Success) continue;
    checked++;
    const r = root[h.opMsg[i]];
    if (firstSuccess[r] < 0) {
      firstSuccess[r] = i;
      continue;
    }
    const list = successes.get(r);
    if (list) list.push(i);
    else successes.set(r, [firstSuccess[r], i]);
  }
  const dup = new Map<number, number[]>();
  for (const r of successes.keys()) dup.set(r, []);
  if (dup.size > 0) {
    for (let i = 0; i < h.opCount; i++) {
      const m = h.opMsg[i];
      if (m < 0 || h.opKind[i] < Op.QueueSend || h.opKind[i] > QUEUE_OP_LAST) continue;
      dup.get(root[m])?.push(i);
    }
  }
  const anomalies: Anomaly[] = [];
  for (const [r, rows] of dup) {
    const list = successes.get(r)!;
    for (let j = 1; j < list.length; j++) {
      const first = list[0];
      const again = list[j];
      const { kind, why, cause } = explain(h, rows, first, again, scenario);
      const m = h.opMsg[again];
      anomalies.push({
        kind,
        explanation:
          `${h.messageName(r)} (key ${h.keyOf(r)}) was handled again at ${fmtS(h.opTimeUs[again])} by ${h.actorNames[h.opActor[again]]}` +
          ` (first by ${h.actorNames[h.opActor[first]]} at ${fmtS(h.opTimeUs[first])}): ${why}`,
        messageIds: m === r ? [r] : [r, m],
        keys: [h.keyOf(r)],
        timesUs: [h.opTimeUs[first], h.opTimeUs[again]],
        ...(cause ? { cause } : {}),
      });
    }
  }
  const unexplained = anomalies.filter((a) => a.kind === "unexplained-duplicate").length;
  return verdictOf(
    "queue-duplicates",
    checked,
    anomalies,
    checked === 0 ? "no queue message was handled" : `no queue message was handled successfully twice (${checked} handlings)`,
    (n) => `${n} duplicate handling(s) of queue messages, ${unexplained === 0 ? "each explained" : `${unexplained} unexplained`}`,
  );
};
