// A RabbitMQ queue (AMQP 0-9-1, semantics.md §5), classic or quorum. The broker pushes deliveries to
// consumers up to each one's prefetch (basic.qos global=false: per consumer), round-robin. ack removes;
// nack/reject with requeue puts the message back — a classic queue at its original position (so it is near
// the head), a quorum queue into a "returns" list served before new messages; without requeue it is
// dead-lettered (reason rejected) or dropped. A consumer whose channel closes (crash) has every unacked
// delivery requeued. Quorum queues count failed deliveries and dead-letter past the delivery limit (default
// 20). TTL (per queue and per message, the smaller applies) is enforced only at the head; max-length drops
// the head (reason maxlen).
import type { Simulation } from "../../kernel/sim.ts";
import { Deque } from "./deque.ts";
import { QueueBase, type QueueContext } from "./queue-base.ts";
import {
  DeadLetterReason,
  ReturnReason,
  type Delivery,
  type QueueConsumerPort,
  type QueueMessage,
  type QueueService,
  type Settlement,
} from "./queue-types.ts";

export interface AmqpConfig {
  quorum: boolean;
  /** x-message-ttl in µs; undefined: none. */
  messageTtlUs?: number;
  /** x-max-length; undefined: unbounded. */
  maxLength?: number;
  /** Quorum x-delivery-limit; -1 disables. */
  deliveryLimit: number;
  /** consumer_timeout: a delivery unacknowledged this long closes its channel (default 30 min). */
  consumerTimeoutUs?: number;
}

/** RabbitMQ checks consumer_timeout periodically rather than per delivery. */
const CONSUMER_TIMEOUT_CHECK_US = 60_000_000;

/** Ready messages of a classic queue, smallest enqueue sequence first (a requeue goes back to its place). */
class SeqHeap {
  private readonly a: QueueMessage[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): QueueMessage | undefined {
    return this.a[0];
  }
  push(m: QueueMessage): void {
    const a = this.a;
    let i = a.push(m) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].seq <= m.seq) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = m;
  }
  pop(): QueueMessage | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r].seq < a[l].seq ? r : l;
        if (a[c].seq >= last.seq) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

export class AmqpQueue extends QueueBase implements QueueService {
  private readonly classicReady = new SeqHeap();
  private readonly returns = new Deque<QueueMessage>();
  private readonly fresh = new Deque<QueueMessage>();
  private readonly unacked: number[] = [];
  private readonly up: boolean[] = [];
  private rr = 0;
  private headTimer = 0;
  private headTimerAt = Infinity;
  private readonly sim_: Simulation;
  private timeoutTick = 0;

  constructor(
    name: string,
    kind: string,
    ctx: QueueContext,
    private readonly config: AmqpConfig,
  ) {
    super(name, kind, ctx);
    this.sim_ = ctx.sim;
  }

  enqueue(msg: number, key: number, sentUs: number, opts?: { ttlUs?: number; dedupId?: string }): boolean {
    this.store(msg, key, sentUs, opts?.ttlUs, -1);
    return true;
  }

  protected expiryFor(_sentUs: number, ttlUs: number | undefined, moved: boolean): number {
    // The smaller of queue and message TTL applies; dead-lettering strips the message TTL.
    const q = this.config.messageTtlUs ?? Infinity;
    const t = moved ? Infinity : (ttlUs ?? Infinity);
    const ttl = Math.min(q, t);
    return ttl === Infinity ? Infinity : this.sim_.nowUs + ttl;
  }

  protected addReady(m: QueueMessage, returned: boolean): void {
    if (!this.config.quorum) this.classicReady.push(m);
    else if (returned) this.returns.push(m);
    else this.fresh.push(m);
    if (!returned && this.config.maxLength !== undefined) {
      // Overflow drop-head: the oldest waiting message goes (dead-lettered with reason maxlen).
      while (this.readyCount + 1 > this.config.maxLength) {
        const head = this.popHead();
        if (!head) break;
        this.deadLetter(head, DeadLetterReason.Maxlen, true);
      }
    }
  }

  /** The next waiting message in delivery order, removed; skips entries that left by another path. */
  private popHead(): QueueMessage | undefined {
    for (;;) {
      let m: QueueMessage | undefined;
      if (!this.config.quorum) m = this.classicReady.pop();
      else m = this.returns.size > 0 ? this.returns.shift() : this.fresh.shift();
      if (m === undefined) return undefined;
      if (this.live(m) && m.holder === -1) return m;
    }
  }

  private peekHead(): QueueMessage | undefined {
    for (;;) {
      let m: QueueMessage | undefined;
      if (!this.config.quorum) m = this.classicReady.peek();
      else m = this.returns.size > 0 ? this.returns.peek() : this.fresh.peek();
      if (m === undefined) return undefined;
      if (this.live(m) && m.holder === -1) return m;
      if (!this.config.quorum) this.classicReady.pop();
      else if (this.returns.size > 0) this.returns.shift();
      else this.fresh.shift();
    }
  }

  /** Expired messages leave only from the head (they may sit behind a long-lived head meanwhile). */
  private expireHead(): void {
    const now = this.sim.nowUs;
    for (let h = this.peekHead(); h !== undefined && h.expiresAtUs <= now; h = this.peekHead()) {
      this.popHead();
      this.deadLetter(h, DeadLetterReason.Expired, true);
    }
    const h = this.peekHead();
    const at = h ? h.expiresAtUs : Infinity;
    if (at !== Infinity && at !== this.headTimerAt) {
      if (this.headTimer) this.sim.cancel(this.headTimer);
      this.headTimerAt = at;
      this.headTimer = this.sim.at(Math.max(now, at), this.onHeadTimer);
    }
  }

  private readonly onHeadTimer = (): void => {
    this.headTimer = 0;
    this.headTimerAt = Infinity;
    this.expireHead();
    this.dispatch();
  };

  private hasCredit(i: number): boolean {
    const c = this.consumers[i];
    return this.up[i] && (c.prefetch === 0 || this.unacked[i] < c.prefetch);
  }

  protected dispatch(): void {
    const n = this.consumers.length;
    this.expireHead();
    while (this.readyCount > 0 && n > 0) {
      let chosen = -1;
      for (let k = 0; k < n; k++) {
        const i = (this.rr + k) % n;
        if (this.hasCredit(i)) {
          chosen = i;
          break;
        }
      }
      if (chosen < 0) return;
      const m = this.popHead();
      if (!m) return;
      if (m.expiresAtUs <= this.sim.nowUs) {
        this.deadLetter(m, DeadLetterReason.Expired, true);
        continue;
      }
      this.rr = (chosen + 1) % n;
      const c = this.consumers[chosen];
      this.unacked[chosen]++;
      const d: Delivery = this.handOut(m, c);
      this.levels();
      c.deliver([d]);
      this.expireHead();
    }
    if (this.timeoutTick === 0 && this.inFlightCount > 0) {
      this.timeoutTick = this.sim.after(CONSUMER_TIMEOUT_CHECK_US, this.onTimeoutCheck);
    }
  }

  /** A delivery older than consumer_timeout closes its consumer's channel: all its deliveries are requeued. */
  private readonly onTimeoutCheck = (): void => {
    this.timeoutTick = 0;
    const limit = this.config.consumerTimeoutUs ?? 1_800_000_000;
    const now = this.sim.nowUs;
    const late = new Set<number>();
    for (const m of this.held.values()) if (m.holder >= 0 && now - m.lastDeliveredUs >= limit) late.add(m.holder);
    // The client library reopens the channel at once and consumes again.
    for (const i of [...late].sort((a, b) => a - b)) {
      const mine = [...this.held.values()].filter((m) => m.holder === i).sort((a, b) => a.handle - b.handle);
      for (const m of mine) this.requeue(m, ReturnReason.AckTimeout);
      this.unacked[i] = 0;
    }
    this.dispatch();
  };

  settle(c: QueueConsumerPort, msg: number, handle: number, how: Settlement): void {
    const m = this.held.get(msg);
    // An unknown or already settled tag is a channel error in RabbitMQ; the model ignores it (crash raced it).
    if (!m || m.handle !== handle || m.holder !== c.index) return;
    this.unacked[c.index]--;
    if (how === "ack" || how === "retry-later") this.remove(m, c);
    else if (how === "reject") this.deadLetter(m, DeadLetterReason.Rejected, false);
    else if (how === "requeue") this.requeue(m, ReturnReason.Requeue);
    // "abandon": RabbitMQ has no visibility timeout, the delivery stays unacked until the channel closes.
    else this.unacked[c.index]++;
    this.dispatch();
  }

  private requeue(m: QueueMessage, reason: ReturnReason): void {
    if (this.config.quorum) {
      m.returns++;
      if (this.config.deliveryLimit >= 0 && m.returns > this.config.deliveryLimit) {
        this.deadLetter(m, DeadLetterReason.DeliveryLimit, false);
        return;
      }
    }
    this.giveBack(m, reason);
  }

  attach(c: QueueConsumerPort): void {
    const i = this.consumers.indexOf(c);
    if (i >= 0) {
      this.up[i] = true;
    } else {
      c.index = this.consumers.length;
      this.consumers.push(c);
      this.unacked.push(0);
      this.up.push(true);
    }
    this.dispatch();
  }

  /** The channel closed: every unacknowledged delivery of this consumer is requeued, oldest first. */
  detach(c: QueueConsumerPort, _crashed: boolean): void {
    if (c.index < 0 || !this.up[c.index]) return;
    this.up[c.index] = false;
    const mine = [...this.held.values()].filter((m) => m.holder === c.index).sort((a, b) => a.handle - b.handle);
    for (const m of mine) this.requeue(m, ReturnReason.ConsumerCrash);
    this.unacked[c.index] = 0;
    this.dispatch();
  }
}
