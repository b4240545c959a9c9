// Scenario fields for Kafka transactions (semantics.md §1): a producer's transactional.id, its transaction
// timeout and where its transactions begin and end; a consumer group's isolation.level. Spread into
// zProducer (schema.ts) and the consumer-group schema (schema-groups.ts); `transactionIssues` holds the
// cross-field rules Kafka enforces when the client starts.
import { z } from "zod";
import { zPositiveDuration, zProbability } from "./zod-units.ts";
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import type { ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";

/** transaction.max.timeout.ms (broker): a producer asking for more is refused (InvalidTransactionTimeout). */
export const TRANSACTION_MAX_TIMEOUT_US = 900_000_000;
/** A transactional workload with no boundary given commits every 100 ms (Kafka Streams' commit.interval.ms under exactly_once_v2). */
export const DEFAULT_TRANSACTION_INTERVAL_US = 100_000;

export const producerTransactionFields = {
  transactionalId: z
    .string()
    .min(1)
    .optional()
    .describe(
      "transactional.id: makes the producer transactional (idempotence is then required). Its sends are grouped into transactions that commit or abort as a whole; " +
        "InitProducerId bumps the id's epoch, fencing any older instance with the same id (two producers may share one to model a zombie and its replacement).",
    ),
  transactionTimeout: zPositiveDuration
    .prefault("60s")
    .describe("transaction.timeout.ms: the coordinator aborts a transaction open longer than this (counted from its first partition) and bumps the epoch, fencing the producer. Default 60s; at most 15m (transaction.max.timeout.ms)."),
  transaction: z
    .strictObject({
      records: z.number().int().min(1).optional().describe("Commit after this many sends in the transaction."),
      interval: zPositiveDuration.optional().describe("Commit this long after the transaction began (whichever of records and interval comes first). With neither given: every 100ms, like Kafka Streams' exactly_once_v2 commit.interval.ms."),
      abortRatio: zProbability.prefault(0).describe("Share of transactions the application aborts instead of committing (0.1 or \"10%\"); their records stay in the log, marked aborted."),
    })
    .prefault({})
    .describe("Transaction boundaries of a transactional producer's workload (requires transactionalId)."),
};

export const groupIsolationFields = {
  transactional: z
    .strictObject({
      outputTopic: z.string().describe("The topic each processed record's result is written to, inside the transaction."),
      transactionTimeout: zPositiveDuration.prefault("60s").describe("transaction.timeout.ms of the members' producers."),
    })
    .optional()
    .describe(
      "Exactly-once read-process-write (exactly_once_v2): each member has a transactional producer (transactional.id <group>-<i>); after each processed batch it " +
        "writes the results to outputTopic, adds the batch's offsets with sendOffsetsToTransaction and commits, all or nothing. A member whose group generation " +
        "moved on (a zombie after a rebalance) has its offsets refused and the transaction aborted; it rewinds to the committed offsets. commit.mode is then unused; " +
        "set isolationLevel read_committed on this group and on readers of outputTopic.",
    ),
  isolationLevel: z
    .enum(["read_uncommitted", "read_committed"])
    .prefault("read_uncommitted")
    .describe(
      "isolation.level: read_uncommitted (Kafka's default) reads everything below the high watermark, records of open and aborted transactions included; " +
        "read_committed reads only below the last stable offset (the first offset of the earliest open transaction) and skips aborted records and control markers.",
    ),
};

export function transactionIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  s.consumerGroups.forEach((g, i) => {
    const out = g.transactional?.outputTopic;
    if (out !== undefined && !s.topics.some((t) => t.name === out)) {
      issues.push(
        source.issue(["consumerGroups", i, "transactional", "outputTopic"], `no topic named "${out}"`, {
          expected: `one of the topics declared under topics: ${s.topics.map((t) => t.name).join(", ")}`,
          found: JSON.stringify(out),
          hint: `declare it under topics, e.g. - { name: ${out}, partitions: 3 }`,
          code: "E_REFERENCE",
        }),
      );
    }
  });
  s.producers.forEach((p, i) => {
    const at = (...path: PropertyKey[]) => ["producers", i, ...path];
    if (p.transactionalId === undefined) {
      if (p.transaction.records !== undefined || p.transaction.interval !== undefined || p.transaction.abortRatio > 0) {
        issues.push(
          source.issue(at("transaction"), "transaction boundaries are set but the producer has no transactionalId", {
            expected: "a transactionalId next to `transaction`",
            hint: "add e.g. transactionalId: orders-tx-1, or remove `transaction`",
            code: "E_SCHEMA",
          }),
        );
      }
      return;
    }
    const bad = [
      p.idempotence === false ? "idempotence is false" : "",
      p.acks !== -1 ? "acks is not all" : "",
      p.maxInFlight > 5 ? "maxInFlight is above 5" : "",
      p.retries === 0 ? "retries is 0" : "",
    ].filter(Boolean);
    if (bad.length > 0) {
      issues.push(
        source.issue(at("transactionalId"), `a transactional producer needs idempotence, but ${bad.join("; ")}`, {
          expected: "acks: all, maxInFlight ≤ 5, retries > 0 and idempotence not false",
          hint: "Kafka throws ConfigException here; fix those settings or drop transactionalId",
          code: "E_SCHEMA",
        }),
      );
    }
    if (p.transactionTimeout > TRANSACTION_MAX_TIMEOUT_US) {
      issues.push(
        source.issue(at("transactionTimeout"), `transaction timeout ${formatDurationUs(p.transactionTimeout)} is above the broker's transaction.max.timeout.ms (15m)`, {
          expected: "at most 15m",
          hint: "InitProducerId would fail with InvalidTransactionTimeout; lower it",
          code: "E_SCHEMA",
        }),
      );
    }
  });
  return issues;
}
