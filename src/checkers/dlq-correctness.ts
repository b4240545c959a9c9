// dlq-correctness: only messages that exhausted their attempts reach a dead-letter queue (or are dropped for
// it), each with its receive history as evidence. The rule per reason comes from the source queue's config:
// SQS maxReceiveCount — exactly that many receives since it entered the queue; RabbitMQ rejected — the last
// settlement was a reject without requeue; delivery_limit — more failed deliveries than the quorum queue's
// limit; Pulsar — maxRedeliverCount + 1 deliveries; expired / maxlen — the queue has a TTL / length limit. A
// message acknowledged from that queue before it was dead-lettered is always an anomaly.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { DEAD_LETTER_REASON_NAMES, DeadLetterReason } from "../models/queue/queue-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

type QueueSpec = Scenario["queues"][number];

interface Trail {
  /** Deliveries from the current queue since the message last entered it: [time, consumer]. */
  deliveries: [number, number][];
  lastNackRequeue: number;
  acked: boolean;
}

function expectedProblem(reason: number, spec: QueueSpec | undefined, t: Trail, recorded: number): string | undefined {
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
      return lim >= 0 && n === lim + 1 ? undefined : `it was delivered ${n} time(s); a delivery limit of ${lim} allows ${lim + 1}`;
    }
    case DeadLetterReason.MaxRedeliverCount: {
      // Without a policy only reconsumeLater dead-letters, after 16 reconsumes.
      const max = spec?.deadLetter?.maxRedeliverCount ?? 16;
      return n === max + 1 ? undefined : `it was delivered ${n} time(s), not maxRedeliverCount + 1 = ${max + 1}`;
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
  const trails = new Map<string, Trail>();
  const trail = (q: number, m: number): Trail => {
    const k = `${q}:${m}`;
    let t = trails.get(k);
    if (!t) trails.set(k, (t = { deliveries: [], lastNackRequeue: -1, acked: false }));
    return t;
  };
  const anomalies: Anomaly[] = [];
  let checked = 0;
  // Only messages that were dead-lettered or dropped need a trail; mark them first.
  const leaves = new Uint8Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if ((k === Op.QueueDeadLetter || k === Op.QueueDrop) && h.opPartition[i] !== DeadLetterReason.Retention) leaves[h.opMsg[i]] = 1;
  }
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    const m = h.opMsg[i];
    if (m < 0 || leaves[m] === 0) continue;
    if (k === Op.QueueEnqueue) trails.delete(`${h.opActor[i]}:${m}`);
    else if (k === Op.QueueDeliver) trail(h.opAux[i], m).deliveries.push([h.opTimeUs[i], h.opActor[i]]);
    else if (k === Op.QueueNack) trail(h.opAux[i], m).lastNackRequeue = h.opPartition[i];
    else if (k === Op.QueueAck) trail(h.opAux[i], m).acked = true;
    else if ((k === Op.QueueDeadLetter || k === Op.QueueDrop) && h.opPartition[i] !== DeadLetterReason.Retention) {
      checked++;
      const q = h.opActor[i];
      const t = trail(q, m);
      const reason = h.opPartition[i];
      const problem = expectedProblem(reason, specs.get(h.actorNames[q]), t, h.opOffset[i]);
      if (problem === undefined) continue;
      const history = t.deliveries.map(([at, c]) => `${fmtS(at)} → ${h.actorNames[c]}`).join(", ") || "never delivered";
      anomalies.push({
        kind: "dlq-early",
        explanation:
          `${h.messageName(m)} (key ${h.keyOf(m)}) left ${h.actorNames[q]} for reason ${DEAD_LETTER_REASON_NAMES[reason]} at ` +
          `${fmtS(h.opTimeUs[i])}, but ${problem}; receive history: ${history}`,
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
