// Builds the queue side of a world from the scenario: queues (with dead-letter targets and redrive tasks),
// queue producers and competing consumers (registered as fault targets, with their scripted crashes). The
// runner calls `build`, `start`, and at the end `finish`, which takes the census the accounting checker needs.
import type { World } from "../../runner/world.ts";
import { QueueMetrics, type QueueSeries, type QueueStats } from "../../metrics/queue-metrics.ts";
import { SqsQueue } from "./sqs-queue.ts";
import { SqsFifoQueue } from "./sqs-fifo-queue.ts";
import { AmqpQueue } from "./amqp-queue.ts";
import { PulsarSubscription } from "./pulsar-subscription.ts";
import type { QueueBase } from "./queue-base.ts";
import type { QueueService, Settlement } from "./queue-types.ts";
import { QueueProducer } from "./queue-producer.ts";
import type { QueueConsumer } from "./queue-consumer.ts";
import { makeQueueConsumer, type PooledQueueConsumer } from "./queue-consumer-pool.ts";
import { RedriveTask } from "./dead-letter.ts";
import { deadLetterTopicName, retryTopicName } from "./pulsar-retry.ts";
import type { QueueConsumerSpec, QueueSpec } from "../../scenario/schema-queues.ts";

type AnyQueue = QueueBase & QueueService;

function makeQueue(world: World, q: QueueSpec, metrics: QueueMetrics): AnyQueue {
  const ctx = { sim: world.sim, history: world.history, metrics };
  const rng = world.rng.fork(`queue/${q.name}`);
  const sqs = {
    visibilityTimeoutUs: q.visibilityTimeout,
    delayUs: q.delay,
    retentionUs: q.retention,
    maxReceiveCount: q.deadLetter?.maxReceiveCount,
    inFlightLimit: q.inFlightLimit,
    servers: q.servers,
    duplicateProbability: q.duplicateProbability,
  };
  switch (q.kind) {
    case "sqs-standard":
      return new SqsQueue(q.name, q.kind, ctx, sqs, rng);
    case "sqs-fifo":
      return new SqsFifoQueue(q.name, q.kind, ctx, { ...sqs, servers: 1, duplicateProbability: 0 }, rng);
    case "rabbitmq-classic":
    case "rabbitmq-quorum":
      return new AmqpQueue(q.name, q.kind, ctx, {
        quorum: q.kind === "rabbitmq-quorum",
        messageTtlUs: q.messageTtl,
        maxLength: q.maxLength,
        deliveryLimit: q.kind === "rabbitmq-quorum" ? q.deliveryLimit : -1,
        consumerTimeoutUs: q.consumerTimeout,
        failedDeliveriesOnly: q.rabbitmqVersion === "4.3",
        dlx: q.deadLetter ? { exchange: q.deadLetter.exchange ?? "dlx", routingKey: q.deadLetter.routingKey } : undefined,
        durable: q.durable,
        fsyncIntervalUs: q.fsyncInterval,
        quorumCommitUs: q.quorumCommitDelay,
      });
    case "pulsar":
      return new PulsarSubscription(q.name, q.kind, ctx, pulsarConfig(q));
  }
}

function pulsarConfig(q: QueueSpec, partitions = q.partitions) {
  return {
    partitions,
    subscription: q.subscription,
    ackTimeoutUs: q.ackTimeout,
    negativeAckDelayUs: q.negativeAckRedeliveryDelay,
    maxRedeliverCount: q.deadLetter?.maxRedeliverCount,
  };
}

function defaultOnFailure(kind: QueueSpec["kind"]): Settlement {
  return kind.startsWith("sqs") ? "abandon" : "requeue";
}

function defaultPrefetch(kind: QueueSpec["kind"], c: QueueConsumerSpec): number {
  if (c.prefetch !== undefined) return kind === "rabbitmq-quorum" && c.prefetch === 0 ? 2000 : Math.min(c.prefetch, kind === "rabbitmq-quorum" ? 2000 : Infinity);
  // RabbitMQ: no basic.qos means unlimited (quorum queues cap it at 2000); Pulsar: receiverQueueSize 1000.
  return kind === "pulsar" ? 1000 : kind === "rabbitmq-quorum" ? 2000 : 0;
}

export class QueueSystem {
  readonly queues = new Map<string, AnyQueue>();
  readonly metrics: QueueMetrics[] = [];
  readonly producers: QueueProducer[] = [];
  readonly consumers: (QueueConsumer | PooledQueueConsumer)[] = [];
  private readonly redrives: RedriveTask[] = [];
  private readonly crashes: { consumer: QueueConsumer | PooledQueueConsumer; atUs: number; restartAfterUs?: number }[] = [];

  constructor(private readonly world: World) {
    const s = world.scenario;
    for (const q of s.queues) {
      const m = new QueueMetrics(q.name, q.kind, world.endUs);
      this.metrics.push(m);
      this.queues.set(q.name, makeQueue(world, q, m));
    }
    const byActor = new Map<number, QueueBase>();
    for (const q of this.queues.values()) byActor.set(q.actorId, q);
    for (const q of s.queues) {
      const queue = this.queues.get(q.name)!;
      if (q.deadLetter) queue.deadLetterTarget = this.queues.get(q.deadLetter.queue);
      if (q.redrive) this.redrives.push(new RedriveTask(world.sim, world.history, queue, byActor, q.redrive.at, q.redrive.rate));
    }
    for (const q of s.queues) {
      if (q.kind === "pulsar" && s.queueConsumers.some((c) => c.queue === q.name && c.onFailure === "retry-later")) this.enableRetry(q);
    }
    for (const p of s.queueProducers) {
      const queue = this.queues.get(p.queue)!;
      this.producers.push(
        new QueueProducer(world.sim, world.rng.fork(`queue-producer/${p.name}`), world.history, world.net, queue, queue.metrics, p, world.stopUs),
      );
    }
    for (const c of s.queueConsumers) {
      const queue = this.queues.get(c.queue)!;
      const kind = s.queues.find((q) => q.name === c.queue)!.kind;
      const poisonKeys = new Set(c.processing.poison.keys.map((k) => world.history.key(k)));
      for (let i = 0; i < c.count; i++) {
        const name = `${c.name}-${i}`;
        const consumer = makeQueueConsumer(c.processing, world.sim, world.rng.fork(`queue-consumer/${name}`), world.history, world.net, queue, queue.metrics, {
          name,
          processingTime: c.processing.time,
          failureProbability: c.processing.failureProbability,
          poisonKeys,
          poisonEveryNth: c.processing.poison.everyNth,
          onFailure: c.onFailure ?? defaultOnFailure(kind),
          prefetch: defaultPrefetch(kind, c),
          maxMessages: c.maxMessages,
          waitTimeUs: c.waitTime,
          visibilityTimeoutUs: c.visibilityTimeout,
          extendVisibilityEveryUs: c.extendVisibilityEvery,
          extendVisibilityByUs: c.extendVisibilityBy,
          emptyPollDelayUs: Math.max(1, c.emptyPollDelay),
          retryDelayUs: c.retryDelay,
          doubleAckProbability: c.ackBug.doubleAck,
          staleTagAcks: c.ackBug.staleTags,
          app: world.app && c.handler ? (host) => world.app!.forQueueConsumer(c.handler, host) : undefined,
        });
        this.consumers.push(consumer);
        world.targets.register(consumer);
        if (i === 0) for (const cr of c.crashes) this.crashes.push({ consumer, atUs: cr.at, restartAfterUs: cr.restartAfter });
      }
    }
  }

  /**
   * Pulsar enableRetry: the retry letter topic (one partition, same subscription type) joins the queues; without
   * a declared DLQ the client's default dead-letter topic does too, so dead letters are held, not lost.
   */
  private enableRetry(q: QueueSpec): void {
    const main = this.queues.get(q.name) as PulsarSubscription;
    const add = (name: string): PulsarSubscription => {
      const m = new QueueMetrics(name, q.kind, this.world.endUs);
      this.metrics.push(m);
      const t = new PulsarSubscription(name, q.kind, { sim: this.world.sim, history: this.world.history, metrics: m }, pulsarConfig(q, 1));
      this.queues.set(name, t);
      return t;
    };
    const retry = add(retryTopicName(q.name, q.subscriptionName));
    if (!main.deadLetterTarget) main.deadLetterTarget = add(deadLetterTopicName(q.name, q.subscriptionName));
    retry.deadLetterTarget = main.deadLetterTarget;
    main.enableRetry(retry);
  }

  start(): void {
    const sim = this.world.sim;
    for (const c of this.consumers) c.start();
    for (const p of this.producers) p.start();
    for (const r of this.redrives) r.start();
    for (const cr of this.crashes) {
      sim.at(cr.atUs, () => cr.consumer.crash({ loseUnflushed: true }));
      const label = `crash ${cr.consumer.name}`;
      const endUs = cr.restartAfterUs === undefined ? this.world.endUs : cr.atUs + cr.restartAfterUs;
      this.world.faultWindows.push({ label, startUs: cr.atUs, endUs });
      if (cr.restartAfterUs !== undefined) sim.at(cr.atUs + cr.restartAfterUs, () => cr.consumer.restart());
    }
  }

  /** Takes the end-of-run census (history rows the accounting checker reads) and returns the metrics. */
  finish(endUs: number): { stats: QueueStats[]; series: QueueSeries[] } {
    for (const q of this.queues.values()) q.census();
    return { stats: this.metrics.map((m) => m.stats(endUs)), series: this.metrics.map((m) => m.series(endUs)) };
  }

  destroy(): void {
    for (const m of this.metrics) m.destroy();
  }
}
