// Where each processed record's end-to-end latency went, read from the history after the run (nothing is added to
// the hot path): one pass over the operation log remembers, per message, when it was appended, acknowledged,
// stored, fetched or received, and at each processing end (consumer group) or ack (queue) cuts the record's life
// into phases at monotone boundaries, so the phases of a record always sum to its end-to-end latency.
import { Op, type History, type WideColumn } from "../history/history.ts";
import { KAFKA_PHASES, QUEUE_PHASES } from "./types.ts";

/** The processed records of one consumer group or queue, in processing-end order. */
export interface SubjectRecords {
  kind: "group" | "queue";
  name: string;
  /** The subject's actor id in the history (-1: every group pooled). */
  actor: number;
  phaseCount: number;
  msg: Int32Array;
  // Int32 when every time of the run is below 2^31 µs (35 minutes): every value is then exact in 32 bits.
  endUs: Float64Array | Int32Array;
  latencyUs: Float64Array | Int32Array;
  /** phaseCount values per record, flat: record i's phase p is phases[i * phaseCount + p]. */
  phases: Float64Array | Int32Array;
  /** topic actor * 65536 + partition; -1 for a queue. */
  partition: Int32Array;
}

export function partitionCode(topicActor: number, partition: number): number {
  return topicActor * 65536 + partition;
}

export function partitionLabel(h: History, code: number): string {
  return code < 0 ? "-" : `${h.actorNames[Math.floor(code / 65536)]}/${code % 65536}`;
}

export function newSubjectRecords(kind: "group" | "queue", name: string, actor: number, count: number, narrow = false): SubjectRecords {
  const phaseCount = kind === "group" ? KAFKA_PHASES.length : QUEUE_PHASES.length;
  const Column = narrow ? Int32Array : Float64Array;
  return {
    kind,
    name,
    actor,
    phaseCount,
    msg: new Int32Array(count),
    endUs: new Column(count),
    latencyUs: new Column(count),
    phases: new Column(count * phaseCount),
    partition: new Int32Array(count),
  };
}

const EMPTY = new Float64Array(0);

/**
 * A time per message, stored as t + 1 so that 0 means "none": 4 bytes a message while every time fits 32 bits
 * (as in the history's own time column), else 8. These columns set the run's peak memory; read them with `at`.
 */
type TimeColumn = Uint32Array | Float64Array;

/** True when every time in the log and the message table is below 2^31 µs (records then fit Int32 columns). */
function timesBelow2e31(h: History): boolean {
  const t = h.opTimeUs, c = h.msgCreatedUs;
  for (let i = 0; i < h.opCount; i++) if (!(t[i] >= 0 && t[i] < 2 ** 31)) return false;
  for (let i = 0; i < h.messageCount; i++) if (!(c[i] >= 0 && c[i] < 2 ** 31)) return false;
  return true;
}

/** True when some time would not fit a Uint32 column as t + 1. */
function needsWideTimes(h: History): boolean {
  return !(h.opTimeUs instanceof Uint32Array) || h.opTimeUs.subarray(0, h.opCount).indexOf(0xffffffff) >= 0;
}

function timeColumn(wide: boolean, n: number): TimeColumn {
  return wide ? new Float64Array(n) : new Uint32Array(n);
}

/** The time stored for message m, NaN when none. */
function at(c: TimeColumn, m: number): number {
  const v = c[m];
  return v === 0 ? NaN : v - 1;
}

/**
 * Writes the phases between boundaries b[0] ≤ … ≤ b[last] to out; a missing boundary (NaN) takes the next
 * one's time, and each is clamped to be at least the previous, so the phases always sum to b[last] − b[0].
 */
function writePhases(out: Float64Array, b: Float64Array, count: number): void {
  for (let i = count - 2; i >= 1; i--) if (b[i] !== b[i]) b[i] = b[i + 1];
  for (let i = 1; i < count; i++) if (b[i] < b[i - 1]) b[i] = b[i - 1];
  for (let i = 1; i < count; i++) out[i - 1] = b[i] - b[i - 1];
}

/** Receives the processed records of one subject, in processing-end order. */
export interface RecordSink {
  /** `phases` holds the record's phaseCount phases; it is reused for the next record. */
  add(msg: number, endUs: number, latencyUs: number, phases: Float64Array, partition: number): void;
}

/**
 * Every processed record of every consumer group (one row per ProcessEnd) and every acknowledged queue message
 * (one row per QueueAck), with its phases. Subjects come in the order their actors were first seen. Two passes
 * over the log: the first counts rows per subject so the columns are allocated once, at their size.
 */
export function collectLatencyRecords(h: History): SubjectRecords[] {
  // The records are the biggest arrays of the analysis: 32-bit when every value fits (times below 2^31 µs,
  // so latencies and phases, differences of such times, fit too), which saves 24-28 bytes a record.
  const narrow = timesBelow2e31(h);
  const writers = scanLatencyRecords(h, (kind, name, actor, count) => new RecordsWriter(newSubjectRecords(kind, name, actor, count, narrow)));
  // A row counted in the first pass but not kept (a group's ack row on a queue actor) leaves the tail unused.
  return writers.map((w) => trim(w.records, w.filled));
}

/** True when a time column holds a value that an Int32 record column would not keep as it is. */
export function recordsTruncate(h: History): boolean {
  // Uint32 columns hold integers below 2^32: the records keep them exactly (Int32 when below 2^31, else Float64).
  return !(h.opTimeUs instanceof Uint32Array && h.msgCreatedUs instanceof Uint32Array) && timesBelow2e31(h);
}

class RecordsWriter implements RecordSink {
  filled = 0;
  constructor(readonly records: SubjectRecords) {}
  add(msg: number, endUs: number, latencyUs: number, phases: Float64Array, partition: number): void {
    const s = this.records;
    const r = this.filled++;
    const P = s.phaseCount;
    s.msg[r] = msg;
    s.endUs[r] = endUs;
    s.latencyUs[r] = latencyUs;
    for (let p = 0; p < P; p++) s.phases[r * P + p] = phases[p];
    s.partition[r] = partition;
  }
}

/**
 * The records of every subject handed to the sink `open` makes for it (with the subject's row count, an upper
 * bound of its records), in processing-end order: the phases are computed once, here, whether the caller keeps
 * the records (the explanation of a failed bound) or only summarises them (the breakdown of every run).
 * Returns the sinks in subject order.
 */
export function scanLatencyRecords<S extends RecordSink>(h: History, open: (kind: "group" | "queue", name: string, actor: number, count: number) => S): S[] {
  const n = h.messageCount;
  // Rows per subject actor (groups and queues are distinct actors), and the order subjects first appear in.
  const rows = new Int32Array(h.actorNames.length);
  const order = countSubjectRows(h, rows);
  if (order.length === 0) return [];
  const sinkOf: (S | undefined)[] = new Array(h.actorNames.length);
  const isGroup = new Uint8Array(h.actorNames.length);
  // Per group actor: when the message was last fetched and last started by that group.
  const wide = needsWideTimes(h);
  const fetched: (TimeColumn | undefined)[] = new Array(h.actorNames.length);
  const started: (TimeColumn | undefined)[] = new Array(h.actorNames.length);
  let hasGroup = false;
  let hasQueue = false;
  for (const a of order) {
    const k = h.actorKinds[a] === "group" ? "group" : "queue";
    sinkOf[a] = open(k, h.actorNames[a], a, rows[a]);
    if (k === "group") {
      isGroup[a] = 1;
      hasGroup = true;
      fetched[a] = timeColumn(wide, n);
      started[a] = timeColumn(wide, n);
    } else hasQueue = true;
  }
  // A column per message costs 8 bytes per message at the run's peak memory: build only the family's columns
  // that some subject reads (an empty column ignores writes, and no subject of the other family reads it).
  const kafkaColumn = (): TimeColumn => (hasGroup ? timeColumn(wide, n) : EMPTY);
  const queueColumn = (): TimeColumn => (hasQueue ? timeColumn(wide, n) : EMPTY);
  const times: MessageTimes = {
    fetched,
    started,
    appendFirstUs: kafkaColumn(),
    // Read only where appendFirstUs is set; the history's own offset type holds every offset exactly.
    appendFirstOffset: hasGroup ? new (h.opOffset.constructor as new (n: number) => typeof h.opOffset)(n) : EMPTY,
    appendLastUs: kafkaColumn(),
    ackUs: kafkaColumn(),
    enqueueUs: queueColumn(),
    firstReceiveUs: queueColumn(),
    lastReceiveUs: queueColumn(),
  };
  readRecords(h, times, sinkOf, isGroup);
  return order.map((a) => sinkOf[a]!);
}

/** Rows per subject actor; returns the subjects in the order they first appear. */
function countSubjectRows(h: History, rows: Int32Array): number[] {
  const n = h.messageCount;
  const kinds = h.opKind;
  const aux = h.opAux;
  const opMsg = h.opMsg;
  const count = h.opCount;
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = kinds[i];
    if (k !== Op.ProcessEnd && k !== Op.QueueAck) continue;
    const a = aux[i];
    const m = opMsg[i];
    if (a < 0 || a >= rows.length || m < 0 || m >= n) continue;
    if (rows[a]++ === 0) order.push(a);
  }
  return order;
}

/** The per-message times the phases are cut at (t + 1; 0: none). */
interface MessageTimes {
  /** Per group actor. */
  fetched: (TimeColumn | undefined)[];
  started: (TimeColumn | undefined)[];
  appendFirstUs: TimeColumn;
  appendFirstOffset: TimeColumn | WideColumn;
  appendLastUs: TimeColumn;
  ackUs: TimeColumn;
  enqueueUs: TimeColumn;
  firstReceiveUs: TimeColumn;
  lastReceiveUs: TimeColumn;
}

// The pass over every row, in a function of its own: a run compiles this loop once, apart from the setup.
function readRecords(h: History, times: MessageTimes, sinkOf: (RecordSink | undefined)[], isGroup: Uint8Array): void {
  const n = h.messageCount;
  const kinds = h.opKind;
  const aux = h.opAux;
  const opMsg = h.opMsg;
  const opTimeUs = h.opTimeUs;
  const count = h.opCount;
  const { fetched, started, appendFirstUs, appendFirstOffset, appendLastUs, ackUs, enqueueUs, firstReceiveUs, lastReceiveUs } = times;
  const b = new Float64Array(6);
  const phases = new Float64Array(5);
  for (let i = 0; i < count; i++) {
    const kind = kinds[i];
    const m = opMsg[i];
    if (m < 0 || m >= n) continue;
    const t = opTimeUs[i];
    switch (kind) {
      case Op.Append:
        if (appendFirstUs[m] === 0) {
          appendFirstUs[m] = t + 1;
          appendFirstOffset[m] = h.opOffset[i];
        }
        appendLastUs[m] = t + 1;
        break;
      case Op.Ack:
        ackUs[m] = t + 1;
        break;
      case Op.Deliver: {
        const c = fetched[aux[i]];
        if (c !== undefined) c[m] = t + 1;
        break;
      }
      case Op.ProcessStart: {
        const c = started[aux[i]];
        if (c !== undefined) c[m] = t + 1;
        break;
      }
      case Op.ProcessEnd: {
        const g = aux[i];
        const s = sinkOf[g];
        if (s === undefined || isGroup[g] === 0) break;
        const created = h.msgCreatedUs[m];
        const fetchUs = at(fetched[g]!, m);
        // The copy the consumer read: the first append when its offset matches, else the latest (a retry's copy).
        const acked = at(ackUs, m);
        b[0] = created;
        b[1] = appendFirstUs[m] !== 0 && appendFirstOffset[m] === h.opOffset[i] ? at(appendFirstUs, m) : at(appendLastUs, m);
        b[2] = acked !== acked ? NaN : fetchUs !== fetchUs ? acked : Math.min(acked, fetchUs);
        b[3] = fetchUs;
        b[4] = at(started[g]!, m);
        b[5] = t;
        writePhases(phases, b, 6);
        s.add(m, t, t - created, phases, partitionCode(h.msgTopic[m], h.opPartition[i]));
        break;
      }
      case Op.QueueEnqueue:
        if (enqueueUs[m] === 0) enqueueUs[m] = t + 1;
        break;
      case Op.QueueDeliver:
        if (firstReceiveUs[m] === 0) firstReceiveUs[m] = t + 1;
        lastReceiveUs[m] = t + 1;
        break;
      case Op.QueueAck: {
        const q = aux[i];
        const s = sinkOf[q];
        if (s === undefined || isGroup[q] === 1) break;
        const created = h.msgCreatedUs[m];
        b[0] = created;
        b[1] = at(enqueueUs, m);
        b[2] = at(firstReceiveUs, m);
        b[3] = at(lastReceiveUs, m);
        b[4] = t;
        writePhases(phases, b, 5);
        s.add(m, t, t - created, phases, -1);
        break;
      }
    }
  }
}

function trim(s: SubjectRecords, count: number): SubjectRecords {
  if (count === s.msg.length) return s;
  return {
    ...s,
    msg: s.msg.subarray(0, count),
    endUs: s.endUs.subarray(0, count),
    latencyUs: s.latencyUs.subarray(0, count),
    phases: s.phases.subarray(0, count * s.phaseCount),
    partition: s.partition.subarray(0, count),
  };
}

/** Produce retries per message (ProduceRetry rows): evidence that a slow record was re-sent. */
export function retriesPerMessage(h: History): Uint16Array {
  const out = new Uint16Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.ProduceRetry && h.opMsg[i] >= 0) out[h.opMsg[i]]++;
  return out;
}
