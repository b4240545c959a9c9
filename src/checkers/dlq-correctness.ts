// dlq-correctness: only messages that exhausted their attempts reach a dead-letter queue (or are dropped for
// it), each with its receive history as evidence. The rule per reason comes from the source queue's config:
// SQS maxReceiveCount — exactly that many receives since it entered the queue; RabbitMQ rejected — the last
// settlement was a reject without requeue; delivery_limit — as many counted returns as the quorum queue's
// limit before this one (4.3: only failed deliveries count, not nack-requeue; 4.0–4.2: every return); Pulsar —
// maxRedeliverCount + 1 deliveries, counted across the retry letter topic's copies for reconsumeLater;
// expired / maxlen — the queue has a TTL / length limit. A message acknowledged from that queue before it was
// dead-lettered is always an anomaly. The evidence carries the receive history and the message's x-death
// (one entry per queue and reason, with count and first/last time, rebuilt from the dead-letter rows).
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { DEAD_LETTER_REASON_NAMES, DeadLetterReason, ReturnReason } from "../models/queue/queue-types.ts";
import { retryTopicName } from "../models/queue/pulsar-retry.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

type QueueSpec = Scenario["queues"][number];

interface Trail {
  /** Deliveries from the current queue since the message last entered it: [time, consumer]. */
  deliveries: [number, number][];
  lastNackRequeue: number;
  acked: boolean;
  /** Deliveries of the earlier copies (Pulsar retry letter lineage). */
  carried: number;
  /** Returns since it entered the queue: all of them, and the failed deliveries among them (not a nack-requeue). */
  returns: number;
  failedReturns: number;
}

/** x-death as the history shows it: per (queue, reason) the count and the first and last time. */
type Deaths = Map<string, { queue: string; reason: string; count: number; firstUs: number; lastUs: number }>;

function formatDeaths(d: Deaths | undefined): string {
  if (!d || d.size === 0) return "none";
  // Most recent first, as RabbitMQ orders x-death.
  const entries = [...d.values()].sort((a, b) => b.lastUs - a.lastUs || (a.queue < b.queue ? -1 : 1));
  return entries.map((e) => `{${e.queue}, ${e.reason}, count ${e.count}, ${fmtS(e.firstUs)}..${fmtS(e.lastUs)}}`).join(", ");
}

function expectedProblem(reason: number, spec: QueueSpec | undefined, t: Trail, recorded: number): string | undefined {
  const total = t.carried + t.deliveries.length;
  const n = t.deliveries.length;
  if (t.acked) return "it had already been acknowledged on this queue";
  if (n !== recorded) return `the queue recorded ${recorded} deliveries but the history shows ${n}`;
  switch (reason) {
    case DeadLetterReason.MaxReceiveCount: {
      const max = spec?.deadLetter?.maxReceiveCount;
      return max === undefined ? "the queue has no maxReceiveCount" : n === max ? undefined : `it was received ${n} time(s), not maxReceiveCount = ${max}`;
    }
    case DeadLetterReason.Rejected:
      return t.lastNackRequeue === 0 ? undefined : "its last settlement was not a reject without requeue";
    case DeadLetterReason.DeliveryLimit: {
      const lim = spec?.deliveryLimit ?? 20;
      const failedOnly = (spec?.rabbitmqVersion ?? "4.3") === "4.3";
      const counted = failedOnly ? t.failedReturns : t.returns;
      const what = failedOnly ? "failed deliveries" : "returns";
      return lim >= 0 && counted === lim ? undefined : `it had ${counted} counted ${what} before this one; a delivery limit of ${lim} dead-letters on the ${lim + 1}th`;
    }
    case DeadLetterReason.MaxRedeliverCount: {
      // Without a policy only reconsumeLater dead-letters, after 16 reconsumes.
      const max = spec?.deadLetter?.maxRedeliverCount ?? 16;
      return total === max + 1 ? undefined : `it was delivered ${total} time(s), not maxRedeliverCount + 1 = ${max + 1}`;
    }
    case DeadLetterReason.Expired:
      return spec?.messageTtl !== undefined || spec?.kind?.startsWith("rabbitmq") ? undefined : "the queue has no TTL";
    case DeadLetterReason.Maxlen:
      return spec?.maxLength !== undefined ? undefined : "the queue has no length limit";
    default:
      return undefined;
  }
}

export const dlqCorrectness: Checker = (h: History, scenario: Scenario) => {
  const specs = new Map((scenario.queues ?? []).map((q) => [q.name, q]));
  // A Pulsar retry letter topic follows its subscription's policy.
  for (const q of scenario.queues ?? []) if (q.kind === "pulsar") specs.set(retryTopicName(q.name, q.subscriptionName ?? "sub"), q);
  const trails = new Map<string, Trail>();
  const trail = (q: number, m: number): Trail => {
    const k = `${q}:${m}`;
    let t = trails.get(k);
    if (!t) trails.set(k, (t = { deliveries: [], lastNackRequeue: -1, acked: false, carried: 0, returns: 0, failedReturns: 0 }));
    return t;
  };
  /** Deliveries a retry-letter copy carries into the topic it is published to, until its enqueue there. */
  const carry = new Map<string, number>();
  const deaths = new Map<number, Deaths>();
  const anomalies: Anomaly[] = [];
  let checked = 0;
  // Only messages that were dead-lettered or dropped need a trail; mark them first.
  const leaves = new Uint8Array(h.messageCount);
  /** The last redrive of a message out of a dead-letter queue: its receives count again from there. */
  const redrivenAt = new Map<number, number>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if ((k === Op.QueueDeadLetter || k === Op.QueueDrop) && h.opPartition[i] !== DeadLetterReason.Retention) leaves[h.opMsg[i]] = 1;
  }
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    const m = h.opMsg[i];
    if (m < 0 || leaves[m] === 0) continue;
    if (k === Op.QueueRedrive) {
      redrivenAt.set(m, i);
    } else if (k === Op.QueueEnqueue) {
      const key = `${h.opActor[i]}:${m}`;
      trails.delete(key);
      const carried = carry.get(key);
      if (carried !== undefined) {
        carry.delete(key);
        trail(h.opActor[i], m).carried = carried;
      }
    } else if (k === Op.QueueRetryPublish) {
      const t = trail(h.opActor[i], m);
      carry.set(`${h.opAux[i]}:${m}`, t.carried + t.deliveries.length);
    } else if (k === Op.QueueReturn) {
      const t = trail(h.opActor[i], m);
      t.returns++;
      if (h.opPartition[i] !== ReturnReason.Requeue) t.failedReturns++;
    } else if (k === Op.QueueDeliver) trail(h.opAux[i], m).deliveries.push([h.opTimeUs[i], h.opActor[i]]);
    else if (k === Op.QueueNack) trail(h.opAux[i], m).lastNackRequeue = h.opPartition[i];
    else if (k === Op.QueueAck) trail(h.opAux[i], m).acked = true;
    else if ((k === Op.QueueDeadLetter || k === Op.QueueDrop) && h.opPartition[i] !== DeadLetterReason.Retention) {
      checked++;
      const q = h.opActor[i];
      const t = trail(q, m);
      const reason = h.opPartition[i];
      if (k === Op.QueueDeadLetter) {
        let d = deaths.get(m);
        if (!d) deaths.set(m, (d = new Map()));
        const why = DEAD_LETTER_REASON_NAMES[reason];
        const e = d.get(`${q}:${why}`);
        if (e) {
          e.count++;
          e.lastUs = h.opTimeUs[i];
        } else d.set(`${q}:${why}`, { queue: h.actorNames[q], reason: why, count: 1, firstUs: h.opTimeUs[i], lastUs: h.opTimeUs[i] });
      }
      const problem = expectedProblem(reason, specs.get(h.actorNames[q]), t, h.opOffset[i]);
      if (problem === undefined) continue;
      const history = t.deliveries.map(([at, c]) => `${fmtS(at)} → ${h.actorNames[c]}`).join(", ") || "never delivered";
      anomalies.push({
        kind: "dlq-early",
        explanation:
          `${h.messageName(m)} (key ${h.keyOf(m)}) left ${h.actorNames[q]} for reason ${DEAD_LETTER_REASON_NAMES[reason]} at ` +
          `${fmtS(h.opTimeUs[i])}, but ${problem}; receive history: ${history}` +
          (t.carried > 0 ? ` (after ${t.carried} delivery(ies) of earlier retry copies)` : "") +
          (redrivenAt.has(m) ? ` (redriven from ${h.actorNames[h.opActor[redrivenAt.get(m)!]]} at ${fmtS(h.opTimeUs[redrivenAt.get(m)!])}; its receives count again from there)` : "") +
          `; x-death: ${formatDeaths(deaths.get(m))}`,
        messageIds: [m],
        keys: [h.keyOf(m)],
        timesUs: [h.opTimeUs[i], ...t.deliveries.map(([at]) => at)],
      });
    }
  }
  return verdictOf(
    "dlq-correctness",
    checked,
    anomalies,
    checked === 0 ? "no message was dead-lettered" : `each of ${checked} dead-lettered message(s) had exhausted its attempts`,
    (n) => `${n} message(s) dead-lettered without exhausting their attempts`,
  );
};
