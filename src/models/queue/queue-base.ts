// Bookkeeping every queue model shares: the held-message table (insertion order = oldest first, which gives
// the oldest-message age for free), history rows, metrics levels, handing a message to a dead-letter queue
// and taking one in from a DLQ or a redrive. The delivery rules themselves live in each system's file.
import type { Simulation } from "../../kernel/sim.ts";
import { Op, type History } from "../../history/history.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { formatDeaths } from "./amqp-dead-letter.ts";
import { DeadLetterReason, newQueueMessage, type Delivery, type QueueConsumerPort, type QueueMessage } from "./queue-types.ts";

/** Dead letters per queue listed in the report with their x-death. */
export const DEAD_LETTER_SAMPLES = 10;

export interface QueueContext {
  sim: Simulation;
  history: History;
  metrics: QueueMetrics;
}

export abstract class QueueBase {
  readonly actorId: number;
  protected readonly sim: Simulation;
  protected readonly history: History;
  readonly metrics: QueueMetrics;
  /** Every message this queue holds (waiting, delayed or in flight), oldest first. */
  protected readonly held = new Map<number, QueueMessage>();
  protected readonly consumers: QueueConsumerPort[] = [];
  protected nextSeq = 0;
  protected nextHandle = 0;
  protected readyCount = 0;
  protected inFlightCount = 0;
  /** Where dead letters go; undefined: they are dropped (RabbitMQ without a DLX). */
  deadLetterTarget?: QueueBase;

  constructor(
    readonly name: string,
    readonly kind: string,
    ctx: QueueContext,
  ) {
    this.sim = ctx.sim;
    this.history = ctx.history;
    this.metrics = ctx.metrics;
    this.actorId = ctx.history.actor(name, "queue");
  }

  get depth(): number {
    return this.readyCount;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Expiry for a message entering now: retention / TTL rules per system. */
  protected abstract expiryFor(sentUs: number, ttlUs: number | undefined, moved: boolean): number;
  /** Puts a message among the deliverable ones (system-specific order). */
  protected abstract addReady(m: QueueMessage, returned: boolean): void;
  /** Something became deliverable: serve waiting receivers / push to consumers. */
  protected abstract dispatch(): void;

  protected levels(): void {
    // Close the elapsed buckets with the oldest message as it was until now, then record the new one.
    this.metrics.advance(this.sim.nowUs);
    this.metrics.oldestSinceUs = this.oldestEnqueuedUs();
    this.metrics.setLevels(this.sim.nowUs, this.readyCount, this.inFlightCount);
  }

  /**
   * held's first entry, remembered: messages are only appended to held (a new copy is a new object) or deleted,
   * so while the remembered one is still held it is still first. Reading held.values() on every level change
   * allocated an iterator and its result.
   */
  private oldest: QueueMessage | undefined = undefined;

  private oldestEnqueuedUs(): number {
    let o = this.oldest;
    if (o === undefined || o.gone) {
      o = undefined;
      for (const m of this.held.values()) {
        o = m;
        break;
      }
      this.oldest = o;
    }
    return o === undefined ? -1 : o.enqueuedUs;
  }

  /** Stores a message (from a producer, a dead-lettering source or a redrive) and makes it deliverable. */
  protected store(
    msg: number,
    key: number,
    sentUs: number,
    ttlUs: number | undefined,
    origin: number,
    delayUs = 0,
    init?: (m: QueueMessage) => void,
  ): QueueMessage {
    const now = this.sim.nowUs;
    const m = newQueueMessage(msg, key, sentUs, now, this.expiryFor(sentUs, ttlUs, origin >= 0));
    m.seq = this.nextSeq++;
    m.origin = origin;
    if (origin < 0) m.ttlUs = ttlUs;
    // What travels with a moved copy (headers, lineage) is set before it can be handed out.
    init?.(m);
    // A second copy of the same message id (SQS standard resend) replaces the table entry; the old copy's
    // ready entries are skipped because they no longer match.
    this.forget(msg);
    this.held.set(msg, m);
    this.history.record(Op.QueueEnqueue, now, msg, this.actorId, -1, m.seq);
    this.metrics.enqueued++;
    if (delayUs > 0) {
      m.timer = this.sim.after(delayUs, this.onDelayOver, m);
    } else {
      this.addReady(m, false);
      this.readyCount++;
    }
    this.levels();
    this.dispatch();
    return m;
  }

  private readonly onDelayOver = (m: QueueMessage): void => {
    m.timer = 0;
    if (m.gone) return;
    m.readySinceUs = this.sim.nowUs;
    this.addReady(m, false);
    this.readyCount++;
    this.levels();
    this.dispatch();
  };

  /** Takes a message moved here from another queue (dead-lettering or redrive). */
  acceptMoved(m: QueueMessage, from: QueueBase): void {
    // Dead-lettering strips the TTL (no ttlUs passed on) but keeps the dead-letter headers.
    this.store(m.msg, m.key, m.sentUs, undefined, from.actorId, 0, (copy) => {
      copy.deaths = m.deaths;
    });
  }

  /** The copy of a message this queue holds (headers, counts), for inspection; undefined when not held. */
  message(msg: number): Readonly<QueueMessage> | undefined {
    return this.held.get(msg);
  }

  /**
   * Takes msg out of the table, marking the copy held under it gone: a message is gone exactly when it is no
   * longer in the table, so live() reads a field instead of looking the table up.
   */
  private forget(msg: number): void {
    const m = this.held.get(msg);
    if (m === undefined) return;
    m.gone = true;
    this.held.delete(msg);
  }

  /** forget(m.msg), without the lookup when m is the copy held (it is, unless gone). */
  private forgetMessage(m: QueueMessage): void {
    if (m.gone) {
      this.forget(m.msg);
      return;
    }
    m.gone = true;
    this.held.delete(m.msg);
  }

  /** True if `m` is still the live copy held here (lazy deletion in ready structures). */
  protected live(m: QueueMessage): boolean {
    return !m.gone;
  }

  /** Marks a waiting message as handed out and builds the delivery. Caller has removed it from ready. */
  protected handOut(m: QueueMessage, c: QueueConsumerPort): Delivery {
    const now = this.sim.nowUs;
    m.deliveries++;
    m.acquired++;
    m.handle = ++this.nextHandle;
    m.holder = c.index;
    if (m.firstReceiveUs < 0) m.firstReceiveUs = now;
    m.lastDeliveredUs = now;
    this.readyCount--;
    this.inFlightCount++;
    this.history.record(Op.QueueDeliver, now, m.msg, c.actorId, m.deliveries, m.handle, this.actorId);
    this.metrics.onDelivered(now, now - m.readySinceUs, m.deliveries > 1);
    const d: Delivery = { msg: m.msg, key: m.key, handle: m.handle, deliveryNumber: m.deliveries, sentUs: m.sentUs };
    return m.reconsumes > 0 ? { ...d, reconsumes: m.reconsumes } : d;
  }

  /** Removes an acked message. */
  protected remove(m: QueueMessage, c: QueueConsumerPort): void {
    if (m.timer) this.sim.cancel(m.timer);
    m.timer = 0;
    this.forgetMessage(m);
    if (m.holder >= 0) this.inFlightCount--;
    else this.readyCount--;
    m.holder = -2;
    this.history.record(Op.QueueAck, this.sim.nowUs, m.msg, c.actorId, m.deliveries, m.handle, this.actorId);
    this.metrics.acked++;
    this.levels();
  }

  /** An in-flight message becomes deliverable again. */
  protected giveBack(m: QueueMessage, reason: number): void {
    if (m.timer) this.sim.cancel(m.timer);
    m.timer = 0;
    m.holder = -1;
    this.inFlightCount--;
    m.readySinceUs = this.sim.nowUs;
    this.history.record(Op.QueueReturn, this.sim.nowUs, m.msg, this.actorId, reason, m.handle);
    this.addReady(m, true);
    this.readyCount++;
    this.levels();
  }

  /**
   * The message leaves without an ack: to the dead-letter target if there is one, else dropped. `wasReady`
   * says which count it leaves (it must already be out of the ready structure, or skipped lazily later).
   */
  protected deadLetter(m: QueueMessage, reason: DeadLetterReason, wasReady: boolean): void {
    if (m.timer) this.sim.cancel(m.timer);
    m.timer = 0;
    this.forgetMessage(m);
    if (wasReady) this.readyCount--;
    else this.inFlightCount--;
    m.holder = -2;
    const now = this.sim.nowUs;
    const target = reason === DeadLetterReason.Retention ? undefined : this.routeDeadLetter(m, reason);
    if (target) {
      this.history.record(Op.QueueDeadLetter, now, m.msg, this.actorId, reason, m.deliveries, target.actorId);
      this.metrics.deadLettered++;
      this.levels();
      target.acceptMoved(m, this);
    } else {
      this.history.record(Op.QueueDrop, now, m.msg, this.actorId, reason, m.deliveries);
      this.metrics.dropped++;
      this.levels();
    }
  }

  /** Where a dead letter goes (undefined: dropped). RabbitMQ adds its x-death headers and drops dead-letter cycles here. */
  protected routeDeadLetter(_m: QueueMessage, _reason: DeadLetterReason): QueueBase | undefined {
    return this.deadLetterTarget;
  }

  /** Removes the oldest message for a redrive task; undefined when nothing waits. */
  takeOldestForRedrive(): QueueMessage | undefined {
    for (const m of this.held.values()) {
      if (m.holder !== -1 || m.timer) continue;
      this.forgetMessage(m);
      this.readyCount--;
      m.holder = -2;
      this.levels();
      return m;
    }
    return undefined;
  }

  /** Messages waiting here (not in flight, not delayed) that entered at or after `fromUs` and before `toUs`, oldest first. */
  waitingEnteredBetween(fromUs: number, toUs: number): number[] {
    const out: number[] = [];
    for (const m of this.held.values()) if (m.holder === -1 && !m.timer && m.enqueuedUs >= fromUs && m.enqueuedUs < toUs) out.push(m.msg);
    return out;
  }

  /** Removes one waiting message for an operator's redrive; undefined when it no longer waits here. */
  takeForRedrive(msg: number): QueueMessage | undefined {
    const m = this.held.get(msg);
    if (m === undefined || m.holder !== -1 || m.timer) return undefined;
    this.forget(msg);
    this.readyCount--;
    m.holder = -2;
    this.levels();
    return m;
  }

  census(): void {
    this.metrics.advance(this.sim.nowUs);
    for (const m of this.held.values()) {
      this.history.record(Op.QueueResidual, this.sim.nowUs, m.msg, this.actorId, m.holder >= 0 ? 1 : 0, m.deliveries);
      // The report's dead-letter triage: the first few held dead letters with their x-death.
      if (m.deaths && this.metrics.deadLetters.length < DEAD_LETTER_SAMPLES) {
        this.metrics.deadLetters.push({ msg: m.msg, key: this.history.keyNames[m.key], xDeath: formatDeaths(m.deaths, (us) => `${(us / 1e6).toFixed(3)}s`) });
      }
    }
  }
}
