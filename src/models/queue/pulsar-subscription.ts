// One Pulsar subscription on a partitioned topic (semantics.md §6). Keys pick partitions (JavaStringHash).
// Exclusive: one consumer gets everything. Failover: partition i goes to the i mod n-th live consumer sorted
// by name; on a switch the leaver's unacked messages go to the next one. Shared: round-robin over consumers
// with permits (receiver queue), no order. Key_Shared: Murmur3(key) mod 65536 on a consistent-hash ring of
// live consumers; a key is not given to a new owner while an earlier delivery of it is still unacked
// elsewhere, which keeps per-key order across membership changes; dispatch reads up to 100 entries past a
// key whose consumer has no permits. Negative acks come back after the
// redelivery delay (1 min), unacked deliveries after ackTimeout (checked on a 1 s tick). With a dead-letter
// policy a message nacked or timed out again after maxRedeliverCount redeliveries goes to the DLQ, so it
// was delivered maxRedeliverCount + 1 times. Redeliveries are served before new messages, in message order.
// reconsumeLater goes through the retry letter topic (pulsar-retry.ts). An Exclusive subscription refuses a
// second consumer (ConsumerBusy) instead of keeping it as an idle member.
import { Op } from "../../history/history.ts";
import { Deque } from "./deque.ts";
import { QueueBase, type QueueContext } from "./queue-base.ts";
import { pulsarKeyHash, keySharedSlot, murmur3_32 } from "./pulsar-hash.ts";
import { RETRY_WITHOUT_POLICY_MAX, RetryPorts } from "./pulsar-retry.ts";
import {
  DeadLetterReason,
  ReturnReason,
  type QueueConsumerPort,
  type QueueMessage,
  type QueueService,
  type RetryProperties,
  type Settlement,
} from "./queue-types.ts";

export interface PulsarConfig {
  partitions: number;
  subscription: "exclusive" | "failover" | "shared" | "key_shared";
  ackTimeoutUs: number;
  negativeAckDelayUs: number;
  maxRedeliverCount?: number;
}

const ACK_TIMEOUT_TICK_US = 1_000_000;
/** How far Key_Shared dispatch reads past a blocked message (a broker read batch is at most 100 entries). */
const KEY_SHARED_LOOKAHEAD = 100;
const RING_POINTS = 100;
const encoder = new TextEncoder();

interface Partition {
  fresh: Deque<QueueMessage>;
  /** Messages to redeliver, kept sorted by enqueue sequence (Pulsar redelivers in message-id order). */
  redeliver: QueueMessage[];
}

export class PulsarSubscription extends QueueBase implements QueueService {
  private readonly parts: Partition[];
  private readonly up: boolean[] = [];
  private liveByName: number[] | undefined;
  /** dispatchKeyShared's scan state: keys skipped in this partition's window, messages seen, anything handed out. */
  private readonly ksBlocked = new Set<number>();
  private ksSeen = 0;
  private ksProgress = false;
  private readonly keySlots: number[] = [];
  private readonly unacked: number[] = [];
  private rr = 0;
  private ring: { point: number; consumer: number }[] = [];
  /** Key_Shared: unacked deliveries per key and who holds them. */
  private readonly keyUnacked = new Map<number, { count: number; consumer: number }>();
  private tick = 0;
  /** The retry letter topic's subscription (enableRetry); the retry topic itself republishes to itself. */
  private retry?: PulsarSubscription;
  private readonly retryPorts = new RetryPorts();

  constructor(
    name: string,
    kind: string,
    ctx: QueueContext,
    private readonly config: PulsarConfig,
  ) {
    super(name, kind, ctx);
    this.parts = Array.from({ length: config.partitions }, () => ({ fresh: new Deque<QueueMessage>(), redeliver: [] }));
  }

  enqueue(msg: number, key: number, sentUs: number): boolean {
    this.store(msg, key, sentUs, undefined, -1);
    return true;
  }

  /** enableRetry: consumers of this subscription also consume `retryTopic` (built with the same subscription type). */
  enableRetry(retryTopic: PulsarSubscription): void {
    this.retry = retryTopic;
    retryTopic.retry = retryTopic;
  }

  /**
   * reconsumeLater: the message is acknowledged here and a copy with RECONSUMETIMES + 1 goes to the retry topic,
   * delivered after the delay; past the maximum the copy goes to the dead-letter topic instead.
   */
  private reconsumeLater(m: QueueMessage, c: QueueConsumerPort): void {
    this.release(m);
    const next = m.reconsumes + 1;
    const max = this.config.maxRedeliverCount ?? RETRY_WITHOUT_POLICY_MAX;
    if (next > max) {
      this.deadLetter(m, DeadLetterReason.MaxRedeliverCount, false);
      return;
    }
    const target = this.retry ?? this;
    const delayUs = c.retryDelayUs ?? this.config.negativeAckDelayUs;
    this.remove(m, c);
    this.history.record(Op.QueueRetryPublish, this.sim.nowUs, m.msg, this.actorId, next, delayUs, target.actorId);
    const props = { RECONSUMETIMES: next, DELAY_TIME: delayUs / 1000, REAL_TOPIC: m.retryProps?.REAL_TOPIC ?? this.name, ORIGIN_MESSAGE_ID: m.msg };
    target.acceptRetry(m, props, delayUs);
  }

  /** The retry topic stores the copy (same message id: the same logical message), deliverable after the delay. */
  private acceptRetry(m: QueueMessage, props: RetryProperties, delayUs: number): void {
    this.store(m.msg, m.key, m.sentUs, undefined, -1, delayUs, (copy) => {
      copy.reconsumes = props.RECONSUMETIMES;
      copy.retryProps = props;
      copy.priorDeliveries = m.priorDeliveries + m.deliveries;
    });
  }

  protected expiryFor(): number {
    return Infinity;
  }

  private partitionOf(m: QueueMessage): Partition {
    return this.parts[pulsarKeyHash(this.history.keyNames[m.key]) % this.parts.length];
  }

  protected addReady(m: QueueMessage, returned: boolean): void {
    const p = this.partitionOf(m);
    if (!returned) {
      p.fresh.push(m);
      return;
    }
    const r = p.redeliver;
    let i = r.length;
    while (i > 0 && r[i - 1].seq > m.seq) i--;
    r.splice(i, 0, m);
  }

  private head(p: Partition): QueueMessage | undefined {
    while (p.redeliver.length > 0) {
      const m = p.redeliver[0];
      if (this.live(m) && m.holder === -1) return m;
      p.redeliver.shift();
    }
    for (let m = p.fresh.peek(); m !== undefined; m = p.fresh.peek()) {
      if (this.live(m) && m.holder === -1) return m;
      p.fresh.shift();
    }
    return undefined;
  }

  private pop(p: Partition, m: QueueMessage): void {
    if (p.redeliver[0] === m) p.redeliver.shift();
    else p.fresh.shift();
  }

  /** The live consumers by name; recomputed only after a consumer comes or goes (`up` changes). */
  private liveSorted(): readonly number[] {
    if (this.liveByName === undefined) {
      const idx = this.consumers.map((_, i) => i).filter((i) => this.up[i]);
      this.liveByName = idx.sort((a, b) => (this.consumers[a].name < this.consumers[b].name ? -1 : 1));
    }
    return this.liveByName;
  }

  /** Key_Shared's hash slot of an interned key, computed once per key (murmur3 over its UTF-8 bytes). */
  private slotOf(key: number): number {
    let slot = this.keySlots[key];
    if (slot === undefined) this.keySlots[key] = slot = keySharedSlot(this.history.keyNames[key]);
    return slot;
  }

  private rebuildRing(): void {
    this.ring = [];
    for (const i of this.liveSorted()) {
      for (let k = 0; k < RING_POINTS; k++) {
        this.ring.push({ point: murmur3_32(encoder.encode(`${this.consumers[i].name}#${k}`)) % 65536, consumer: i });
      }
    }
    this.ring.sort((a, b) => a.point - b.point || a.consumer - b.consumer);
  }

  private hasPermits(i: number): boolean {
    const p = this.consumers[i].prefetch;
    return this.up[i] && (p === 0 || this.unacked[i] < p);
  }

  /** The consumer a message must go to (-1: none can take it now), by subscription type. */
  private target(m: QueueMessage, partition: number): number {
    const live = this.liveSorted();
    if (live.length === 0) return -1;
    switch (this.config.subscription) {
      case "exclusive": {
        const first = this.consumers.findIndex((_, i) => this.up[i]);
        return first;
      }
      case "failover":
        return live[partition % live.length];
      case "shared": {
        const n = this.consumers.length;
        for (let k = 0; k < n; k++) {
          const i = (this.rr + k) % n;
          if (this.hasPermits(i)) return i;
        }
        return -1;
      }
      case "key_shared": {
        const held = this.keyUnacked.get(m.key);
        if (held && held.count > 0) return held.consumer;
        const slot = this.slotOf(m.key);
        const ring = this.ring;
        let lo = 0;
        let hi = ring.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ring[mid].point < slot) lo = mid + 1;
          else hi = mid;
        }
        return ring[lo % ring.length].consumer;
      }
    }
  }

  /** Hands `m` (already chosen, waiting) to consumer `c`. */
  private handTo(m: QueueMessage, c: number): void {
    this.rr = (c + 1) % this.consumers.length;
    this.unacked[c]++;
    const k = this.keyUnacked.get(m.key);
    if (k && k.count > 0) k.count++;
    else this.keyUnacked.set(m.key, { count: 1, consumer: c });
    const d = this.handOut(m, this.consumers[c]);
    this.levels();
    this.consumers[c].deliver([d]);
  }

  /**
   * Key_Shared reads ahead past a message whose consumer has no permits, like the broker's read batches, but
   * once a key is skipped every later message of that key is skipped too, so per-key order holds. Entries
   * handed out from the middle stay in place and are dropped when they reach the front.
   */
  private dispatchKeyShared(): boolean {
    // With no permit anywhere nothing can be handed out, and a scan has no other effect: skip it.
    let anyPermits = false;
    for (let i = 0; i < this.consumers.length && !anyPermits; i++) anyPermits = this.hasPermits(i);
    if (!anyPermits) return false;
    this.ksProgress = false;
    for (let pi = 0; pi < this.parts.length; pi++) {
      const p = this.parts[pi];
      if (!this.head(p)) continue;
      this.ksBlocked.clear();
      this.ksSeen = 0;
      let more = true;
      for (let i = 0; more && i < p.redeliver.length; i++) more = this.visitKeyShared(p.redeliver[i], pi);
      for (let i = 0; more && i < p.fresh.size; i++) more = this.visitKeyShared(p.fresh.at(i), pi);
      this.head(p);
    }
    return this.ksProgress;
  }

  /** One message of dispatchKeyShared's read-ahead window; false once the window is used up. */
  private visitKeyShared(m: QueueMessage, partition: number): boolean {
    if (!this.live(m) || m.holder !== -1) return true;
    if (++this.ksSeen > KEY_SHARED_LOOKAHEAD) return false;
    if (this.ksBlocked.has(m.key)) return true;
    const c = this.target(m, partition);
    if (c < 0 || !this.hasPermits(c)) this.ksBlocked.add(m.key);
    else {
      this.handTo(m, c);
      this.ksProgress = true;
    }
    return true;
  }

  protected dispatch(): void {
    if (this.config.subscription === "key_shared") {
      while (this.readyCount > 0 && this.dispatchKeyShared());
      return;
    }
    let progress = true;
    while (progress && this.readyCount > 0) {
      progress = false;
      for (let pi = 0; pi < this.parts.length; pi++) {
        const p = this.parts[pi];
        const m = this.head(p);
        if (!m) continue;
        const c = this.target(m, pi);
        // The head waits for its consumer's permits (or, Key_Shared, for its key's earlier deliveries).
        if (c < 0 || !this.hasPermits(c)) continue;
        this.pop(p, m);
        this.handTo(m, c);
        progress = true;
      }
    }
  }

  /** The message stops being held by its consumer (ack, return or dead letter). */
  private release(m: QueueMessage): void {
    this.unacked[m.holder]--;
    const k = this.keyUnacked.get(m.key);
    if (k && --k.count === 0) this.keyUnacked.delete(m.key);
  }

  /** A nack or ack timeout: to the DLQ once it already had maxRedeliverCount redeliveries, else back. */
  private failed(m: QueueMessage, reason: ReturnReason): void {
    this.release(m);
    const max = this.config.maxRedeliverCount;
    if (max !== undefined && m.deliveries - 1 >= max) this.deadLetter(m, DeadLetterReason.MaxRedeliverCount, false);
    else this.giveBack(m, reason);
  }

  settle(c: QueueConsumerPort, msg: number, handle: number, how: Settlement): void {
    // A delivery from the retry topic is settled on the retry topic's subscription.
    if (this.retry && this.retry !== this && !this.held.has(msg)) {
      this.retry.settle(this.retryPorts.of(c), msg, handle, how);
      return;
    }
    const m = this.held.get(msg);
    if (!m || m.handle !== handle || m.holder !== c.index || m.timer) return;
    if (how === "ack") {
      this.release(m);
      this.remove(m, c);
    } else if (how === "requeue" || how === "reject") {
      // negativeAcknowledge: the client holds it for the redelivery delay, then asks for a redelivery.
      m.timer = this.sim.after(this.config.negativeAckDelayUs, this.onNackDelayOver, m);
    } else if (how === "retry-later") {
      this.reconsumeLater(m, c);
    }
    this.dispatch();
  }

  private readonly onNackDelayOver = (m: QueueMessage): void => {
    m.timer = 0;
    if (!this.live(m) || m.holder < 0) return;
    this.failed(m, ReturnReason.Requeue);
    this.dispatch();
  };

  private readonly onTick = (): void => {
    this.tick = 0;
    const now = this.sim.nowUs;
    const due = [...this.held.values()].filter((m) => m.holder >= 0 && m.timer === 0 && now - m.lastDeliveredUs >= this.config.ackTimeoutUs);
    for (const m of due) this.failed(m, ReturnReason.AckTimeout);
    if (due.length) this.dispatch();
    this.armTick();
  };

  private armTick(): void {
    if (this.config.ackTimeoutUs > 0 && this.tick === 0 && this.consumers.some((_, i) => this.up[i])) {
      this.tick = this.sim.after(ACK_TIMEOUT_TICK_US, this.onTick);
    }
  }

  attach(c: QueueConsumerPort): boolean {
    if (this.config.subscription === "exclusive" && this.consumers.some((o, i) => this.up[i] && o !== c)) {
      // ConsumerBusy: the subscribe fails; the refused consumer is not a member at all.
      this.history.record(Op.QueueSubscribeRefused, this.sim.nowUs, -1, c.actorId, 0, -1, this.actorId);
      return false;
    }
    if (c.index < 0) {
      c.index = this.consumers.length;
      this.consumers.push(c);
      this.unacked.push(0);
      this.up.push(true);
    } else this.up[c.index] = true;
    this.liveByName = undefined;
    this.rebuildRing();
    this.armTick();
    this.dispatch();
    if (this.retry && this.retry !== this) this.retry.attach(this.retryPorts.of(c));
    return true;
  }

  /** A consumer left: its unacked messages are redelivered to the others (a failover switch, a shared leaver). */
  detach(c: QueueConsumerPort, _crashed: boolean): void {
    if (c.index < 0 || !this.up[c.index]) return;
    this.up[c.index] = false;
    this.liveByName = undefined;
    const mine = [...this.held.values()].filter((m) => m.holder === c.index).sort((a, b) => a.seq - b.seq);
    for (const m of mine) {
      this.release(m);
      this.giveBack(m, ReturnReason.ConsumerCrash);
    }
    this.unacked[c.index] = 0;
    this.rebuildRing();
    this.dispatch();
    if (this.retry && this.retry !== this) this.retry.detach(this.retryPorts.of(c), _crashed);
  }
}
