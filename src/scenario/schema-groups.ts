// Scenario schema for Kafka consumer groups (semantics.md §3): membership and rebalancing settings, the
// assignor, offset commits, processing, and the group's own event timeline (slowdowns, scaling, partition
// pause for backpressure). Member crash / restart / GC pause come through the common `faults:` list, which
// reaches each member by its name `<group>-<i>`. Defaults follow Kafka unless a field says why not.
import { z } from "zod";
import { zDuration } from "./zod-units.ts";
import { metadataMaxAgeField } from "./schema-retention.ts";
import { groupIsolationFields } from "./schema-txn.ts";
import { appGroupFields, batchProcessingField, parallelProcessingFields } from "./schema-app.ts";
// Type only: schema.ts passes its distribution schema in, so there is no runtime import cycle.
import type { zDurationDistribution as DurationDistributionSchema } from "./schema.ts";

/** Called by schema.ts once zDurationDistribution exists; DIST describes the distribution forms. */
export function makeConsumerGroupSchema(zDurationDistribution: typeof DurationDistributionSchema, DIST: string) {
  const zName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'").describe("Unique name (letters, digits, '.', '_', '-').");

  const zSlowdown = z.strictObject({
    factor: z.number().positive().describe("Processing time is multiplied by this (5 = five times slower)."),
    for: zDuration.describe("How long the slowdown lasts."),
  });
  const zPausePartitions = z.strictObject({
    topic: z.string().optional().describe("Topic of the partitions (default: the group's first topic)."),
    partitions: z.array(z.number().int().nonnegative()).min(1).describe("Partition numbers to pause."),
    for: zDuration.describe("How long fetching stays paused before consumer.resume()."),
  });
  const zGroupEvent = z
    .strictObject({
      at: zDuration.describe("When the event happens, from the start of the run."),
      scale: z.number().int().min(0).max(10000).optional().describe("Scale the group to this many members: new members join, the highest-numbered ones close (commit, LeaveGroup)."),
      slowdown: zSlowdown.optional().describe("Every member's processing gets slower for a while (a slow downstream dependency)."),
      pausePartitions: zPausePartitions.optional().describe("consumer.pause() on these partitions (backpressure): polling continues, they are not fetched."),
    })
    .refine((e) => [e.scale, e.slowdown, e.pausePartitions].filter((x) => x !== undefined).length === 1, {
      message: "each event needs exactly one of scale, slowdown, pausePartitions",
      params: { hint: "one event does one thing: split it into separate events (they may have the same `at`)" },
    });

  return z.strictObject({
    name: zName,
    topic: z.string().optional().describe("Topic the group subscribes to (one of `topics`). Give `topic` or `topics`."),
    topics: z.array(z.string()).min(1).optional().describe("Several topics the group subscribes to (instead of `topic`)."),
    memberTopics: z
      .array(z.array(z.string()).min(1))
      .optional()
      .describe("Per-member subscriptions, member i reads memberTopics[i] (members beyond the list read the group's topics). Kafka allows members of one group to subscribe to different topics."),
    members: z.number().int().min(0).max(10000).prefault(1).describe("Number of consumers, named <group>-0, <group>-1, ..."),
    assignor: z
      .enum(["range", "roundrobin", "sticky", "cooperative-sticky"])
      .prefault("range")
      .describe("partition.assignment.strategy (classic protocol only). Kafka's default list is [range, cooperative-sticky] and the first is used, so range. cooperative-sticky rebalances incrementally; the others are eager."),
    protocol: z
      .enum(["classic", "consumer"])
      .prefault("classic")
      .describe(
        "group.protocol. classic: JoinGroup/SyncGroup with a client-side assignor (Kafka 4.0's client default). consumer: KIP-848, broker-side assignment through ConsumerGroupHeartbeat; members reconcile on their own (revoke first, then take), with no group-wide pause. With consumer, `assignor`, `sessionTimeout` and `heartbeatInterval` do not apply (the broker's consumerSessionTimeout and consumerHeartbeatInterval do).",
      ),
    serverAssignor: z
      .enum(["uniform", "range"])
      .prefault("uniform")
      .describe("group.remote.assignor (protocol consumer only): the broker's assignor. uniform (default): balanced and sticky over all subscribed partitions. range: per topic like the client range assignor, sticky across epochs, keeps co-partitioned topics' partition numbers together."),
    consumerHeartbeatInterval: zDuration
      .prefault("5s")
      .describe("group.consumer.heartbeat.interval.ms (a broker setting, protocol consumer only): how often members heartbeat; the client's heartbeat.interval is ignored."),
    consumerSessionTimeout: zDuration
      .prefault("45s")
      .describe("group.consumer.session.timeout.ms (a broker setting, protocol consumer only): a member without heartbeats for this long is removed; the client's session.timeout is ignored."),
    staticMembership: z.boolean().prefault(false).describe("Give every member a group.instance.id (its name): a restart within session.timeout causes no rebalance."),
    sessionTimeout: zDuration.prefault("45s").describe("session.timeout.ms (classic protocol; ignored under protocol: consumer): a member without heartbeats for this long is removed and the group rebalances."),
    heartbeatInterval: zDuration.prefault("3s").describe("heartbeat.interval.ms (classic protocol; ignored under protocol: consumer): how often the background thread heartbeats (keep it ≤ 1/3 of the session timeout)."),
    maxPollInterval: zDuration.prefault("5m").describe("max.poll.interval.ms: a member that does not poll for this long leaves the group (also its rebalance timeout)."),
    initialRebalanceDelay: zDuration.prefault("3s").describe("group.initial.rebalance.delay.ms (a broker setting): how long an empty group waits for more members before its first rebalance."),
    startsStable: z
      .boolean()
      .prefault(true)
      .describe("true: the group was already running when the run starts (generation 1, assignment in place, no join). false: members join at 0 s, so the first rebalance and its initial delay are part of the run."),
    maxPollRecords: z.number().int().min(1).prefault(500).describe("max.poll.records: the most records one poll returns."),
    fetchMaxWait: zDuration.prefault("500ms").describe("fetch.max.wait.ms: how long a fetch waits at the broker when there is no data."),
    requestTimeout: zDuration
      .prefault("30s")
      .describe(
        "request.timeout.ms of the consumer: a fetch with no answer by fetchMaxWait + this is given up and retried. A crashed broker is modelled as silent (no connection reset), so this is how long a member's fetch to it stalls.",
      ),
    ...metadataMaxAgeField,
    ...groupIsolationFields,
    autoOffsetReset: z
      .enum(["earliest", "latest", "none"])
      .prefault("earliest")
      .describe("auto.offset.reset for a partition with no committed offset, or whose position fell out of the log (deleted by retention): earliest (log start), latest (log end), or none (the consumer stops with an error). Kafka's default is latest; here earliest, because the group starts with the run and should read everything."),
    processing: z
      .strictObject({
        time: zDurationDistribution.prefault("1ms").describe(`Time to process one record; ${DIST}.`),
        handoff: z
          .enum(["inline", "async"])
          .prefault("inline")
          .describe("inline: records are processed in the poll loop before the next poll. async: poll hands them to a worker thread through an unbounded queue and polls again at once (with auto-commit this commits records not yet processed)."),
        ...parallelProcessingFields,
        ...batchProcessingField(zDurationDistribution, DIST),
      })
      .prefault({})
      .describe("How the consumer's handler behaves."),
    ...appGroupFields(zDurationDistribution, DIST),
    commit: z
      .strictObject({
        mode: z
          .enum(["sync-after-processing", "async-after-processing", "auto", "before-processing"])
          .prefault("sync-after-processing")
          .describe(
            "sync-after-processing: commitSync once the batch is processed (at-least-once). async-after-processing: commitAsync instead (a failed commit is not retried). " +
              "auto: enable.auto.commit — inside poll, once the interval elapsed, commit the positions of records already returned, and before revocation. " +
              "before-processing: commit right after poll, then process (at-most-once). Kafka's default is auto (enable.auto.commit=true); scenarios default to sync-after-processing because it is the at-least-once pattern most applications use and the one the bundled scenarios assume.",
          ),
        interval: zDuration.prefault("5s").describe("auto.commit.interval.ms (mode auto)."),
      })
      .prefault({})
      .describe("How offsets are committed. The committed offset is the next offset to read."),
    events: z.array(zGroupEvent).prefault([]).describe("The group's timeline: processing slowdowns, scaling, partition pause/resume."),
    recovery: z
      .strictObject({
        lagThreshold: z.number().int().min(0).prefault(1000).describe("A group counts as recovered from a fault once its lag is back at or under this many records."),
        within: zDuration.optional().describe("Liveness bound: after the last fault or event, every partition has an owner and lag is under the threshold within this time (checked by liveness-lag-drains)."),
      })
      .prefault({})
      .describe("Recovery after faults: the report's time to recover, and the liveness check."),
  });
}

export { groupTopics } from "./group-topics.ts";
