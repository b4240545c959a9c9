// Scenario schema for the application layer: downstream `services:` and `stores:` (top level), a consumer's
// `handler:` (steps run per record) and `errorHandling:` (what a stream consumer does with a record that keeps
// failing), service faults, the `redrive` operation and `expect.downstream`. Defaults follow semantics.md §10
// (AWS back-off, resilience4j) and §11 (Spring for Apache Kafka). schema.ts and schema-groups.ts call these
// factories with their distribution schema, so this file has no runtime import of schema.ts.
import { z } from "zod";
import { zDuration, zPositiveDuration, zProbability, zRate } from "./zod-units.ts";
import type { zDurationDistribution as DurationDistributionSchema } from "./schema.ts";

export type Dist = typeof DurationDistributionSchema;

const zName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'").describe("Unique name (letters, digits, '.', '_', '-').");

/** Top-level `services:` (downstream services) and `stores:` (database tables). */
export function appScenarioFields(zDurationDistribution: Dist, DIST: string) {
  const zDownstreamService = z.strictObject({
    name: zName,
    servers: z.number().int().min(1).max(100_000).prefault(8).describe("Calls served at the same time (threads, connections); the rest wait in FIFO order."),
    serviceTime: zDurationDistribution.prefault("10ms").describe(`Time to serve one call; ${DIST}.`),
    errorRate: zProbability.prefault(0).describe("Probability a served call fails (an HTTP 5xx)."),
    rateLimit: zRate.optional().describe("Calls per second the service accepts (a token bucket holding one second of tokens); calls over it are rejected at once and count as errors. None by default."),
  });
  const zStore = z.strictObject({
    name: zName,
    commitLatency: zDurationDistribution.prefault("2ms").describe(`Time one transaction (a dedup check, an effect, or both together) takes to commit; ${DIST}.`),
  });
  return {
    /** One entry of `services:` without `publish:` (schema.ts makes the list a union with publishing services). */
    // `publish` marks a publishing service: refusing it here makes zod report the publishing branch's own errors.
    downstreamService: zDownstreamService.extend({ publish: z.never().optional().describe("Not on a downstream service: an entry with `publish:` is a publishing service (see above).") }),
    stores: z
      .array(zStore)
      .prefault([])
      .describe("Database tables the handlers use for dedup keys and effects; shared by every member, durable across crashes ({ at, crash: <name>, for } makes one unavailable)."),
  };
}


const zRetry = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(1000).prefault(3).describe("Attempts in all, the first included (1 = no retry)."),
    base: zDuration.prefault("100ms").describe("Back-off base b: the un-jittered sleep before retry n is min(cap, b·2^n), n = 1 for the first retry (AWS formulas)."),
    cap: zDuration.prefault("10s").describe("Back-off cap c."),
    jitter: z
      .enum(["none", "full", "equal", "decorrelated"])
      .prefault("full")
      .describe("none: min(c, b·2^n); full: U(0, min(c, b·2^n)); equal: half of it plus U(0, half); decorrelated: min(c, U(b, 3·previous sleep))."),
  })
  .describe("Retries of a failed call (an error, a timeout, a rejection, or a call the breaker did not permit).");

const zCircuitBreaker = z
  .strictObject({
    slidingWindowType: z.enum(["count", "time"]).prefault("count").describe("COUNT_BASED (the last N calls) or TIME_BASED (the calls of the last N seconds)."),
    slidingWindowSize: z.number().int().min(1).max(100_000).prefault(100).describe("N: calls (count) or seconds (time)."),
    minimumNumberOfCalls: z.number().int().min(1).prefault(100).describe("No rate exists below this many calls in the window (capped at the window size when count-based)."),
    failureRateThreshold: z.number().gt(0).max(100).prefault(50).describe("Percent of failed calls at which it opens (≥)."),
    slowCallRateThreshold: z.number().gt(0).max(100).prefault(100).describe("Percent of slow calls at which it opens (≥)."),
    slowCallDurationThreshold: zPositiveDuration.prefault("60s").describe("A call longer than this is slow."),
    waitDurationInOpenState: zPositiveDuration.prefault("60s").describe("How long it stays open before letting trial calls through."),
    permittedNumberOfCallsInHalfOpenState: z.number().int().min(1).prefault(10).describe("Trial calls admitted in half-open; the rest are rejected."),
    automaticTransitionFromOpenToHalfOpenEnabled: z.boolean().prefault(false).describe("true: a timer turns it half-open after the wait; false: the next call after the wait does."),
  })
  .describe("A resilience4j circuit breaker in front of the service, one per consumer member (defaults are resilience4j's).");

const zKeyChoice = z
  .enum(["message-id", "record-key"])
  .prefault("message-id")
  .describe("message-id: an event id the producer sets on each message (a retry or redrive keeps it); record-key: the record's key.");

/** The steps of a handler, each a one-key object. */
export function handlerStepSchema(zDurationDistribution: Dist, DIST: string) {
  const zProcess = z.strictObject({ process: zDurationDistribution.describe(`Local work on the record; ${DIST}.`) });
  const zDedup = z.strictObject({
    dedup: z
      .strictObject({
        key: zKeyChoice,
        store: z.string().prefault("memory").describe("memory: a table in each member's memory, lost when it crashes; or the name of a `stores:` entry, shared and durable."),
        ttl: zPositiveDuration.prefault("1h").describe("How long an idempotency key is remembered; a redelivery after that is not recognised."),
        atomic: z
          .boolean()
          .prefault(false)
          .describe("true: the key is written in the same transaction as the `effect` step (needs the effect in the same store). false: check, then act, then write the key: a crash between the effect and the write leaves a gap."),
      })
      .describe("Skip the rest of the handler for a record whose idempotency key was seen."),
  });
  const zCall = z.strictObject({
    call: z
      .strictObject({
        service: z.string().describe("The service to call (one of `services`)."),
        timeout: zPositiveDuration.prefault("5s").describe("The caller gives up after this long (the service may still be working on it)."),
        retry: zRetry.optional(),
        circuitBreaker: zCircuitBreaker.optional(),
      })
      .describe("Call a downstream service; when every attempt fails the record fails (see errorHandling)."),
  });
  const zEffect = z.strictObject({
    effect: z
      .strictObject({
        store: z.string().describe("The store the effect is applied to (one of `stores`)."),
        key: zKeyChoice,
      })
      .describe("Apply the record's side effect to a store (an upsert counted per message); exactly-once-effects checks these."),
  });
  const zFail = z.strictObject({
    fail: z
      .strictObject({
        keys: z.array(z.string()).prefault([]).describe("Records with these keys fail."),
        fraction: zProbability.prefault(0).describe("This fraction of messages fail, drawn from the seeded stream per message id (the same ones on every attempt)."),
        window: z
          .strictObject({ from: zDuration.describe("Start (run time)."), to: zDuration.describe("End (run time).") })
          .optional()
          .describe("Records handled in this time window fail (a bug deployed, then fixed)."),
        times: z.number().int().min(1).optional().describe("Transient: a chosen record fails only its first N attempts. Without it, it fails always (a poison pill)."),
        error: z.string().prefault("ProcessingException").describe("The exception named in dead-letter headers."),
      })
      .describe("Deterministic failures: chosen records make the handler throw."),
  });
  const zProduce = z.strictObject({
    produce: z
      .strictObject({
        topic: z.string().describe("The topic to write to (one of `topics`): the next stage of a pipeline."),
        producer: z
          .record(z.string(), z.unknown())
          .prefault({})
          .describe("Settings of the member's producer, as a `producers:` entry takes them (acks, enableIdempotence, lingerMs, batchSize, retries, deliveryTimeout...), without name, topic and rate."),
      })
      .describe("Send one record (the input's key) to another topic through a normal Kafka producer, one per member; with acks 1 or all the handler waits for the acknowledgement, and a send that fails fails the record."),
  });
  return z.union([zProcess, zDedup, zCall, zEffect, zFail, zProduce]);
}

/** Spring for Apache Kafka error handling for a consumer group. */
export const zErrorHandling = z
  .strictObject({
    mode: z
      .enum(["blocking", "retry-topics", "stop", "skip"])
      .prefault("blocking")
      .describe(
        "blocking: DefaultErrorHandler retries in place (the partition waits), then publishes to `<topic>.DLT` (same partition, with headers) and commits the offset. " +
          "retry-topics: the record moves to `<topic>-retry-0..n` with growing delays, then `<topic>-dlt`; the partition keeps flowing, per-key order is given up. " +
          "stop: the container stops at the failed record (the partition stalls). skip: log it and move on (lost by policy).",
      ),
    backOff: z
      .strictObject({
        interval: zDuration.prefault(0).describe("FixedBackOff interval between attempts."),
        maxRetries: z.number().int().min(0).max(10_000).prefault(9).describe("FixedBackOff max attempts after the first: the default 9 gives 10 delivery attempts."),
      })
      .prefault({})
      .describe("blocking (and stop): Spring's FixedBackOff(0, 9) by default."),
    deadLetter: z.boolean().prefault(true).describe("blocking: publish to `<topic>.DLT` when retries are exhausted (false: log and skip)."),
    retryTopics: z
      .strictObject({
        attempts: z.number().int().min(2).max(20).prefault(3).describe("Attempts in all (@RetryableTopic attempts): the first on the main topic, then one per retry topic."),
        delay: zPositiveDuration.prefault("1s").describe("Delay of the first retry topic."),
        multiplier: z.number().min(1).prefault(2).describe("Each retry topic's delay is the previous one's times this."),
      })
      .prefault({})
      .describe("retry-topics: the chain of retry topics."),
  })
  .describe("What the consumer does with a record whose handler failed (Spring for Apache Kafka; semantics.md §11).");

/** Fields a consumer group or queue consumer gets: its handler steps. */
export function handlerFields(zDurationDistribution: Dist, DIST: string) {
  return {
    handler: z
      .array(handlerStepSchema(zDurationDistribution, DIST))
      .min(1)
      .optional()
      .describe("Steps run per record, in order: { process }, { dedup }, { call }, { effect }, { fail }, { produce }. Without it, `processing.time` is the handler."),
  };
}

export function appGroupFields(zDurationDistribution: Dist, DIST: string) {
  return { ...handlerFields(zDurationDistribution, DIST), errorHandling: zErrorHandling.optional() };
}

// ---------- faults and operations ----------

const at = zDuration.describe("When it starts, from the start of the run.");
const forDur = zPositiveDuration.optional().describe("How long it lasts (default: to the end of the run).");

export const zFaultOutage = z.strictObject({
  at,
  outage: z.string().min(1).describe("Service that goes down: every call fails (mode error) or hangs until the caller's timeout (mode timeout)."),
  mode: z.enum(["error", "timeout"]).prefault("error").describe("error: calls fail at once (connection refused, 503); timeout: calls are never answered."),
  for: forDur,
});

export const zFaultBrownout = z.strictObject({
  at,
  brownout: z
    .strictObject({
      service: z.string().min(1).describe("Service affected."),
      errorRate: zProbability.prefault(0.5).describe("Added to the service's error rate."),
      latency: zDuration.prefault("200ms").describe("Added to every call's service time."),
    })
    .describe("A partial failure: more errors and more latency."),
  for: forDur,
});

export const zFaultServiceSlowdown = z.strictObject({
  at,
  slowdown: z
    .strictObject({
      service: z.string().min(1).describe("Service affected."),
      factor: z.number().positive().describe("Service time is multiplied by this."),
    })
    .describe("The service gets slower (a bad deploy, a cold cache)."),
  for: forDur,
});

export const zRedrive = z.strictObject({
  at: zDuration.describe("When the redrive starts (after the fix)."),
  redrive: z
    .strictObject({
      from: z.string().min(1).describe("The dead-letter topic (`<topic>.DLT` or `<topic>-dlt`) or dead-letter queue (SQS, RabbitMQ) to replay."),
      to: z.string().min(1).describe("Where the records go back: the group's original topic, or the queue whose deadLetter names `from`."),
      window: z
        .strictObject({ from: zDuration.prefault(0).describe("Dead-lettered at or after this time."), to: zDuration.optional().describe("...and before this time (default: when the redrive starts).") })
        .prefault({})
        .describe("Which dead-lettered records to replay, by when they were dead-lettered."),
      rate: zRate.prefault("100/s").describe("Replay rate."),
    })
    .describe("Not a fault but an operation: replay a dead-letter topic's or queue's messages after a fix (for a queue: the operator's DLQ redrive / shovel, oldest first, moving only what is still in the DLQ); each replay keeps the original message id."),
});

/** Appended to the faults union by schema-faults.ts. */
export const appFaultSchemas = [zFaultOutage, zFaultBrownout, zFaultServiceSlowdown, zRedrive] as const;

export const zDownstreamExpect = z
  .record(
    z.string(),
    z.strictObject({
      maxRate: zRate.describe("The most calls per second the service may be offered (retries included)."),
      window: zPositiveDuration.prefault("1s").describe("The window the rate is measured over (sliding, call by call)."),
    }),
  )
  .optional()
  .describe("Bounds on the load offered to downstream services, checked by downstream-load, e.g. { payments: { maxRate: 500/s, window: 1s } }.");

/** Parallel processing within one consumer-group member (processing.concurrency / maxInFlight / ordering). */
export const parallelProcessingFields = {
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .prefault(1)
    .describe("Records one member processes at the same time (worker threads). 1: one after another in the poll loop. Above 1 the poll loop keeps polling while workers process, and commits only up to the lowest unfinished record of each partition."),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe("Backpressure (concurrency > 1): once this many records are fetched and not finished, the member pauses its partitions (consumer.pause: polls return nothing, the member keeps polling so it stays in the group) and resumes below it. Default: twice the concurrency."),
  ordering: z
    .enum(["key", "partition", "unordered"])
    .prefault("key")
    .describe("concurrency > 1: key: records of one key never run at the same time, so per-key order holds; partition: one record per partition at a time; unordered: any record may run, giving up per-key order within a partition."),
};

/** Queue consumers' worker pool (processing.concurrency / maxInFlight of a `queueConsumers` entry). */
export const queueConcurrencyFields = {
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .prefault(1)
    .describe("Handlers one consumer runs at the same time (a worker pool). 1: one message after another. Above 1: SQS keeps receiving while messages are in hand (see maxInFlight); RabbitMQ and Pulsar run this many of the deliveries their prefetch lets in, the rest wait in the client."),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(120_000)
    .optional()
    .describe("SQS, concurrency > 1: most messages received and not yet deleted or released; at the limit the consumer sends no ReceiveMessage until a handler finishes (shown as a pause). Visibility timeouts run from the receive, so a limit far above the concurrency holds messages past their timeout and they are received again. Default: twice the concurrency. RabbitMQ and Pulsar: use prefetch."),
};

/** processing.batch: the poll's records handled as one batch (a bulk write, a batch API call). */
export function batchProcessingField(zDurationDistribution: Dist, DIST: string) {
  return {
    batch: z
      .strictObject({
        time: zDurationDistribution.describe(`Time to process the whole batch, however many records poll returned; ${DIST}.`),
      })
      .optional()
      .describe("Process each poll's records as one batch taking `time` (per batch, not per record): the member is out of poll for that long, so long batches delay its join in a rebalance and, beyond max.poll.interval, get it removed from the group."),
  };
}

export const zRebalancePauseExpect = z
  .record(
    z.string(),
    z.strictObject({
      max: zDuration.describe("The longest a member that was consuming may stand still in a rebalance (from revoking all its partitions to being assigned some again)."),
    }),
  )
  .optional()
  .describe("Bounds per consumer group on a rebalance's pause, checked by rebalance-pause, e.g. { billing: { max: 5s } }.");
