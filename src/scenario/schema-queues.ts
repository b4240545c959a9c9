// The queue part of the scenario schema: `queues` (SQS standard/FIFO, RabbitMQ classic/quorum, a Pulsar
// subscription), `queueProducers` and `queueConsumers`. schema.ts calls `queueSchemas` with its shared
// building blocks (names, key spaces, rate steps, distributions), so this file has no runtime import of
// schema.ts and no import cycle. Defaults follow semantics.md §4-6; fields that belong to one system say so.
import { z } from "zod";
import { zDuration, zProbability, zRate } from "./zod-units.ts";
import type { Scenario } from "./schema.ts";
import { handlerFields, queueConcurrencyFields, type Dist } from "./schema-app.ts";

export const QUEUE_KINDS = ["sqs-standard", "sqs-fifo", "rabbitmq-classic", "rabbitmq-quorum", "pulsar"] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

export const PULSAR_SUBSCRIPTIONS = ["exclusive", "failover", "shared", "key_shared"] as const;

/** RabbitMQ versions whose quorum delivery-limit rule differs: 4.3 counts only failed deliveries. */
export const RABBITMQ_VERSIONS = ["4.0", "4.1", "4.2", "4.3"] as const;

interface Blocks<N extends z.ZodType<string>, K extends z.ZodType, R extends z.ZodType, D extends z.ZodType> {
  zName: N;
  zKeys: K;
  zRateStep: R;
  zDurationDistribution: D;
  DIST: string;
}

export function queueSchemas<N extends z.ZodType<string>, K extends z.ZodType, R extends z.ZodType, D extends z.ZodType>(b: Blocks<N, K, R, D>) {
  const zDeadLetter = z
    .strictObject({
      queue: z.string().describe("The dead-letter queue (one of `queues`, same family; SQS requires the same type)."),
      maxReceiveCount: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .describe("SQS redrive policy: a consumer sees a message at most this many times, then it moves to the DLQ. Required for SQS."),
      maxRedeliverCount: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          "Pulsar DeadLetterPolicy: a message nacked or timed out again after this many redeliveries goes to the DLQ (maxRedeliverCount + 1 deliveries); with reconsumeLater, once RECONSUMETIMES would exceed it. Required for Pulsar.",
        ),
      exchange: z.string().optional().describe("RabbitMQ dead-letter-exchange: its name, as recorded in x-death (default \"dlx\")."),
      routingKey: z.string().optional().describe("RabbitMQ dead-letter-routing-key: dead letters are routed with this key (default: their original routing keys)."),
    })
    .describe("Where messages that exhausted their attempts go. RabbitMQ: the dead-letter exchange routes to this queue (reasons rejected, expired, maxlen, delivery_limit).");

  const zRedrive = z
    .strictObject({
      at: zDuration.describe("When the redrive task (SQS StartMessageMoveTask) starts."),
      rate: zRate.prefault("500/s").describe("MaxNumberOfMessagesPerSecond: messages moved back per second, oldest first."),
    })
    .describe("On a dead-letter queue: move its messages back to the queue each came from, at a rate (SQS DLQ redrive).");

  const zQueue = z.strictObject({
    name: b.zName,
    kind: z.enum(QUEUE_KINDS).describe("Which system: sqs-standard, sqs-fifo, rabbitmq-classic, rabbitmq-quorum or pulsar (a subscription on a partitioned topic)."),
    visibilityTimeout: zDuration.prefault("30s").describe("SQS: how long a received message stays invisible (0s–12h)."),
    delay: zDuration.prefault("0s").describe("SQS DelaySeconds: new messages become receivable this long after the send (0–15 min)."),
    retention: zDuration.prefault("96h").describe("SQS MessageRetentionPeriod (default 4 days); a standard DLQ counts it from the original send."),
    inFlightLimit: z.number().int().min(1).prefault(120_000).describe("SQS: messages in flight beyond which receives return nothing."),
    servers: z.number().int().min(1).max(64).prefault(4).describe("SQS standard: servers the messages are spread over; short polling samples a random subset of them."),
    duplicateProbability: zProbability.prefault(0).describe("SQS standard: probability a deleted message comes back once (at-least-once; rare in practice)."),
    messageTtl: zDuration.optional().describe("RabbitMQ x-message-ttl: messages expire this long after enqueue, removed only at the head."),
    maxLength: z.number().int().min(1).optional().describe("RabbitMQ x-max-length: beyond it the head is dropped (dead-lettered with reason maxlen)."),
    deliveryLimit: z.number().int().min(-1).prefault(20).describe("RabbitMQ quorum x-delivery-limit (default 20 since 4.0; -1 disables): past it a returned message is dead-lettered (delivery_limit)."),
    rabbitmqVersion: z
      .enum(RABBITMQ_VERSIONS)
      .prefault("4.3")
      .describe(
        "RabbitMQ server version, for the quorum delivery-limit rule. 4.3 (default, the current docs): only failed deliveries count (channel/connection loss, consumer_timeout), not nack with requeue; x-acquired-count counts every hand-out. 4.0–4.2: every return counts.",
      ),
    durable: z.boolean().prefault(true).describe("RabbitMQ classic: a durable queue; the publisher confirm of a persistent message waits for the next fsync."),
    fsyncInterval: zDuration
      .prefault("200ms")
      .describe("RabbitMQ classic: persistent messages are fsynced in batches, this long after the first one waiting (rabbit_amqqueue_process SYNC_INTERVAL, 200 ms); their confirms go out then."),
    quorumCommitDelay: zDuration
      .prefault("2ms")
      .describe("RabbitMQ quorum: time for a quorum of replicas to have a message (replicas are not modelled; a modelling assumption); the publisher confirm waits for it."),
    subscriptionName: z
      .string()
      .min(1)
      .prefault("sub")
      .describe("Pulsar: the subscription's name (the queue's name is the topic's); the retry and dead-letter topics are `<topic>-<subscription>-RETRY` and `-DLQ`."),
    consumerTimeout: zDuration.prefault("30min").describe("RabbitMQ consumer_timeout: a delivery unacknowledged this long closes its channel and is requeued (checked every minute)."),
    partitions: z.number().int().min(1).max(1000).prefault(1).describe("Pulsar: partitions of the topic the subscription reads."),
    subscription: z.enum(PULSAR_SUBSCRIPTIONS).prefault("shared").describe("Pulsar subscription type: exclusive, failover, shared or key_shared."),
    ackTimeout: zDuration.prefault("0s").describe("Pulsar ackTimeout (0 = off; ≥ 1s, checked on a 1 s tick): unacked messages are redelivered."),
    negativeAckRedeliveryDelay: zDuration.prefault("1min").describe("Pulsar: a negatively acknowledged message is redelivered after this delay."),
    deadLetter: zDeadLetter.optional(),
    redrive: zRedrive.optional(),
  });

  const zQueueProducer = z.strictObject({
    name: b.zName,
    queue: z.string().describe("Queue the producer sends to (one of `queues`)."),
    rate: zRate.describe("Mean send rate, e.g. \"200/s\"."),
    arrivals: z.enum(["poisson", "constant"]).prefault("poisson").describe("poisson: exponential gaps between sends; constant: evenly spaced sends."),
    schedule: z.array(b.zRateStep).prefault([]).describe("Rate steps: from `at` on, the rate becomes `rate` until the next step."),
    keys: b.zKeys,
    maxMessages: z.number().int().positive().optional().describe("Stop after this many messages."),
    messageTtl: zDuration.optional().describe("RabbitMQ per-message expiration; the smaller of this and the queue's messageTtl applies."),
    resendProbability: zProbability.prefault(0).describe("Probability the producer re-sends a message (its answer was lost): same deduplication id, new message."),
    resendAfter: zDuration.prefault("1s").describe("How long after the first send the re-send happens."),
    persistent: z.boolean().prefault(true).describe("RabbitMQ delivery mode 2: persistent messages to a durable classic queue are confirmed after the fsync."),
  });

  const zCrash = z.strictObject({
    at: zDuration.describe("When the consumer crashes (its connection drops)."),
    restartAfter: zDuration.optional().describe("Restart this long after the crash; never when omitted."),
  });

  const zQueueConsumer = z.strictObject({
    name: b.zName,
    queue: z.string().describe("Queue the consumers read (one of `queues`)."),
    count: z.number().int().min(1).max(10_000).prefault(1).describe("Competing consumers, named `<name>-0`, `<name>-1`, …; each runs one handler at a time."),
    prefetch: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("RabbitMQ basic.qos prefetch per consumer (0 = unlimited, the default; quorum queues cap at 2000) / Pulsar receiverQueueSize (default 1000)."),
    maxMessages: z.number().int().min(1).max(10).prefault(1).describe("SQS ReceiveMessage MaxNumberOfMessages (1–10)."),
    waitTime: zDuration.prefault("20s").describe("SQS WaitTimeSeconds: 0 = short polling (may return nothing while messages exist), up to 20s = long polling."),
    visibilityTimeout: zDuration.optional().describe("SQS: visibility timeout asked for on each receive (default: the queue's)."),
    extendVisibilityEvery: zDuration.prefault("0s").describe("SQS: while a handler runs, call ChangeMessageVisibility this often (0 = never)."),
    extendVisibilityBy: zDuration.prefault("30s").describe("SQS: the new visibility timeout each extension asks for."),
    emptyPollDelay: zDuration.prefault("100ms").describe("SQS short polling: pause before polling again after an empty answer."),
    processing: z
      .strictObject({
        time: (b.zDurationDistribution as unknown as z.ZodType<z.output<D>, any>).prefault("1ms").describe(`Handler time per message; ${b.DIST}.`),
        failureProbability: zProbability.prefault(0).describe("Probability a handler run fails transiently (a retry may succeed)."),
        poison: z
          .strictObject({
            keys: z.array(z.string()).prefault([]).describe("Messages with these keys always fail."),
            everyNth: z.number().int().min(0).prefault(0).describe("Message ids n·k − 1 always fail (every k-th message; 0 = none)."),
          })
          .prefault({})
          .describe("Poison messages: their handler always fails."),
        ...queueConcurrencyFields,
      })
      .prefault({})
      .describe("How the handler behaves."),
    ...handlerFields(b.zDurationDistribution as unknown as Dist, b.DIST),
    onFailure: z
      .enum(["requeue", "reject", "abandon", "retry-later"])
      .optional()
      .describe("On a failed handler: requeue (SQS ChangeMessageVisibility 0, RabbitMQ nack requeue=true, Pulsar negative ack), reject (RabbitMQ requeue=false → DLX), abandon (let the visibility/ack timeout bring it back), retry-later (Pulsar retry letter topic). Default: SQS abandon, RabbitMQ requeue, Pulsar requeue."),
    crashes: z.array(zCrash).prefault([]).describe("Crashes of the first instance (`<name>-0`) over the run."),
    retryDelay: zDuration.optional().describe("Pulsar reconsumeLater delay for onFailure: retry-later (default: the queue's negativeAckRedeliveryDelay)."),
    ackBug: z
      .strictObject({
        doubleAck: zProbability.prefault(0).describe("Probability a successful handler acks its delivery twice; RabbitMQ closes the channel (PRECONDITION_FAILED)."),
        staleTags: z
          .boolean()
          .prefault(false)
          .describe("After its channel was closed, the handler still acks the old channel's deliveries on the new one (unknown tags → PRECONDITION_FAILED) instead of dropping them."),
      })
      .prefault({})
      .describe("RabbitMQ client bugs to inject (off by default)."),
  });

  return {
    queues: z.array(zQueue).prefault([]).describe("Queues: SQS standard/FIFO, RabbitMQ classic/quorum, Pulsar subscriptions."),
    queueProducers: z.array(zQueueProducer).prefault([]).describe("Producers sending to queues."),
    queueConsumers: z.array(zQueueConsumer).prefault([]).describe("Consumers competing for messages on queues."),
  };
}

export type QueueSpec = Scenario["queues"][number];
export type QueueProducerSpec = Scenario["queueProducers"][number];
export type QueueConsumerSpec = Scenario["queueConsumers"][number];

/** expect.queueWait: a queue's mean queue wait near a value, or near the M/M/c (Erlang C) prediction. */
export const zQueueWaitExpect = z
  .array(
    z.strictObject({
      queue: z.string().describe("The queue (one of `queues`)."),
      mean: zDuration.optional().describe("Expected mean queue wait (enqueue or return → delivery)."),
      erlangC: z
        .boolean()
        .prefault(false)
        .describe("true: expect the M/M/c value, computed from the queue's producer rates, its consumer count and their exponential handler mean (no network delay assumed)."),
      tolerance: zProbability.prefault(0.1).describe("Allowed relative difference, e.g. 10%."),
    }),
  )
  .optional()
  .describe("Bounds on queues' mean queue wait, e.g. - { queue: jobs, erlangC: true, tolerance: 10% }.");
