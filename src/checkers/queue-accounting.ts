// queue-accounting: every message sent to a queue ends somewhere we can name — acknowledged, deduplicated
// (a FIFO repeat), dropped with a recorded reason, or still held by a queue (waiting, in flight, or in a
// dead-letter queue) at the end of the run per the final census. A message that was sent and confirmed but
// whose last step leaves it nowhere has vanished. The same walk yields the per-queue ledger for the report.
// A Pulsar retry-letter copy is the same message: the original's ack is followed by the copy's publish, so the
// message is in flight between topics, and a copy still held by the retry topic counts as still held here.
import { Op, QUEUE_OP_LAST, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

/** Where each message sent to a queue ended, counted per queue it was sent to. */
export interface QueueLedger {
  queue: string;
  sent: number;
  /** The producer never got an answer and the queue never stored it (the send was lost on the way). */
  notDelivered: number;
  deduplicated: number;
  acked: number;
  /** Held by a dead-letter queue at the end (moved there from this queue). */
  inDeadLetterQueue: number;
  dropped: number;
  waiting: number;
  inFlight: number;
  vanished: number;
}

const enum S {
  None = 0,
  Sent = 1,
  Held = 2,
  Acked = 3,
  Dedup = 4,
  Dropped = 5,
  ResidualWaiting = 6,
  ResidualInFlight = 7,
  Moved = 8,
}

interface Walk {
  state: Uint8Array;
  sentTo: Int32Array;
  lastRow: Int32Array;
  confirmed: Uint8Array;
  /** The queue the message was last held by (the census row's queue for residuals). */
  holder: Int32Array;
  /** Retry letter topic actor → the queue whose consumers republish to it. */
  retryOf: Map<number, number>;
  /** Times each message was redriven out of a dead-letter queue (it stays the same message). */
  redriven: Uint8Array;
}

function walk(h: History): Walk {
  const n = h.messageCount;
  const w: Walk = {
    state: new Uint8Array(n),
    sentTo: new Int32Array(n).fill(-1),
    lastRow: new Int32Array(n).fill(-1),
    confirmed: new Uint8Array(n),
    holder: new Int32Array(n).fill(-1),
    retryOf: new Map(),
    redriven: new Uint8Array(n),
  };
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k < Op.QueueSend || k > QUEUE_OP_LAST) continue;
    const m = h.opMsg[i];
    if (m < 0) continue;
    switch (k) {
      case Op.QueueSend:
        w.state[m] = S.Sent;
        w.sentTo[m] = h.opAux[i];
        break;
      case Op.QueueSendAck:
        w.confirmed[m] = 1;
        continue;
      case Op.QueueEnqueue:
        w.state[m] = S.Held;
        w.holder[m] = h.opActor[i];
        break;
      case Op.QueueDeduplicated:
        w.state[m] = S.Dedup;
        break;
      case Op.QueueAck:
        w.state[m] = S.Acked;
        break;
      case Op.QueueRetryPublish:
        if (h.opAux[i] !== h.opActor[i] && !w.retryOf.has(h.opAux[i])) w.retryOf.set(h.opAux[i], h.opActor[i]);
        w.state[m] = S.Moved;
        break;
      case Op.QueueRedrive:
        if (w.redriven[m] < 255) w.redriven[m]++;
        w.state[m] = S.Moved;
        break;
      case Op.QueueDeadLetter:
        w.state[m] = S.Moved;
        break;
      case Op.QueueDrop:
        w.state[m] = S.Dropped;
        break;
      case Op.QueueResidual:
        w.state[m] = h.opPartition[i] === 1 ? S.ResidualInFlight : S.ResidualWaiting;
        w.holder[m] = h.opActor[i];
        break;
      default:
        continue; // deliveries, returns, processing: the message is still held
    }
    w.lastRow[m] = i;
  }
  return w;
}

// The run's report asks for the ledger and the checker for the verdict: one walk serves both. A history only
// grows, so the same row and message counts mean the same history.
const walks = new WeakMap<History, { ops: number; messages: number; walk: Walk }>();

function walkOnce(h: History): Walk {
  const hit = walks.get(h);
  if (hit && hit.ops === h.opCount && hit.messages === h.messageCount) return hit.walk;
  const w = walk(h);
  walks.set(h, { ops: h.opCount, messages: h.messageCount, walk: w });
  return w;
}

export function queueLedger(h: History): QueueLedger[] {
  const w = walkOnce(h);
  const byQueue = new Map<number, QueueLedger>();
  for (let m = 0; m < h.messageCount; m++) {
    const q = w.sentTo[m];
    if (q < 0) continue;
    let l = byQueue.get(q);
    if (!l) {
      l = { queue: h.actorNames[q], sent: 0, notDelivered: 0, deduplicated: 0, acked: 0, inDeadLetterQueue: 0, dropped: 0, waiting: 0, inFlight: 0, vanished: 0 };
      byQueue.set(q, l);
    }
    l.sent++;
    const s = w.state[m];
    const holder = w.retryOf.get(w.holder[m]) ?? w.holder[m];
    if (s === S.Sent && !w.confirmed[m]) l.notDelivered++;
    else if (s === S.Dedup) l.deduplicated++;
    else if (s === S.Acked) l.acked++;
    else if (s === S.Dropped) l.dropped++;
    else if ((s === S.ResidualWaiting || s === S.ResidualInFlight) && holder !== q) l.inDeadLetterQueue++;
    else if (s === S.ResidualWaiting) l.waiting++;
    else if (s === S.ResidualInFlight) l.inFlight++;
    else l.vanished++;
  }
  return [...byQueue.values()].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
}

export const queueAccounting: Checker = (h: History) => {
  const w = walkOnce(h);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (let m = 0; m < h.messageCount; m++) {
    const q = w.sentTo[m];
    if (q < 0) continue;
    checked++;
    const s = w.state[m];
    if (s === S.Sent && !w.confirmed[m]) continue; // never reached the queue and never confirmed: the sender knows
    if (s === S.Acked || s === S.Dedup || s === S.Dropped || s === S.ResidualWaiting || s === S.ResidualInFlight) continue;
    const row = w.lastRow[m];
    const what =
      s === S.Sent
        ? "was confirmed to the producer but never stored"
        : s === S.Moved
          ? h.opKind[row] === Op.QueueRedrive
            ? `was redriven out of ${h.actorNames[h.opActor[row]]} toward ${h.actorNames[h.opAux[row]]} and never arrived`
            : `was moved out of ${h.actorNames[h.opActor[row]]} and never arrived anywhere`
          : `was last held by ${h.actorNames[w.holder[m]]} but is neither acknowledged, dropped nor still held at the end`;
    anomalies.push({
      kind: "vanished",
      explanation: `${h.messageName(m)} (key ${h.keyOf(m)}) sent to ${h.actorNames[q]} ${what} (last step at ${fmtS(h.opTimeUs[row])})`,
      messageIds: [m],
      keys: [h.keyOf(m)],
      timesUs: [h.opTimeUs[row]],
    });
  }
  return verdictOf(
    "queue-accounting",
    checked,
    anomalies,
    checked === 0
      ? "no message was sent to a queue"
      : `every one of ${checked} queue messages ended acknowledged, deduplicated, dropped with a reason, or still held (see the ledger)` + redrivenNote(w),
    (n) => `${n} queue message(s) vanished`,
  );
};

/** " (12 redriven from a dead-letter queue, each counted as the message it was)", or "" when none was. */
function redrivenNote(w: Walk): string {
  let n = 0;
  for (let m = 0; m < w.redriven.length; m++) if (w.redriven[m] > 0 && w.sentTo[m] >= 0) n++;
  return n === 0 ? "" : ` (${n} redriven from a dead-letter queue, each counted as the message it was)`;
}
