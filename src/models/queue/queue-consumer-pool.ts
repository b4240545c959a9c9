// A queue consumer with a worker pool (processing.concurrency > 1): up to `concurrency` handlers run at once on
// the messages it holds. What bounds how many it holds depends on who drives delivery:
// - SQS (pull): the poller asks ReceiveMessage for at most the room left under `maxInFlight` (messages received
//   and not yet settled) and stops receiving at the limit until a handler finishes (recorded as the member
//   pausing and resuming). A received message's visibility timeout runs from the receive, not from the start of
//   its handler: a backlog held in hand longer than the timeout comes back to the queue and is received again
//   while the first copy still waits here — the redeliveries a too-small pool behind a large receive causes.
// - RabbitMQ and Pulsar (push): the broker stops pushing at the prefetch (receiver queue); the pool runs
//   `concurrency` of the deliveries it holds and the rest wait in the client buffer.
// Ending a handling (outcome, rows, settlement) is shared with the one-at-a-time consumer (queue-handling.ts);
// crash and restart follow queue-consumer.ts; this file only adds the pool, so that path stays as it is.
import type { Simulation } from "../../kernel/sim.ts";
import type { Rng } from "../../kernel/rng.ts";
import { makeSampler } from "../../kernel/distributions.ts";
import { Op, type History } from "../../history/history.ts";
import type { Network } from "../../net/network.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { Deque } from "./deque.ts";
import type { Delivery, QueueService } from "./queue-types.ts";
import { QueueConsumer, type QueueConsumerConfig } from "./queue-consumer.ts";
import { QueueConsumerBase, type ReceiveAnswer } from "./queue-consumer-base.ts";
import type { QueueHandler } from "../app/app-system.ts";

export interface QueueConsumerPoolConfig extends QueueConsumerConfig {
  /** Handlers running at the same time. */
  concurrency: number;
  /** SQS: most messages received and not settled (waiting + running); the poller stops receiving at it. */
  maxInFlight: number;
}

/** One running handler: the delivery, when it started, and its visibility-extension timer. */
interface Slot {
  d: Delivery;
  startUs: number;
  extendTimer: number;
  /** The channel (epoch) it was received on. */
  epoch: number;
}

/** The consumer the queue system builds: the pooled one when processing.concurrency > 1. */
export function makeQueueConsumer(
  processing: { concurrency?: number; maxInFlight?: number | undefined },
  sim: Simulation,
  rng: Rng,
  history: History,
  net: Network,
  queue: QueueService,
  metrics: QueueMetrics,
  config: QueueConsumerConfig,
): QueueConsumer | PooledQueueConsumer {
  const c = processing.concurrency ?? 1;
  if (c <= 1) return new QueueConsumer(sim, rng, history, net, queue, metrics, config);
  return new PooledQueueConsumer(sim, rng, history, net, queue, metrics, { ...config, concurrency: c, maxInFlight: processing.maxInFlight ?? 2 * c });
}

export class PooledQueueConsumer extends QueueConsumerBase<QueueConsumerPoolConfig> {
  private readonly waiting = new Deque<Delivery>();
  private readonly running = new Set<Slot>();
  private readonly sample: () => number;
  private readonly app: QueueHandler | undefined;
  /** Messages received (SQS) and asked for, not yet settled: what maxInFlight bounds. */
  private held = 0;
  private paused = false;

  constructor(sim: Simulation, rng: Rng, history: History, net: Network, queue: QueueService, metrics: QueueMetrics, config: QueueConsumerPoolConfig) {
    super(sim, rng, history, net, queue, metrics, config);
    this.sample = makeSampler(config.processingTime, rng.fork("processing"));
    this.app = config.app?.({ name: config.name, actorId: this.actorId, ownerActor: queue.actorId, after: (d, fn, arg) => sim.after(d, fn, arg), incarnation: () => this.processIncarnation });
  }

  // ---------- receiving (SQS) ----------

  protected poll(): void {
    // A frozen process (a GC pause) sends nothing; it polls again when the pause ends.
    if (!this.up || this.receiving || this.sim.nowUs < this.pausedUntilUs) return;
    const room = this.config.maxInFlight - this.held;
    if (room <= 0) return this.setPaused(true);
    this.setPaused(false);
    this.receiving = true;
    const epoch = this.epoch;
    const max = Math.min(this.config.maxMessages, room);
    this.net.send(this.name, this.queue.name, () => {
      this.queue.receive!(this, max, this.config.waitTimeUs, this.onAnswered, this.config.visibilityTimeoutUs, epoch);
    }, undefined, this.actorId);
  }

  /** Stops or starts receiving at the in-flight limit: the report shows these as the member's pauses. */
  private setPaused(on: boolean): void {
    if (on === this.paused) return;
    this.paused = on;
    this.history.record(on ? Op.AppMemberPaused : Op.AppMemberResumed, this.sim.nowUs, -1, this.actorId, -1, this.held, this.queue.actorId);
  }

  protected received(r: ReceiveAnswer): void {
    if (r.epoch !== this.epoch) return; // the incarnation that asked crashed: the messages time out
    this.receiving = false;
    if (r.error !== undefined) return this.backOffAfterOverLimit();
    this.answered();
    for (const d of r.batch) this.waiting.push(d);
    this.held += r.batch.length;
    if (r.batch.length === 0 && this.config.waitTimeUs === 0) this.sim.after(this.config.emptyPollDelayUs, this.repoll, this.epoch);
    else this.poll();
    this.dispatch();
  }

  protected took(batch: Delivery[]): void {
    for (const d of batch) this.waiting.push(d);
    this.dispatch();
  }

  // ---------- the pool ----------

  private dispatch(): void {
    if (!this.up || this.sim.nowUs < this.pausedUntilUs) return;
    while (this.running.size < this.config.concurrency) {
      const d = this.waiting.shift();
      if (d === undefined) return;
      this.startHandler(d);
    }
  }

  private startHandler(d: Delivery): void {
    const now = this.sim.nowUs;
    const slot: Slot = { d, startUs: now, extendTimer: 0, epoch: this.epoch };
    this.running.add(slot);
    this.history.record(Op.QueueProcessStart, now, d.msg, this.actorId, d.deliveryNumber, d.handle, this.queue.actorId);
    const incarnation = this.processIncarnation;
    if (this.app) this.app.run({ msg: d.msg, topic: this.queue.name, partition: d.deliveryNumber, offset: d.handle }, (ok) => this.ended(slot, incarnation, ok));
    else this.sim.after(Math.max(0, Math.round(this.sample())), () => this.ended(slot, incarnation, undefined));
    if (this.pull && this.config.extendVisibilityEveryUs > 0) slot.extendTimer = this.sim.after(this.config.extendVisibilityEveryUs, this.onExtend, slot);
  }

  private readonly onExtend = (slot: Slot): void => {
    slot.extendTimer = 0;
    if (!this.running.has(slot)) return;
    const { d } = slot;
    this.net.send(this.name, this.queue.name, () => this.queue.changeVisibility?.(this, d.msg, d.handle, this.config.extendVisibilityByUs), undefined, d.msg);
    slot.extendTimer = this.sim.after(this.config.extendVisibilityEveryUs, this.onExtend, slot);
  };

  private ended(slot: Slot, incarnation: number, appOk: boolean | undefined): void {
    if (incarnation !== this.processIncarnation || !this.running.has(slot)) return;
    const now = this.sim.nowUs;
    if (now < this.pausedUntilUs) {
      // Frozen (a GC pause): the handler finishes when the pause ends.
      this.sim.at(this.pausedUntilUs, () => this.ended(slot, incarnation, appOk));
      return;
    }
    this.running.delete(slot);
    if (slot.extendTimer) this.sim.cancel(slot.extendTimer);
    const { d } = slot;
    const how = this.endHandling(d, slot.startUs, appOk);
    // A delivery of a closed channel: the client drops its settlement.
    if (how !== "abandon" && slot.epoch === this.epoch) this.settle(d, how);
    if (this.pull && this.held > 0) this.held--;
    this.dispatch();
    if (this.pull) this.poll();
  }

  // ---------- faults ----------

  crash(_opts: { loseUnflushed: boolean }): void {
    if (!this.up) return;
    this.up = false;
    this.epoch++;
    this.processIncarnation++;
    for (const s of this.running) if (s.extendTimer) this.sim.cancel(s.extendTimer);
    this.running.clear();
    this.dropBuffered();
    this.receiving = false;
    this.held = 0;
    if (this.paused) this.setPaused(false);
    this.queue.detach(this, true);
  }

  protected dropBuffered(): void {
    while (this.waiting.shift() !== undefined);
  }

  protected resumed(): void {
    this.dispatch();
    if (this.pull) this.poll();
  }
}
