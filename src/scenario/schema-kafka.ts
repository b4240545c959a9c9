// Scenario fields for the Kafka cluster (replication, controller liveness) and the Kafka producer (acks,
// batching, retries, idempotence). Spread into zCluster, zTopic and zProducer in schema.ts. Defaults follow
// semantics.md §1-2 (Kafka 4.0 client and broker defaults).
import { z } from "zod";
import { zBytes, zDuration, zPositiveDuration } from "./zod-units.ts";

export const clusterReplicationFields = {
  replicaLagTimeMax: zPositiveDuration
    .prefault("30s")
    .describe("replica.lag.time.max.ms: a follower not caught up to the leader's log end for this long leaves the ISR."),
  replicaFetchWaitMax: zPositiveDuration
    .prefault("500ms")
    .describe("replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader when there is nothing new."),
  replicaFetchBackoff: zPositiveDuration.prefault("1s").describe("replica.fetch.backoff.ms: a follower's pause after a failed fetch."),
  replicaSocketTimeout: zPositiveDuration
    .prefault("30s")
    .describe("replica.socket.timeout.ms: a follower gives up on a fetch that got no answer (e.g. lost to a network partition)."),
  brokerHeartbeatInterval: zPositiveDuration.prefault("2s").describe("broker.heartbeat.interval.ms: brokers heartbeat to the controller this often."),
  brokerSessionTimeout: zPositiveDuration
    .prefault("9s")
    .describe("broker.session.timeout.ms: the controller fences a broker it has not heard from for this long, removes it from ISRs and moves its leaderships."),
  eligibleLeaderReplicas: z
    .boolean()
    .prefault(false)
    .describe(
      "eligible.leader.replicas.version=1 (KIP-966 eligible leader replicas, a cluster-wide feature): the HW advances only while the ISR has at least " +
        "min.insync.replicas members; replicas that leave a too-small ISR become eligible leaders and one of them is elected cleanly when the ISR is empty; " +
        "a broker back from a crash (unclean shutdown) leaves the ELR. Default false: Kafka 4.0, whose defaults this project follows, ships it disabled; " +
        "new clusters from 4.1 on enable it.",
    ),
  flushInterval: zPositiveDuration
    .prefault("5s")
    .describe("How often the OS writes the page cache to disk. Kafka does not fsync by default, so a crash with loseUnflushed loses up to this much."),
};

export const topicReplicationFields = {
  replicationFactor: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .prefault(1)
    .describe("Replicas per partition (Kafka's default.replication.factor is 1). Partition p lives on brokers p, p+1, ... mod brokers; the first is the preferred leader."),
  minInsyncReplicas: z
    .number()
    .int()
    .min(1)
    .prefault(1)
    .describe("min.insync.replicas: with acks=all, fewer in-sync replicas than this rejects writes (NotEnoughReplicas). Default 1."),
  uncleanLeaderElection: z
    .boolean()
    .prefault(false)
    .describe("unclean.leader.election.enable: elect an out-of-sync replica when no in-sync one is alive; its log wins and committed records above it are lost. Default false."),
};

export const producerKafkaFields = {
  acks: z
    .union([z.literal(0), z.literal(1), z.literal("all"), z.literal(-1)])
    .prefault("all")
    .transform((v) => (v === "all" || v === -1 ? -1 : v) as 0 | 1 | -1)
    .describe("acks: 0 (no answer awaited), 1 (the leader appended) or all (every current ISR member has it). Default all since Kafka 3.0."),
  lingerMs: zDuration
    .prefault("5ms")
    .describe("linger.ms: how long a batch waits for more records before it is sent. Default 5ms since Kafka 4.0 (KIP-1030; 0 before)."),
  batchSize: zBytes.prefault(16384).describe("batch.size: a partition's batch is sent once it holds this many bytes. Default 16384."),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .prefault(5)
    .describe("max.in.flight.requests.per.connection: unanswered requests per broker. Without idempotence, > 1 lets a retried batch land after a later one. Default 5."),
  retries: z.number().int().min(0).prefault(2147483647).describe("retries: re-sends of a failed batch; in practice bounded by deliveryTimeout. Default Integer.MAX_VALUE."),
  retryBackoff: zDuration.prefault("100ms").describe("retry.backoff.ms: the first pause before a retry; it doubles per attempt up to retryBackoffMax (with ±20% jitter)."),
  retryBackoffMax: zDuration.prefault("1s").describe("retry.backoff.max.ms: the cap on the retry pause. Default 1000ms."),
  requestTimeout: zPositiveDuration.prefault("30s").describe("request.timeout.ms: a request with no answer by then fails with an unknown outcome and is retried."),
  deliveryTimeout: zPositiveDuration
    .prefault("120s")
    .describe("delivery.timeout.ms: a record not acknowledged this long after send() fails (or ends unknown if it may have been written)."),
  idempotence: z
    .boolean()
    .optional()
    .describe(
      "enable.idempotence: producer id + per-partition sequences; the broker drops duplicates among the last 5 batches and keeps order. " +
        "Default: on, unless acks is not all, maxInFlight > 5 or retries is 0 (then silently off, as Kafka does); set true explicitly with those and the scenario is rejected.",
    ),
};

/** Extra key options (spread into zKeys). */
export const keyFields = {
  none: z
    .boolean()
    .prefault(false)
    .describe("true: send every record with a null key; the producer spreads them with Kafka's uniform sticky partitioner."),
};

/** enable.idempotence as Kafka resolves it: on by default unless the other settings conflict. */
export function resolveIdempotence(spec: { idempotence?: boolean | undefined; acks: 0 | 1 | -1; maxInFlight: number; retries: number }): boolean {
  if (spec.idempotence !== undefined) return spec.idempotence;
  return spec.acks === -1 && spec.maxInFlight <= 5 && spec.retries > 0;
}
