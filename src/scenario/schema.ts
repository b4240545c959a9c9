// The scenario file schema. Each field carries its description (`.describe`) and its default, written in
// the same human units a user writes (`.prefault("500ms")` runs through the parser); the scenario-file
// reference in docs/ is generated from this, so the two cannot drift. Defaults follow the modelled system
// (semantics.md). Durations resolve to integer microseconds, rates to messages per second, at load.
import { z } from "zod";
import { zDuration, zRate } from "./zod-units.ts";
import { makeConsumerGroupSchema } from "./schema-groups.ts";
import { queueSchemas, zQueueWaitExpect } from "./schema-queues.ts";
import { zLatencyExpect } from "./schema-latency.ts";
import { clusterReplicationFields, keyFields, producerKafkaFields, topicReplicationFields } from "./schema-kafka.ts";
import { zFaults } from "./schema-faults.ts";
import { clusterRetentionFields, metadataMaxAgeField, topicRetentionFields } from "./schema-retention.ts";
import { producerTransactionFields } from "./schema-txn.ts";
import { makePublishingServiceSchema } from "./schema-publish.ts";
import { schemaRegistryFields } from "./schema-registry.ts";
import { appScenarioFields, zDownstreamExpect, zRebalancePauseExpect } from "./schema-app.ts";
import { producerEventTimeFields, zProcessors } from "./schema-streams.ts";

/** A distribution of durations: a bare duration ("2ms") is a constant. Values resolve to microseconds. */
export const zDurationDistribution = z.union([
  zDuration.transform((v) => ({ constant: v })),
  z.strictObject({ constant: zDuration }),
  z.strictObject({ uniform: z.strictObject({ min: zDuration, max: zDuration }) }),
  z.strictObject({ exponential: z.strictObject({ mean: zDuration }) }),
  z.strictObject({ normal: z.strictObject({ mean: zDuration, sd: zDuration }) }),
  z.strictObject({ lognormal: z.strictObject({ median: zDuration, sigma: z.number().nonnegative() }) }),
  z.strictObject({ pareto: z.strictObject({ scale: zDuration, shape: z.number().positive() }) }),
  z.strictObject({
    empirical: z.strictObject({
      values: z.array(zDuration).min(1),
      weights: z.array(z.number().nonnegative()).optional(),
    }),
  }),
]);

const DIST = "a duration, or a distribution: {constant}, {uniform: {min, max}}, {exponential: {mean}}, {normal: {mean, sd}}, " +
  "{lognormal: {median, sigma}}, {pareto: {scale, shape}}, {empirical: {values, weights}}";

const zName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'")
  .describe("Unique name (letters, digits, '.', '_', '-').");

export const zNetwork = z
  .strictObject({
    latency: zDurationDistribution.prefault("1ms").describe(`One-way latency of every client↔broker link; ${DIST}.`),
  })
  .prefault({})
  .describe("The network between clients and brokers. Each link delivers in send order, like a TCP connection.");

export const zCluster = z
  .strictObject({
    brokers: z.number().int().min(1).max(1000).prefault(1).describe("Number of brokers; partition p's replicas start at broker p mod brokers, its preferred leader."),
    appendTime: zDurationDistribution.prefault("100us").describe("Time a partition leader takes to append one produce request."),
    ...clusterReplicationFields,
    ...clusterRetentionFields,
  })
  .prefault({})
  .describe("The brokers.");

export const zTopic = z.strictObject({
  name: zName,
  partitions: z.number().int().min(1).max(10000).prefault(1).describe("Number of partitions (Kafka's num.partitions default is 1)."),
  ...topicReplicationFields,
  ...topicRetentionFields,
});

export const zRateStep = z.strictObject({
  at: zDuration.describe("When this rate takes over, from the start of the run."),
  rate: zRate.describe("The new mean rate, e.g. \"5000/s\" (\"0/s\" pauses the producer)."),
});

export const zKeys = z
  .strictObject({
    count: z.number().int().min(1).max(10_000_000).prefault(100).describe("Number of distinct keys."),
    distribution: z
      .enum(["uniform", "zipf", "sequential"])
      .prefault("uniform")
      .describe("How keys are drawn: uniform, zipf (a few hot keys) or sequential (round-robin over the key space)."),
    zipfExponent: z.number().positive().prefault(1).describe("Zipf exponent s: P(rank k) ∝ 1/(k+1)^s."),
    prefix: z.string().prefault("key-").describe("Keys are written as prefix + index, e.g. key-17."),
    ...keyFields,
  })
  .prefault({})
  .describe("The key space messages are drawn from.");

export const zProducer = z.strictObject({
  name: zName,
  topic: z.string().describe("Topic the producer sends to (one of `topics`)."),
  rate: zRate.describe("Mean send rate, e.g. \"2000/s\"."),
  arrivals: z
    .enum(["poisson", "constant"])
    .prefault("poisson")
    .describe("poisson: exponential gaps between sends; constant: evenly spaced sends."),
  schedule: z.array(zRateStep).prefault([]).describe("Rate steps and bursts: from `at` on, the rate becomes `rate` until the next step."),
  keys: zKeys,
  maxMessages: z.number().int().positive().optional().describe("Stop after this many messages (by default the producer sends for the whole duration)."),
  messageBytes: z.number().int().min(0).prefault(100).describe("Size of each message value in bytes."),
  ...producerKafkaFields,
  ...metadataMaxAgeField,
  ...producerTransactionFields,
  ...producerEventTimeFields(zDurationDistribution),
});

// Consumer groups have many settings and their own event timeline; their schema lives in schema-groups.ts.
export const zConsumerGroup = makeConsumerGroupSchema(zDurationDistribution, DIST);

export const INVARIANTS = ["per-key-order", "no-loss", "no-duplicates", "queue-accounting", "queue-key-order", "queue-duplicates", "dlq-correctness", "no-lost-write", "no-duplicate-offsets", "no-producer-reorder", "no-inconsistent-offsets", "no-poll-skip", "monotonic-poll", "duplicates-explained", "loss-explained", "liveness-lag-drains", "no-aborted-reads", "zombie-fenced", "every-commit-published", "no-phantom-events", "per-aggregate-order", "no-undecodable", "no-silent-defaults", "exactly-once-effects", "effects-no-loss", "downstream-load", "window-results-match", "join-completeness", "dlt-accounting", "rebalance-pause"] as const;
export type InvariantName = (typeof INVARIANTS)[number];

const bound = (p: string) => zDuration.optional().describe(`Upper bound on the ${p} end-to-end latency.`);
export const zLatencyBounds = z
  .strictObject({ p50: bound("median"), p90: bound("90th percentile"), p99: bound("99th percentile"), p999: bound("99.9th percentile"), max: bound("maximum") })
  .describe("Bounds on end-to-end latency (producer send → processing done), over every group.");

export const zExpect = z
  .strictObject({
    hold: z.array(z.enum(INVARIANTS)).prefault([]).describe(`Invariants that must hold: ${INVARIANTS.join(", ")}.`),
    violate: z.array(z.enum(INVARIANTS)).prefault([]).describe("Invariants this scenario expects to break (teaching scenarios)."),
    permitted: z
      .array(z.enum(INVARIANTS))
      .prefault([])
      .describe("Invariants that may break only where the scenario's settings permit it (config-aware Kafka checkers): met when every anomaly found is permitted by a setting."),
    latency: zLatencyExpect.optional(),
    latencyViolated: z.boolean().prefault(false).describe("true: the latency bounds are expected to be exceeded."),
    queueWait: zQueueWaitExpect,
    downstream: zDownstreamExpect,
    rebalancePause: zRebalancePauseExpect,
  })
  .prefault({})
  .describe("What must hold. A run whose expectations are not all met exits with code 1.");

// Services with a database that publish an event per committed change (schema-publish.ts).
export const zPublishingService = makePublishingServiceSchema(zDurationDistribution, DIST);
// Downstream services and stores the handlers use (schema-app.ts).
const APP = appScenarioFields(zDurationDistribution, DIST);

const QUEUES = queueSchemas({ zName, zKeys, zRateStep, zDurationDistribution, DIST });

export const zScenario = z
  .strictObject({
    name: zName,
    description: z.string().min(1).describe("What this scenario teaches and what it expects; the first sentence is its one-line summary."),
    duration: zDuration.describe("How long producers send, e.g. \"60s\"."),
    drain: zDuration.prefault("30s").describe("Extra time after producers stop for consumers to catch up, before the checks."),
    seed: z.number().int().nonnegative().prefault(1).describe("Seed used when --seed is not given."),
    network: zNetwork,
    cluster: zCluster,
    topics: z.array(zTopic).prefault([]).describe("Topics and their partitions (a queue-only scenario may leave them out)."),
    producers: z.array(zProducer).prefault([]).describe("Producers and their load; a scenario needs at least one producer or queue producer."),
    consumerGroups: z.array(zConsumerGroup).prefault([]).describe("Consumer groups reading the topics."),
    services: z
      .array(z.union([zPublishingService, APP.downstreamService]))
      .prefault([])
      .describe(
        "Services. With `publish:`, a service with a database that publishes an event for every committed change; without it, " +
          "a downstream service the handlers call (`call` steps), faulted with { at, outage: <name> }, { at, brownout: {...} }, { at, slowdown: {...} }.",
      ),
    ...QUEUES,
    stores: APP.stores,
    processors: zProcessors,
    faults: zFaults,
    ...schemaRegistryFields,
    expect: zExpect,
    coverage: z
      .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
      .prefault([])
      .describe(
        "Situations a seed sweep should reach at least once, as a name or { name: parameter }: processed-twice, redelivered, " +
          "produce-retry, retry-after-unknown, produce-fail, produce-unknown, { latency-above: 2s }, { lag-above: 5000 }, " +
          "leader-change, rebalance, rebalance-during-commit, dlq, { op: <history op name> }. `brokersim sweep` reports which were reached and in how many seeds.",
      ),
  })
  .describe("A scenario file.");

export type Scenario = z.output<typeof zScenario>;
export type DurationDistribution = z.output<typeof zDurationDistribution>;
export type ProducerSpec = z.output<typeof zProducer>;
export type ConsumerGroupSpec = z.output<typeof zConsumerGroup>;
export type TopicSpec = z.output<typeof zTopic>;
export type PublishingServiceSpec = z.output<typeof zPublishingService>;
export type ServiceSpec = Scenario["services"][number];
export type DownstreamServiceSpec = Exclude<ServiceSpec, PublishingServiceSpec>;
/** A `services:` entry with `publish:` has a database and publishes events; one without is a downstream service. */
export function isPublishingService(s: ServiceSpec): s is PublishingServiceSpec {
  return s.publish !== undefined;
}
export function downstreamServices(s: Scenario): DownstreamServiceSpec[] {
  return s.services.filter((x): x is DownstreamServiceSpec => !isPublishingService(x));
}
export function publishingServices(s: Scenario): PublishingServiceSpec[] {
  return s.services.filter(isPublishingService);
}
