// Scenario schema for services that own a database and publish an event per committed change
// (semantics.md §8): the request load over aggregate ids, the database (commit latency, concurrent
// transactions), and the publishing strategy — dual write, transactional outbox with a polling relay, or
// outbox with a log-tailing CDC connector (Debezium's Outbox Event Router). These are `services:` entries that
// carry `publish:`; downstream services (without `publish:`) are described elsewhere.
import { z } from "zod";
import { zDuration, zPositiveDuration, zRate } from "./zod-units.ts";
import { producerKafkaFields } from "./schema-kafka.ts";
import type { zDurationDistribution as DurationDistributionSchema } from "./schema.ts";
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";

/** Called by schema.ts once zDurationDistribution exists; DIST describes the distribution forms. */
export function makePublishingServiceSchema(zDurationDistribution: typeof DurationDistributionSchema, DIST: string) {
  const zName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'").describe("Unique name (letters, digits, '.', '_', '-').");

  const zAggregates = z
    .strictObject({
      count: z.number().int().min(1).max(10_000_000).prefault(100).describe("Number of distinct aggregate ids requests touch."),
      distribution: z.enum(["uniform", "zipf", "sequential"]).prefault("uniform").describe("How a request picks its aggregate: uniform, zipf (a few hot aggregates) or sequential."),
      zipfExponent: z.number().positive().prefault(1).describe("Zipf exponent s: P(rank k) ∝ 1/(k+1)^s."),
      prefix: z.string().prefault("order-").describe("Aggregate ids are prefix + index, e.g. order-17; the id is the event's Kafka key."),
    })
    .prefault({})
    .describe("The aggregate ids requests change (each request changes one aggregate and emits one event for it).");

  const zDatabase = z
    .strictObject({
      transactionTime: zDurationDistribution.prefault("1ms").describe(`Time from the inserts to the COMMIT request (the request's own work); ${DIST}.`),
      commitLatency: zDurationDistribution.prefault("2ms").describe(`Time a COMMIT takes to become durable; ${DIST}. Ids are taken at insert, LSNs at commit, so concurrent transactions can commit ids out of order.`),
      maxConcurrentTransactions: z.number().int().min(1).max(10_000).prefault(10).describe("Connections in the pool: transactions beyond this wait for one to finish."),
    })
    .prefault({})
    .describe("The service's relational database (crash/restart with the service: committed rows and the WAL survive, open transactions roll back).");

  // One mapping for every strategy (each field says which strategy reads it), so the reference documents them all.
  const zPublish = z.strictObject({
    strategy: z
      .enum(["dual-write", "outbox-polling", "outbox-cdc", "transactional-producer"])
      .describe(
        "dual-write: write the database, then publish to Kafka as a separate step (no atomicity). outbox-polling: the transaction also inserts an outbox row; " +
          "a relay polls committed rows, publishes them, then marks them. outbox-cdc: the transaction inserts an outbox row; a Debezium-style connector tails the " +
          "write-ahead log and publishes each insert (Outbox Event Router). transactional-producer: commit to the database, then publish with a Kafka transactional producer " +
          "(transactional.id <service>-tx) whose transaction commits every transactionInterval — Kafka transactions do not span the database, so a crash before the Kafka commit aborts events whose changes committed.",
      ),
    order: z
      .enum(["commit-then-publish", "publish-then-commit"])
      .prefault("commit-then-publish")
      .describe("dual-write: commit-then-publish — a crash after the commit loses the event (still in the producer's buffer); publish-then-commit — a crash before the commit leaves a published event for a change that rolled back (a phantom)."),
    interval: zPositiveDuration.prefault("1s").describe("outbox-polling: how often the relay polls the outbox table."),
    transactionInterval: zPositiveDuration.prefault("100ms").describe("transactional-producer: how long each Kafka transaction stays open before it commits."),
    batchSize: z.number().int().min(1).max(100_000).prefault(100).describe("outbox-polling: rows read per poll (LIMIT)."),
    cursor: z
      .enum(["id", "commit-order"])
      .prefault("id")
      .describe("outbox-polling: id — WHERE id > last id read; a row whose id was taken before a higher one but that committed after the relay read the higher one is skipped for good. commit-order — by the commit position (LSN), which never skips."),
    after: z.enum(["mark", "delete"]).prefault("mark").describe("outbox-polling: what the relay does to published rows, mark them published or delete them (one statement after the batch's acks)."),
    markLatency: zDuration.prefault("2ms").describe("outbox-polling: time the mark/delete statement (and the cursor saved with it) takes to commit; a crash before it re-publishes the batch."),
    snapshot: z.enum(["initial", "no_data"]).prefault("initial").describe("outbox-cdc: snapshot.mode — initial (default) reads the rows already committed, then streams from the log position it noted; no_data streams only."),
    pollInterval: zPositiveDuration.prefault("500ms").describe("outbox-cdc: poll.interval.ms — how long the connector waits for new log entries when it has none (Debezium default 500ms)."),
    offsetFlushInterval: zPositiveDuration
      .prefault("60s")
      .describe("outbox-cdc: offset.flush.interval.ms (Kafka Connect) — source offsets (the last log position whose event Kafka acknowledged) are committed this often; a connector crash re-emits everything after the last flush. Default 60s."),
  });

  return z.strictObject({
    name: zName,
    rate: zRate.describe("Mean request rate, e.g. \"200/s\"; each request runs one database transaction."),
    arrivals: z.enum(["poisson", "constant"]).prefault("poisson").describe("poisson: exponential gaps between requests; constant: evenly spaced."),
    aggregates: zAggregates,
    aggregateType: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .prefault("order")
      .describe("The outbox rows' aggregatetype; the Outbox Event Router routes to topic outbox.event.<aggregatetype> unless `topic` is given."),
    topic: z.string().optional().describe("The topic events go to (route.topic.replacement); default outbox.event.<aggregateType>."),
    database: zDatabase,
    publish: zPublish.describe("How committed changes become events (`strategy`) and that strategy's settings."),
    producer: z.strictObject({ ...producerKafkaFields }).prefault({}).describe("The Kafka producer the service (or its relay / connector) publishes with: acks, retries, idempotence, ..."),
  });
}

/** The topic a service's events go to (Outbox Event Router default: outbox.event.<aggregatetype>). */
export function eventTopicOf(s: { topic?: string | undefined; aggregateType: string }): string {
  return s.topic ?? `outbox.event.${s.aggregateType}`;
}

/** Fault target names a service adds: the service itself, and its connector under outbox-cdc. */
export function publishNodeNames(s: { name: string; publish: { strategy: string } }): string[] {
  return s.publish.strategy === "outbox-cdc" ? [s.name, `${s.name}-connector`] : [s.name];
}

export function publishIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const topics = s.topics.map((t) => t.name);
  (s.services ?? []).forEach((sv, i) => {
    if (sv.publish === undefined) return;
    const topic = eventTopicOf(sv);
    if (!topics.includes(topic)) {
      const guess = didYouMean(topic, topics);
      issues.push(
        source.issue(sv.topic !== undefined ? ["services", i, "topic"] : ["services", i, "aggregateType"], `the service's events go to topic "${topic}", which is not declared`, {
          expected: `one of the topics declared under topics${topics.length ? `: ${topics.join(", ")}` : ""}`,
          found: JSON.stringify(topic),
          hint: guess ? `did you mean \`${guess}\`? (set services[${i}].topic)` : `declare it under topics, e.g. - { name: ${topic}, partitions: 6 }, or set services[${i}].topic`,
          code: "E_REFERENCE",
        }),
      );
    }
    const p = sv.producer;
    if (p.idempotence === true && (p.acks !== -1 || p.maxInFlight > 5 || p.retries === 0)) {
      issues.push(
        source.issue(["services", i, "producer", "idempotence"], "enable.idempotence=true conflicts with acks, maxInFlight or retries", {
          hint: "Kafka throws ConfigException here; drop `idempotence: true` or use acks: all, maxInFlight ≤ 5, retries > 0",
          code: "E_SCHEMA",
        }),
      );
    }
  });
  return issues;
}
