// A consumer competing for messages on one queue. It gets deliveries (pulled with ReceiveMessage on SQS,
// pushed up to its prefetch on RabbitMQ and Pulsar), runs its handler on one message at a time, and settles
// each: ack on success; on failure what the scenario says (SQS: leave it to the visibility timeout or release
// it; RabbitMQ: nack with requeue or reject; Pulsar: negative ack or reconsume later). Poison messages
// (chosen by key or message id) always fail. It is a fault target: a crash drops its local buffer and the
// handler in progress, and the queue gets its unacked deliveries back by that system's rule. When RabbitMQ
// closes its channel (a channel error) it drops what it had buffered from that channel and opens a new one,
// as it would after a restart; an ack for a delivery of the old channel is dropped by the client, unless the
// scenario gives it the stale-tag bug. A short poll refused with SQS OverLimit is retried after a growing pause.
import type { Simulation } from "../../kernel/sim.ts";
import type { Rng } from "../../kernel/rng.ts";
import { makeSampler } from "../../kernel/distributions.ts";
import { Op, type History } from "../../history/history.ts";
import type { Network } from "../../net/network.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { Deque } from "./deque.ts";
import type { Delivery, QueueService, Settlement } from "./queue-types.ts";
import { QueueConsumerBase, type ReceiveAnswer } from "./queue-consumer-base.ts";
import type { DistributionSpec } from "../../kernel/distributions.ts";
import type { QueueHandler } from "../app/app-system.ts";
import type { HandlerHost } from "../app/handler-types.ts";

export interface QueueConsumerConfig {
  name: string;
  processingTime: DistributionSpec;
  failureProbability: number;
  poisonKeys: ReadonlySet<number>;
  /** Message ids m with m % poisonEveryNth === poisonEveryNth - 1 are poison; 0: none. */
  poisonEveryNth: number;
  onFailure: Settlement;
  prefetch: number;
  /** SQS ReceiveMessage. */
  maxMessages: number;
  waitTimeUs: number;
  visibilityTimeoutUs?: number;
  /** SQS: extend the visibility of the message in hand this often while the handler runs (0: never). */
  extendVisibilityEveryUs: number;
  extendVisibilityByUs: number;
  /** Pause before the next short poll after an empty answer. */
  emptyPollDelayUs: number;
  /** Pulsar reconsumeLater delay. */
  retryDelayUs?: number;
  /** Bugs: probability a successful handler acks twice; acking deliveries of a closed channel on the new one. */
  doubleAckProbability?: number;
  staleTagAcks?: boolean;
  /** The `handler:` steps (application layer); without it processingTime and the poison settings decide. */
  app?: (host: HandlerHost) => QueueHandler | undefined;
}

export { OVERLIMIT_BACKOFF_CAP_US } from "./queue-consumer-base.ts";

export class QueueConsumer extends QueueConsumerBase<QueueConsumerConfig> {
  private readonly buffer = new Deque<Delivery>();
  private readonly sample: () => number;
  private busy: Delivery | undefined;
  private busyStartUs = 0;
  private busyTimer = 0;
  private extendTimer = 0;
  private readonly kindProcess: number;
  private readonly bugRng: Rng;
  /** The channel (epoch) the message in hand was received on. */
  private busyEpoch = 0;
  private readonly app: QueueHandler | undefined;

  constructor(sim: Simulation, rng: Rng, history: History, net: Network, queue: QueueService, metrics: QueueMetrics, config: QueueConsumerConfig) {
    super(sim, rng, history, net, queue, metrics, config);
    this.sample = makeSampler(config.processingTime, rng.fork("processing"));
    this.kindProcess = sim.registerKind("queue-consumer.processed");
    this.bugRng = rng.fork("ack-bugs");
    this.app = config.app?.({ name: config.name, actorId: this.actorId, ownerActor: queue.actorId, after: (d, fn, arg) => sim.after(d, fn, arg), incarnation: () => this.processIncarnation });
  }

  // ---------- receiving ----------

  protected poll(): void {
    if (!this.up || this.receiving || this.busy || this.buffer.size > 0) return;
    this.receiving = true;
    this.net.sendOn(this.toQueue, this.onPollArrived, this.epoch, this.actorId);
  }

  /** At the queue; `epoch` is the channel the poll was sent on. */
  private readonly onPollArrived = (epoch: number): void => {
    this.queue.receive!(this, this.config.maxMessages, this.config.waitTimeUs, this.onAnswered, this.config.visibilityTimeoutUs, epoch);
  };

  protected received(r: ReceiveAnswer): void {
    if (r.epoch !== this.epoch) return; // answered to an incarnation that crashed: the messages time out
    this.receiving = false;
    if (r.error !== undefined) return this.backOffAfterOverLimit();
    this.answered();
    for (const d of r.batch) this.buffer.push(d);
    if (r.batch.length === 0) {
      if (this.config.waitTimeUs === 0) this.sim.after(this.config.emptyPollDelayUs, this.repoll, this.epoch);
      else this.poll();
      return;
    }
    this.next();
  }

  protected took(batch: Delivery[]): void {
    for (const d of batch) this.buffer.push(d);
    this.next();
  }

  // ---------- handling ----------

  private next(): void {
    if (!this.up || this.busy) return;
    const now = this.sim.nowUs;
    if (now < this.pausedUntilUs) return;
    const d = this.buffer.shift();
    if (!d) {
      if (this.pull) this.poll();
      return;
    }
    this.busy = d;
    this.busyEpoch = this.epoch;
    this.busyStartUs = now;
    this.history.record(Op.QueueProcessStart, now, d.msg, this.actorId, d.deliveryNumber, d.handle, this.queue.actorId);
    if (this.app) this.app.run({ msg: d.msg, topic: this.queue.name, partition: d.deliveryNumber, offset: d.handle }, (ok) => this.onHandled(d, ok));
    else this.busyTimer = this.sim.after(Math.max(0, Math.round(this.sample())), this.onHandled, d, this.kindProcess, d.msg);
    if (this.pull && this.config.extendVisibilityEveryUs > 0) {
      this.extendTimer = this.sim.after(this.config.extendVisibilityEveryUs, this.onExtend, d);
    }
  }

  private readonly onExtend = (d: Delivery): void => {
    this.extendTimer = 0;
    if (this.busy !== d) return;
    const by = this.config.extendVisibilityByUs;
    this.net.send(this.name, this.queue.name, () => this.queue.changeVisibility?.(this, d.msg, d.handle, by), undefined, d.msg);
    this.extendTimer = this.sim.after(this.config.extendVisibilityEveryUs, this.onExtend, d);
  };

  private readonly onHandled = (d: Delivery, appOk?: boolean): void => {
    const now = this.sim.nowUs;
    if (now < this.pausedUntilUs) {
      // Frozen (a GC pause): the handler finishes when the pause ends.
      this.busyTimer = appOk === undefined ? this.sim.at(this.pausedUntilUs, this.onHandled, d, this.kindProcess, d.msg) : this.sim.at(this.pausedUntilUs, () => this.onHandled(d, appOk));
      return;
    }
    this.busyTimer = 0;
    if (this.extendTimer) this.sim.cancel(this.extendTimer);
    this.extendTimer = 0;
    const how = this.endHandling(d, this.busyStartUs, appOk);
    // The channel it came on has closed: the client drops the settlement (unless it has the stale-tag bug).
    const stale = this.busyEpoch !== this.epoch && !this.config.staleTagAcks;
    if (how !== "abandon" && !stale) {
      this.settle(d, how);
      const p = this.config.doubleAckProbability ?? 0;
      if (how === "ack" && p > 0 && this.bugRng.bernoulli(p)) this.settle(d, how);
    }
    this.busy = undefined;
    this.next();
  };

  // ---------- faults ----------

  crash(_opts: { loseUnflushed: boolean }): void {
    if (!this.up) return;
    this.up = false;
    this.epoch++;
    this.processIncarnation++;
    if (this.busyTimer) this.sim.cancel(this.busyTimer);
    if (this.extendTimer) this.sim.cancel(this.extendTimer);
    this.busyTimer = this.extendTimer = 0;
    this.busy = undefined;
    this.dropBuffered();
    this.receiving = false;
    // The broker sees the connection drop; what happens to the unacked deliveries is the queue's rule.
    this.queue.detach(this, true);
  }

  protected dropBuffered(): void {
    while (this.buffer.shift() !== undefined);
  }

  protected resumed(): void {
    this.next();
  }
}
