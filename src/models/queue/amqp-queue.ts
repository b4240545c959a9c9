// A RabbitMQ queue (AMQP 0-9-1, semantics.md §5), classic or quorum. The broker pushes deliveries to
// consumers up to each one's prefetch (basic.qos global=false: per consumer), round-robin. ack removes;
// nack/reject with requeue puts the message back — a classic queue at its original position (so it is near
// the head), a quorum queue into a "returns" list served before new messages; without requeue it is
// dead-lettered (reason rejected) or dropped. A consumer whose channel closes (crash) has every unacked
// delivery requeued. Quorum queues count returns toward the delivery limit (default 20) and dead-letter past
// it: from 4.3 only failed deliveries (channel/connection loss, consumer_timeout) count, before that every
// return. TTL (per queue and per message, the smaller applies) is enforced only at the head; max-length drops
// the head (reason maxlen). Dead letters carry x-death headers (amqp-dead-letter.ts). A double or unknown
// delivery tag is a channel error: PRECONDITION_FAILED closes the channel and requeues its other deliveries.
// Publisher confirms wait for the fsync batch (classic, durable + persistent) or the quorum commit.
import type { Simulation } from "../../kernel/sim.ts";
import { Op } from "../../history/history.ts";
import { Deque } from "./deque.ts";
import { isAutomaticCycle, withDeath, type DeadLetterExchange } from "./amqp-dead-letter.ts";
import { QueueBase, type QueueContext } from "./queue-base.ts";
import {
  DeadLetterReason,
  PRECONDITION_FAILED,
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
  /** Quorum, RabbitMQ 4.3+: only failed deliveries count toward the delivery limit (false: 4.0–4.2, every return). */
  failedDeliveriesOnly?: boolean;
  /** The dead-letter exchange (name in x-death) and the routing key it substitutes. */
  dlx?: DeadLetterExchange;
  /** Publisher confirms. Classic: a durable queue confirms persistent messages at its next fsync, batched. */
  durable?: boolean;
  fsyncIntervalUs?: number;
  /** Quorum: the confirm waits for a quorum of replicas to have the message (replicas are not modelled). */
  quorumCommitUs?: number;
}

/** rabbit_amqqueue_process SYNC_INTERVAL: a classic queue fsyncs pending persistent messages this long after the first. */
export const CLASSIC_FSYNC_INTERVAL_US = 200_000;
/** Modelled replica round trip + WAL write before a quorum queue commits (our assumption, not a RabbitMQ constant). */
export const QUORUM_COMMIT_US = 2_000;

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
  /** The channel each consumer consumes on now (its QueueConsumerPort.channel at attach). */
  private readonly chan: number[] = [];
  /** End of the open fsync batch (classic), -1 when none is open. */
  private fsyncAtUs = -1;
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

  /**
   * The publisher confirm: a quorum queue after a quorum of replicas has the message; a durable classic queue,
   * for a persistent message, at the fsync that ends the current batch (opened by the first message waiting
   * for one); otherwise at once.
   */
  confirmAtUs(persistent: boolean): number {
    const now = this.sim.nowUs;
    if (this.config.quorum) return now + (this.config.quorumCommitUs ?? QUORUM_COMMIT_US);
    if (!persistent || this.config.durable === false) return now;
    if (this.fsyncAtUs < now) this.fsyncAtUs = now + (this.config.fsyncIntervalUs ?? CLASSIC_FSYNC_INTERVAL_US);
    return this.fsyncAtUs;
  }

  /** Adds x-death to the dead letter, or drops it when this closes a cycle with no rejection in it. */
  protected override routeDeadLetter(m: QueueMessage, reason: DeadLetterReason): QueueBase | undefined {
    const target = this.deadLetterTarget;
    if (!target) return undefined;
    const route = m.deaths?.route ?? { exchange: "", routingKey: this.history.keyNames[m.key] };
    const headers = withDeath(m.deaths, route, this.config.dlx ?? { exchange: "" }, this.name, reason, this.sim.nowUs, m.ttlUs);
    if (isAutomaticCycle(headers, target.name, reason)) return undefined;
    m.deaths = headers;
    return target;
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
    // consumer_timeout is a PRECONDITION_FAILED channel error too; the client reopens a channel.
    for (const i of [...late].sort((a, b) => a - b)) this.closeChannel(i, -1, ReturnReason.AckTimeout);
    this.dispatch();
  };

  /**
   * The broker closes consumer i's channel (PRECONDITION_FAILED): a history row, every unacked delivery of the
   * channel requeued (redelivered), and the client told so it can open a new channel and consume again.
   */
  private closeChannel(i: number, tag: number, reason: ReturnReason): void {
    const c = this.consumers[i];
    this.history.record(Op.QueueChannelClosed, this.sim.nowUs, -1, c.actorId, PRECONDITION_FAILED, tag, this.actorId);
    const mine = [...this.held.values()].filter((m) => m.holder === i).sort((a, b) => a.handle - b.handle);
    for (const m of mine) this.requeue(m, reason);
    this.unacked[i] = 0;
    // A client that cannot be told (a bare port in tests) is taken to reopen at once.
    if (c.channelClosed) {
      this.up[i] = false;
      c.channelClosed(PRECONDITION_FAILED);
    }
  }

  settle(c: QueueConsumerPort, msg: number, handle: number, how: Settlement, channel?: number): void {
    // Sent on a channel that has closed since (or a connection that died): it never arrives.
    if (c.index < 0 || !this.up[c.index] || (channel !== undefined && channel !== this.chan[c.index])) return;
    const m = this.held.get(msg);
    if (!m || m.handle !== handle || m.holder !== c.index) {
      // A tag this channel does not hold (acked already, or from a channel that closed): channel error.
      this.closeChannel(c.index, handle, ReturnReason.ChannelError);
      this.dispatch();
      return;
    }
    this.unacked[c.index]--;
    if (how === "ack" || how === "retry-later") this.remove(m, c);
    else if (how === "reject") this.deadLetter(m, DeadLetterReason.Rejected, false);
    else if (how === "requeue") this.requeue(m, ReturnReason.Requeue);
    // "abandon": RabbitMQ has no visibility timeout, the delivery stays unacked until the channel closes.
    else this.unacked[c.index]++;
    this.dispatch();
  }

  private requeue(m: QueueMessage, reason: ReturnReason): void {
    // 4.3+: a nack with requeue is not a failed delivery (x-acquired-count still counts the hand-out).
    const counts = !this.config.failedDeliveriesOnly || reason !== ReturnReason.Requeue;
    if (this.config.quorum && counts) {
      m.returns++;
      if (this.config.deliveryLimit >= 0 && m.returns > this.config.deliveryLimit) {
        this.deadLetter(m, DeadLetterReason.DeliveryLimit, false);
        return;
      }
    }
    this.giveBack(m, reason);
  }

  attach(c: QueueConsumerPort): boolean {
    const i = this.consumers.indexOf(c);
    if (i >= 0) {
      this.up[i] = true;
      this.chan[i] = c.channel ?? 0;
    } else {
      c.index = this.consumers.length;
      this.consumers.push(c);
      this.unacked.push(0);
      this.up.push(true);
      this.chan.push(c.channel ?? 0);
    }
    this.dispatch();
    return true;
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
