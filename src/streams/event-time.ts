// Event time: the Kafka timestamp a producer puts on a record (whole milliseconds). A producer with an
// `eventTime` setting stamps send time − its clock skew − a per-record skew (out-of-order input) and records
// an event-time row; without one, a record's timestamp is its send time (CreateTime).
import { Op, type History } from "../history/history.ts";
import type { Rng } from "../kernel/rng.ts";
import { makeSampler } from "../kernel/distributions.ts";
import type { ProducerSpec } from "../scenario/schema.ts";
import { grow } from "../kernel/typed-arrays.ts";

export class EventTimeStamper {
  private readonly skew: () => number;
  private constructor(
    private readonly history: History,
    private readonly actorId: number,
    private readonly clockSkewUs: number,
    skew: ProducerSpec["eventTime"] & object,
    rng: Rng,
  ) {
    this.skew = makeSampler(skew.skew, rng);
  }

  /** A stamper for the producer, or undefined when it keeps CreateTime. */
  static of(history: History, actorId: number, spec: ProducerSpec, rng: Rng): EventTimeStamper | undefined {
    return spec.eventTime ? new EventTimeStamper(history, actorId, spec.eventTime.clockSkew, spec.eventTime, rng) : undefined;
  }

  stamp(msg: number, sendUs: number): void {
    const us = sendUs - this.clockSkewUs - Math.max(0, this.skew());
    stampEventTime(this.history, msg, this.actorId, Math.max(0, Math.floor(us / 1000)), sendUs);
  }
}

export function stampEventTime(history: History, msg: number, actorId: number, tsMs: number, atUs: number): void {
  history.record(Op.EventTime, atUs, msg, actorId, -1, tsMs);
}

/** Every message's event time in ms, read from the history (stamped rows, else the send time). Cached per history. */
export function eventTimes(h: History): Float64Array {
  let c = cache.get(h);
  if (!c) cache.set(h, (c = { column: new Float64Array(0), scannedOps: 0, messages: 0 }));
  if (c.messages < h.messageCount) {
    c.column = grow(c.column, h.messageCount);
    for (let m = c.messages; m < h.messageCount; m++) c.column[m] = Math.floor(h.msgCreatedUs[m] / 1000);
    c.messages = h.messageCount;
  }
  for (let i = c.scannedOps; i < h.opCount; i++) if (h.opKind[i] === Op.EventTime) c.column[h.opMsg[i]] = h.opOffset[i];
  c.scannedOps = h.opCount;
  return c.column;
}

const cache = new WeakMap<History, { column: Float64Array; scannedOps: number; messages: number }>();
