// Where each processed record's end-to-end latency went, read from the history after the run (nothing is added to
// the hot path): one pass over the operation log remembers, per message, when it was appended, acknowledged,
// stored, fetched or received, and at each processing end (consumer group) or ack (queue) cuts the record's life
// into phases at monotone boundaries, so the phases of a record always sum to its end-to-end latency.
import { Op, type History } from "../history/history.ts";
import { KAFKA_PHASES, QUEUE_PHASES } from "./types.ts";

/** The processed records of one consumer group or queue, in processing-end order. */
export interface SubjectRecords {
  kind: "group" | "queue";
  name: string;
  /** The subject's actor id in the history. */
  actor: number;
  phaseCount: number;
  msg: number[];
  endUs: number[];
  latencyUs: number[];
  /** phaseCount values per record, flat: record i's phase p is phases[i * phaseCount + p]. */
  phases: number[];
  /** topic actor * 65536 + partition; -1 for a queue. */
  partition: number[];
}

export function partitionCode(topicActor: number, partition: number): number {
  return topicActor * 65536 + partition;
}

export function partitionLabel(h: History, code: number): string {
  return code < 0 ? "-" : `${h.actorNames[Math.floor(code / 65536)]}/${code % 65536}`;
}

function newSubject(kind: "group" | "queue", name: string, actor: number): SubjectRecords {
  const phaseCount = kind === "group" ? KAFKA_PHASES.length : QUEUE_PHASES.length;
  return { kind, name, actor, phaseCount, msg: [], endUs: [], latencyUs: [], phases: [], partition: [] };
}

function nanColumn(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

/** Pushes the phases between boundaries b[0] ≤ … ≤ b[last]; a missing boundary (NaN) takes the next one's time. */
function pushPhases(out: number[], b: number[]): void {
  // Missing boundaries collapse onto the next known one; then each is clamped to be at least the previous.
  for (let i = b.length - 2; i >= 1; i--) if (Number.isNaN(b[i])) b[i] = b[i + 1];
  for (let i = 1; i < b.length; i++) if (b[i] < b[i - 1]) b[i] = b[i - 1];
  for (let i = 1; i < b.length; i++) out.push(b[i] - b[i - 1]);
}

/**
 * Every processed record of every consumer group (one row per ProcessEnd) and every acknowledged queue message
 * (one row per QueueAck), with its phases. Subjects come in the order their actors were first seen.
 */
export function collectLatencyRecords(h: History): SubjectRecords[] {
  const n = h.messageCount;
  const appendFirstUs = nanColumn(n);
  const appendFirstOffset = nanColumn(n);
  const appendLastUs = nanColumn(n);
  const ackUs = nanColumn(n);
  const enqueueUs = nanColumn(n);
  const firstReceiveUs = nanColumn(n);
  const lastReceiveUs = nanColumn(n);
  // Per group actor: when the message was last fetched and last started by that group.
  const fetched = new Map<number, Float64Array>();
  const started = new Map<number, Float64Array>();
  const subjects = new Map<number, SubjectRecords>();
  const subjectOf = (kind: "group" | "queue", actor: number): SubjectRecords => {
    // Groups and queues are distinct actors, so one map keyed by actor serves both.
    let s = subjects.get(actor);
    if (s === undefined) subjects.set(actor, (s = newSubject(kind, h.actorNames[actor], actor)));
    return s;
  };
  const column = (m: Map<number, Float64Array>, g: number): Float64Array => {
    let c = m.get(g);
    if (c === undefined) m.set(g, (c = nanColumn(n)));
    return c;
  };
  const b: number[] = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    const m = h.opMsg[i];
    if (m < 0 || m >= n) continue;
    const t = h.opTimeUs[i];
    switch (kind) {
      case Op.Append:
        if (Number.isNaN(appendFirstUs[m])) {
          appendFirstUs[m] = t;
          appendFirstOffset[m] = h.opOffset[i];
        }
        appendLastUs[m] = t;
        break;
      case Op.Ack:
        ackUs[m] = t;
        break;
      case Op.Deliver:
        column(fetched, h.opAux[i])[m] = t;
        break;
      case Op.ProcessStart:
        column(started, h.opAux[i])[m] = t;
        break;
      case Op.ProcessEnd: {
        const g = h.opAux[i];
        const s = subjectOf("group", g);
        const created = h.msgCreatedUs[m];
        const fetchUs = fetched.get(g)?.[m] ?? NaN;
        // The copy the consumer read: the first append when its offset matches, else the latest (a retry's copy).
        const appendUs = appendFirstOffset[m] === h.opOffset[i] ? appendFirstUs[m] : appendLastUs[m];
        const acked = ackUs[m];
        b[0] = created;
        b[1] = appendUs;
        b[2] = Number.isNaN(acked) ? NaN : Number.isNaN(fetchUs) ? acked : Math.min(acked, fetchUs);
        b[3] = fetchUs;
        b[4] = started.get(g)?.[m] ?? NaN;
        b[5] = t;
        b.length = 6;
        s.msg.push(m);
        s.endUs.push(t);
        s.latencyUs.push(t - created);
        pushPhases(s.phases, b);
        s.partition.push(partitionCode(h.msgTopic[m], h.opPartition[i]));
        break;
      }
      case Op.QueueEnqueue:
        if (Number.isNaN(enqueueUs[m])) enqueueUs[m] = t;
        break;
      case Op.QueueDeliver:
        if (Number.isNaN(firstReceiveUs[m])) firstReceiveUs[m] = t;
        lastReceiveUs[m] = t;
        break;
      case Op.QueueAck: {
        const s = subjectOf("queue", h.opAux[i]);
        const created = h.msgCreatedUs[m];
        b.length = 5;
        b[0] = created;
        b[1] = enqueueUs[m];
        b[2] = firstReceiveUs[m];
        b[3] = lastReceiveUs[m];
        b[4] = t;
        s.msg.push(m);
        s.endUs.push(t);
        s.latencyUs.push(t - created);
        pushPhases(s.phases, b);
        s.partition.push(-1);
        break;
      }
    }
  }
  return [...subjects.values()];
}

/** Produce retries per message (ProduceRetry rows): evidence that a slow record was re-sent. */
export function retriesPerMessage(h: History): Uint16Array {
  const out = new Uint16Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.ProduceRetry && h.opMsg[i] >= 0) out[h.opMsg[i]]++;
  return out;
}
