// Amazon SQS standard queue (semantics.md §4). Receiving never deletes: a received message is invisible for
// the visibility timeout (queue default or per receive, changeable with ChangeMessageVisibility, 12 h cap from
// the first receive) and comes back if not deleted in time. Each receive issues a new receipt handle; only
// the latest one deletes. Messages are spread over servers: long polling asks them all and answers as soon
// as something is there; short polling samples a random subset and may answer empty while messages exist.
// Order is best effort, and a deleted message can come back once in a while (at-least-once). At the in-flight
// cap a short poll is answered with an OverLimit error (a long poll just gets nothing); FIFO never errors.
import type { Rng } from "../../kernel/rng.ts";
import { Op } from "../../history/history.ts";
import { Deque } from "./deque.ts";
import { QueueBase, type QueueContext } from "./queue-base.ts";
import {
  DeadLetterReason,
  ReturnReason,
  type Delivery,
  type QueueConsumerPort,
  type QueueMessage,
  type QueueService,
  type ReceiveDone,
  type Settlement,
} from "./queue-types.ts";

export const SQS_MAX_VISIBILITY_US = 43_200_000_000;

export interface SqsConfig {
  visibilityTimeoutUs: number;
  delayUs: number;
  retentionUs: number;
  /** Redrive policy: at most this many receives, then the message moves to the DLQ. undefined: none. */
  maxReceiveCount?: number;
  /** Messages in flight beyond which receives return nothing. */
  inFlightLimit: number;
  /** Standard only: servers the messages are spread over (short polling samples them). */
  servers: number;
  /** Standard only: probability a deleted message comes back once (a stale copy on another server). */
  duplicateProbability: number;
}

interface Waiter {
  c: QueueConsumerPort;
  max: number;
  done: ReceiveDone;
  timer: number;
  visibilityUs: number;
  tag: number;
}

export class SqsQueue extends QueueBase implements QueueService {
  private readonly servers: Deque<QueueMessage>[];
  private readonly waiters = new Deque<Waiter>();
  private readonly visibilityKind: number;
  /**
   * The list take() fills, reused from one receive to the next (a fresh one per receive was two growths of a
   * backing store); undefined while lent out, so a receive nested in a hand-out (a dead letter moved to a queue
   * that answers a waiter) takes a fresh one.
   */
  private spare: QueueMessage[] | undefined = [];

  constructor(
    name: string,
    kind: string,
    ctx: QueueContext,
    protected readonly config: SqsConfig,
    protected readonly rng: Rng,
  ) {
    super(name, kind, ctx);
    this.servers = Array.from({ length: Math.max(1, config.servers) }, () => new Deque<QueueMessage>());
    this.visibilityKind = ctx.sim.registerKind("sqs.visibility-expired");
  }

  enqueue(msg: number, key: number, sentUs: number, opts?: { ttlUs?: number; dedupId?: string }): boolean {
    void opts;
    this.store(msg, key, sentUs, undefined, -1, this.config.delayUs);
    return true;
  }

  protected expiryFor(sentUs: number, _ttl: number | undefined, _moved: boolean): number {
    // Standard queues keep the original send time, also in the DLQ (so DLQ retention must be longer).
    return sentUs + this.config.retentionUs;
  }

  protected addReady(m: QueueMessage, _returned: boolean): void {
    this.servers[m.msg % this.servers.length].push(m);
  }

  /** Pops the next deliverable message of one server, dropping expired ones on the way. */
  private popServer(s: Deque<QueueMessage>): QueueMessage | undefined {
    for (;;) {
      const m = s.shift();
      if (m === undefined) return undefined;
      if (!this.live(m) || m.holder !== -1) continue;
      if (this.sim.nowUs >= m.expiresAtUs) {
        this.deadLetter(m, DeadLetterReason.Retention, true);
        continue;
      }
      return m;
    }
  }

  /** Chooses up to `max` messages: long polling takes the oldest heads across servers, short polling a sample. */
  protected take(max: number, short: boolean): QueueMessage[] {
    const out = this.pickList();
    const room = this.config.inFlightLimit - this.inFlightCount;
    const want = Math.min(max, room);
    if (want <= 0) return out;
    const n = this.servers.length;
    if (short && n > 1) {
      // A weighted-random subset: each server answers with probability 1/2 (at least one asked).
      const first = this.rng.int(n);
      for (let i = 0; i < n && out.length < want; i++) {
        const s = (first + i) % n;
        if (i > 0 && !this.rng.bernoulli(0.5)) continue;
        for (let m = this.popServer(this.servers[s]); m; m = out.length + 1 < want ? this.popServer(this.servers[s]) : undefined) {
          out.push(m);
        }
      }
      return out;
    }
    while (out.length < want) {
      // Long polling asks every server and takes the longest-waiting head: order is close to, not exactly, FIFO.
      let best = -1;
      let bestHead: QueueMessage | undefined;
      for (let s = 0; s < n; s++) {
        const d = this.servers[s];
        let h = d.peek();
        while (h !== undefined && (!this.live(h) || h.holder !== -1)) {
          d.shift();
          h = d.peek();
        }
        if (h !== undefined && (!bestHead || h.readySinceUs < bestHead.readySinceUs || (h.readySinceUs === bestHead.readySinceUs && h.seq < bestHead.seq))) {
          best = s;
          bestHead = h;
        }
      }
      if (best < 0) break;
      const m = this.popServer(this.servers[best]);
      if (m) out.push(m);
    }
    return out;
  }

  /** An empty list for take() to fill; deliverBatch gives it back. */
  protected pickList(): QueueMessage[] {
    const list = this.spare;
    if (list === undefined) return [];
    this.spare = undefined;
    return list;
  }

  /** Hands out what `take` chose, applying the redrive policy first. */
  protected deliverBatch(c: QueueConsumerPort, picked: QueueMessage[], visibilityUs: number): Delivery[] {
    // Sized once: the batch travels to the consumer, and pushing into [] grew a 17-entry store for one message.
    const out = new Array<Delivery>(picked.length);
    let n = 0;
    const max = this.config.maxReceiveCount;
    for (let i = 0; i < picked.length; i++) {
      const m = picked[i];
      if (max !== undefined && m.deliveries + 1 > max) {
        // The receive count would pass maxReceiveCount: moved instead of delivered.
        this.deadLetter(m, DeadLetterReason.MaxReceiveCount, true);
        continue;
      }
      out[n++] = this.handOut(m, c);
      m.timer = this.sim.after(visibilityUs, this.onVisibilityExpired, m, this.visibilityKind, m.msg);
      this.onHandedOut(m);
    }
    // Emptied by pop: `length = 0` would free the backing store the reuse is for.
    while (picked.length > 0) picked.pop();
    this.spare = picked;
    if (n < out.length) out.length = n;
    if (n) this.levels();
    return out;
  }

  /** FIFO blocks the group here. */
  protected onHandedOut(_m: QueueMessage): void {}

  /** A standard queue answers a short poll at the in-flight cap with OverLimit; FIFO returns nothing instead. */
  protected readonly overLimitErrors: boolean = true;

  receive(
    c: QueueConsumerPort,
    max: number,
    waitUs: number,
    done: ReceiveDone,
    visibilityUs = this.config.visibilityTimeoutUs,
    tag = 0,
  ): void {
    if (waitUs === 0 && this.overLimitErrors && this.inFlightCount >= this.config.inFlightLimit) {
      this.history.record(Op.QueueReceiveError, this.sim.nowUs, -1, c.actorId, 0, this.inFlightCount, this.actorId);
      done([], "OverLimit", tag);
      return;
    }
    const batch = this.deliverBatch(c, this.take(max, waitUs === 0), visibilityUs);
    if (batch.length > 0 || waitUs === 0) {
      done(batch, undefined, tag);
      return;
    }
    const w: Waiter = { c, max, done, timer: 0, visibilityUs, tag };
    w.timer = this.sim.after(waitUs, this.onWaitOver, w);
    this.waiters.push(w);
  }

  private readonly onWaitOver = (w: Waiter): void => {
    if (w.timer === 0) return;
    w.timer = 0;
    w.done([], undefined, w.tag);
  };

  protected dispatch(): void {
    while (this.waiters.size > 0 && this.readyCount > 0) {
      const w = this.waiters.peek()!;
      if (w.timer === 0) {
        this.waiters.shift();
        continue;
      }
      const batch = this.deliverBatch(w.c, this.take(w.max, false), w.visibilityUs);
      if (batch.length === 0) return;
      this.waiters.shift();
      this.sim.cancel(w.timer);
      w.timer = 0;
      w.done(batch, undefined, w.tag);
    }
  }

  private readonly onVisibilityExpired = (m: QueueMessage): void => {
    m.timer = 0;
    if (!this.live(m) || m.holder < 0) return;
    this.onReleased(m);
    this.giveBack(m, ReturnReason.VisibilityTimeout);
    this.dispatch();
  };

  /** FIFO unblocks the group here. */
  protected onReleased(_m: QueueMessage): void {}

  changeVisibility(c: QueueConsumerPort, msg: number, handle: number, timeoutUs: number): boolean {
    const m = this.held.get(msg);
    const now = this.sim.nowUs;
    if (!m || m.handle !== handle || m.holder < 0) return false;
    if (now + timeoutUs - m.firstReceiveUs > SQS_MAX_VISIBILITY_US) return false;
    this.history.record(Op.QueueVisibilityChange, now, msg, c.actorId, -1, timeoutUs, this.actorId);
    if (m.timer) this.sim.cancel(m.timer);
    m.timer = 0;
    if (timeoutUs === 0) {
      this.onReleased(m);
      this.giveBack(m, ReturnReason.Requeue);
      this.dispatch();
    } else {
      m.timer = this.sim.after(timeoutUs, this.onVisibilityExpired, m, this.visibilityKind, m.msg);
    }
    return true;
  }

  settle(c: QueueConsumerPort, msg: number, handle: number, how: Settlement): void {
    if (how === "requeue") {
      this.changeVisibility(c, msg, handle, 0);
      return;
    }
    if (how !== "ack") return; // SQS has no reject: an unhandled message waits for its visibility timeout.
    const m = this.held.get(msg);
    if (!m || m.handle !== handle) {
      // Answered with success, but an old handle deletes nothing (the message was received again since).
      this.history.record(Op.QueueAckStale, this.sim.nowUs, msg, c.actorId, m ? m.deliveries : -1, handle, this.actorId);
      return;
    }
    const wasInFlight = m.holder >= 0;
    if (wasInFlight) this.onReleased(m);
    this.remove(m, c);
    if (this.config.duplicateProbability > 0 && this.rng.bernoulli(this.config.duplicateProbability)) {
      // A copy that a briefly unavailable server still held reappears after a visibility timeout.
      this.sim.after(this.config.visibilityTimeoutUs, this.onGhost, m);
    }
    this.dispatch();
  }

  private readonly onGhost = (old: QueueMessage): void => {
    if (this.held.has(old.msg)) return;
    const m = this.store(old.msg, old.key, old.sentUs, undefined, -1);
    m.deliveries = old.deliveries;
    this.history.record(Op.QueueReturn, this.sim.nowUs, m.msg, this.actorId, ReturnReason.StandardDuplicate, -1);
  };

  attach(c: QueueConsumerPort): boolean {
    if (c.index < 0) {
      c.index = this.consumers.length;
      this.consumers.push(c);
    }
    return true;
  }

  /** SQS does not know its consumers: a crashed one's messages come back when their visibility runs out. */
  detach(_c: QueueConsumerPort, _crashed: boolean): void {
    for (let i = 0; i < this.waiters.size; i++) {
      const w = this.waiters.at(i);
      if (w.c === _c && w.timer) {
        this.sim.cancel(w.timer);
        w.timer = 0;
      }
    }
  }
}
