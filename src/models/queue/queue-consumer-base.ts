// What every queue consumer shares, whether it runs one message at a time (queue-consumer.ts) or a pool of
// handlers (queue-consumer-pool.ts): its identity at the queue, the channel (epoch) and process incarnation,
// pushed deliveries arriving, ending a handling (outcome, its rows, the settlement sent), the channel being
// closed and reopened, the OverLimit back-off, restart and a frozen process (GC pause). The two differ in what
// they hold and when they start the next handler; those are the abstract methods.
import type { Simulation } from "../../kernel/sim.ts";
import type { Rng } from "../../kernel/rng.ts";
import { Op, type History } from "../../history/history.ts";
import type { Network, Route } from "../../net/network.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { HandlerOutcome, type Delivery, type QueueConsumerPort, type QueueService, type ReceiveDone, type Settlement } from "./queue-types.ts";
import type { QueueConsumerConfig } from "./queue-consumer.ts";

/** A ReceiveMessage answer on its way back, with the channel (epoch) the receive was asked on. */
export interface ReceiveAnswer {
  epoch: number;
  batch: Delivery[];
  error: string | undefined;
}

/** A settlement on its way to the queue, with the channel it was sent on. */
interface SettleRequest {
  d: Delivery;
  how: Settlement;
  channel: number;
}

/** OverLimit back-off: the pause doubles from emptyPollDelay per refused poll in a row, up to this. */
export const OVERLIMIT_BACKOFF_CAP_US = 10_000_000;

export abstract class QueueConsumerBase<C extends QueueConsumerConfig> implements QueueConsumerPort, FaultTarget {
  readonly kind = "queue-consumer" as const;
  readonly actorId: number;
  index = -1;
  /** Pulsar Exclusive refused the subscribe (ConsumerBusy): not a member, nothing to consume. */
  refused = false;
  protected readonly pull: boolean;
  protected readonly outcomeRng: Rng;
  protected up = true;
  /** Bumped on crash, restart and channel reopen: answers to an older channel are dropped. */
  protected epoch = 0;
  /** Bumped by crash and restart only (not by a channel reopen): a handler of an older process is abandoned. */
  protected processIncarnation = 0;
  protected receiving = false;
  protected pausedUntilUs = 0;
  private overLimitStreak = 0;
  /** The links to and from the queue, looked up once. */
  protected readonly toQueue: Route;
  protected readonly fromQueue: Route;

  constructor(
    protected readonly sim: Simulation,
    rng: Rng,
    protected readonly history: History,
    protected readonly net: Network,
    protected readonly queue: QueueService,
    protected readonly metrics: QueueMetrics,
    protected readonly config: C,
  ) {
    this.actorId = history.actor(config.name, "consumer");
    this.outcomeRng = rng.fork("outcomes");
    this.pull = queue.receive !== undefined;
    this.toQueue = net.route(config.name, queue.name);
    this.fromQueue = net.route(queue.name, config.name);
  }

  /** AMQP: one channel per incarnation; it changes on crash, restart and whenever the broker closes it. */
  get channel(): number {
    return this.epoch;
  }

  get retryDelayUs(): number | undefined {
    return this.config.retryDelayUs;
  }

  get name(): string {
    return this.config.name;
  }

  get prefetch(): number {
    return this.config.prefetch;
  }

  start(): void {
    this.refused = !this.queue.attach(this);
    if (this.pull && !this.refused) this.poll();
  }

  /** SQS: asks ReceiveMessage for what this consumer has room for. */
  protected abstract poll(): void;
  /** Pushed deliveries of the current channel arrived. */
  protected abstract took(batch: Delivery[]): void;
  /** The channel closed: forget what was buffered from it (the broker requeued it). */
  protected abstract dropBuffered(): void;
  /** A GC pause ended: carry on handling and receiving. */
  protected abstract resumed(): void;
  abstract crash(opts: { loseUnflushed: boolean }): void;

  /** A receive's answer arrived (at the client). */
  protected abstract received(r: ReceiveAnswer): void;

  /** Runs at the queue when a receive is answered; the tag is the epoch the receive was asked on. */
  protected readonly onAnswered: ReceiveDone = (batch, error, epoch) => {
    this.net.sendOn(this.fromQueue, this.onAnswerArrived, { epoch, batch, error });
  };

  private readonly onAnswerArrived = (r: ReceiveAnswer): void => {
    this.received(r);
  };

  protected readonly repoll = (epoch: number): void => {
    if (epoch === this.epoch) this.poll();
  };

  /** OverLimit refused a poll: poll again after a pause that doubles per refusal in a row. */
  protected backOffAfterOverLimit(): void {
    this.overLimitStreak++;
    const pause = Math.min(OVERLIMIT_BACKOFF_CAP_US, this.config.emptyPollDelayUs * 2 ** Math.min(30, this.overLimitStreak - 1));
    this.sim.after(pause, this.repoll, this.epoch);
  }

  /** A poll was answered (with messages or empty): the back-off starts over. */
  protected answered(): void {
    this.overLimitStreak = 0;
  }

  /** Push-based queues call this at the queue; the delivery crosses the network to the consumer. */
  deliver(batch: Delivery[]): void {
    this.net.sendOn(this.fromQueue, this.onPushed, { epoch: this.epoch, batch });
  }

  private readonly onPushed = (r: { epoch: number; batch: Delivery[] }): void => {
    if (r.epoch !== this.epoch || !this.up) return;
    this.took(r.batch);
  };

  private isPoison(d: Delivery): boolean {
    const n = this.config.poisonEveryNth;
    return this.config.poisonKeys.has(d.key) || (n > 0 && d.msg % n === n - 1);
  }

  /**
   * Ends a handling now: the application's answer when it ran one, else poison, a drawn transient failure or
   * success; records the end (and the nack), counts the processing time, and returns how the client settles.
   */
  protected endHandling(d: Delivery, startUs: number, appOk: boolean | undefined): Settlement {
    const now = this.sim.nowUs;
    const outcome =
      appOk !== undefined
        ? appOk ? HandlerOutcome.Success : HandlerOutcome.TransientFailure
        : this.isPoison(d)
          ? HandlerOutcome.Poison
          : this.config.failureProbability > 0 && this.outcomeRng.bernoulli(this.config.failureProbability)
            ? HandlerOutcome.TransientFailure
            : HandlerOutcome.Success;
    this.history.record(Op.QueueProcessEnd, now, d.msg, this.actorId, outcome, d.handle, this.queue.actorId);
    this.metrics.onProcessed(now, now - startUs);
    const how: Settlement = outcome === HandlerOutcome.Success ? "ack" : this.config.onFailure;
    if (how === "requeue" || how === "reject") this.history.record(Op.QueueNack, now, d.msg, this.actorId, how === "requeue" ? 1 : 0, d.handle, this.queue.actorId);
    return how;
  }

  /** Sends a settlement on the current channel. */
  protected settle(d: Delivery, how: Settlement): void {
    const request: SettleRequest = { d, how, channel: this.epoch };
    this.net.sendOn(this.toQueue, this.onSettleArrived, request, d.msg);
  }

  private readonly onSettleArrived = (r: SettleRequest): void => {
    this.queue.settle(this, r.d.msg, r.d.handle, r.how, r.channel);
  };

  /** Called at the broker: channel.close crosses the network, then the client opens a new channel and consumes. */
  channelClosed(_code: number): void {
    this.net.send(this.queue.name, this.name, this.onChannelClosed, this.epoch);
  }

  private readonly onChannelClosed = (epoch: number): void => {
    if (epoch !== this.epoch || !this.up) return;
    // Deliveries buffered from the closed channel were requeued by the broker; pushes still on the way are ignored.
    this.epoch++;
    this.dropBuffered();
    const reopened = this.epoch;
    this.net.send(this.name, this.queue.name, () => {
      if (this.up && this.epoch === reopened) this.queue.attach(this);
    }, undefined, this.actorId);
  };

  restart(): void {
    if (this.up) return;
    this.up = true;
    this.epoch++;
    this.processIncarnation++;
    this.pausedUntilUs = 0;
    this.start();
  }

  pause(durationUs: number): void {
    this.pausedUntilUs = Math.max(this.pausedUntilUs, this.sim.nowUs + durationUs);
    this.sim.at(this.pausedUntilUs, this.onPauseOver, this.epoch);
  }

  private readonly onPauseOver = (epoch: number): void => {
    if (epoch === this.epoch && this.sim.nowUs >= this.pausedUntilUs) this.resumed();
  };
}
