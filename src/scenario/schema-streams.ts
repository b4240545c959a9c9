// Scenario schema for stream processing (semantics.md §7): event time stamped by producers, and `processors:`,
// Kafka Streams applications (an application.id whose instances form a consumer group; partitions become
// tasks) with a topology of steps. Cross-field rules (topics exist, step order, guarantees this version can
// model) are checked in check-streams.ts. Defaults follow Kafka Streams unless a field says why not.
import { z } from "zod";
import { zBytes, zDuration, zProbability, zRate } from "./zod-units.ts";
// Type only: schema.ts passes its distribution schema in, so there is no runtime import cycle.
import type { zDurationDistribution as DurationDistributionSchema } from "./schema.ts";

const zName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'");

/** The `eventTime` field of a producer; spread into zProducer. */
export function producerEventTimeFields(zDurationDistribution: typeof DurationDistributionSchema) {
  return {
    eventTime: z
      .strictObject({
        skew: zDurationDistribution
          .prefault("0ms")
          .describe("How far each record's event time lies behind its send time, drawn per record (out-of-order input): event time = send time − clockSkew − skew."),
        clockSkew: zDuration.prefault("0ms").describe("This producer's clock runs behind by this much, for every record."),
      })
      .optional()
      .describe(
        "Event time the producer stamps on each record (its Kafka timestamp, whole milliseconds, never below 0). Without it a record's event time is its send time (CreateTime).",
      ),
  };
}

const zWindow = z
  .strictObject({
    tumbling: zDuration.optional().describe("TimeWindows of this size, advance = size: [start, start + size), epoch-aligned."),
    hopping: z
      .strictObject({ size: zDuration.describe("Window size."), advance: zDuration.describe("How far consecutive windows start apart (≤ size).") })
      .optional()
      .describe("TimeWindows with an advance: a record falls in size/advance overlapping windows."),
    sliding: zDuration.optional().describe("SlidingWindows with this time difference d: data-aligned windows [t − d, t], both ends inclusive."),
    session: zDuration.optional().describe("SessionWindows with this inactivity gap: per key, records at most gap apart merge into one session [first, last]."),
  })
  .refine((w) => [w.tumbling, w.hopping, w.sliding, w.session].filter((x) => x !== undefined).length === 1, {
    message: "a window needs exactly one of tumbling, hopping, sliding, session",
  });

const zAggregate = z.strictObject({
  function: z
    .enum(["count", "sum"])
    .prefault("count")
    .describe("count: records per window. sum: the sum of the records' value sizes in bytes (the producer's messageBytes)."),
  window: zWindow.describe("How records are grouped in time."),
  grace: zDuration.describe(
    "How long after a window's end it still accepts out-of-order records (ofSizeAndGrace / ofSizeWithNoGrace: current Kafka Streams APIs make you choose; 0 drops every record behind stream time).",
  ),
  suppress: z
    .enum(["untilWindowCloses", "none"])
    .prefault("none")
    .describe("untilWindowCloses: one final result per window once stream time − grace passes its end. none: every update is emitted (record cache off)."),
  store: zName.prefault("aggregate-store").describe("State store name; its changelog topic is <applicationId>-<store>-changelog."),
});

const zJoin = z.strictObject({
  with: z.string().describe("The other input topic (the right side); it must be co-partitioned with the source (same partition count, same key partitioning)."),
  table: z
    .boolean()
    .prefault(false)
    .describe(
      "true: a stream–table join (KStream.join / leftJoin with a KTable). The `with` topic is read as a table (a compacted topic: the latest record per key is the key's value), " +
        "materialised in a state store backed by its changelog; only source records trigger output, each joined with the table's value for its key when it is processed. " +
        "Takes no window or grace; type inner or left.",
    ),
  window: zDuration
    .optional()
    .describe("Stream–stream joins (required there): JoinWindows.ofTimeDifference(d): a left record at t joins right records with timestamps in [t − d, t + d], both ends inclusive."),
  type: z
    .enum(["inner", "left", "outer"])
    .prefault("inner")
    .describe("inner: one output per matching pair. left: also each left record that found no partner, once its window + grace closed (stream–table: at once, with a null table value). outer: unmatched records of both sides too (stream–stream only)."),
  grace: zDuration
    .optional()
    .describe("Stream–stream joins (required there): how long after its window a record may still arrive and join (ofTimeDifferenceAndGrace / WithNoGrace: the current APIs make you choose)."),
  store: zName.prefault("join-store").describe("Name of the join's window stores; their changelog topic is <applicationId>-<store>-changelog."),
});

const zStep = z
  .strictObject({
    source: z.string().optional().describe("The input topic (the first step)."),
    filter: z
      .strictObject({ keyMatches: z.string().describe("A regular expression; records whose key does not match are dropped.") })
      .optional()
      .describe("Keeps only some records."),
    map: z
      .strictObject({
        name: z.string().min(1).prefault("rekey").describe("The repartition topic is <applicationId>-<name>-repartition."),
        keyMatches: z.string().describe("A regular expression over the key; a key that does not match keeps its value."),
        key: z.string().describe('The new key: the replacement for the match, with $1… for its groups (e.g. keyMatches "^key-(\\d)\\d*$", key "bucket-$1").'),
      })
      .optional()
      .describe(
        "selectKey / map with a new key, before an aggregate: Kafka Streams repartitions through the topic <applicationId>-<name>-repartition (as many partitions as the " +
          "source): each record is re-keyed and written there by the instance's producer, and the same application's group reads it back as a second sub-topology whose tasks aggregate.",
      ),
    aggregate: zAggregate.optional().describe("groupByKey().windowedBy(...).count() or .aggregate(sum): a windowed aggregation backed by a changelogged window store."),
    join: zJoin
      .optional()
      .describe("A stream–stream join of the source with another topic (KStream.join / leftJoin / outerJoin with JoinWindows), or with `table: true` a stream–table join (KStream.join / leftJoin with a KTable)."),
    sink: z.string().optional().describe("The output topic (the last step): a normal topic other consumer groups may read."),
  })
  .refine((s) => [s.source, s.filter, s.map, s.aggregate, s.join, s.sink].filter((x) => x !== undefined).length === 1, {
    message: "each step needs exactly one of source, filter, map, aggregate, join, sink",
  });

const zFlink = z
  .strictObject({
    outOfOrderness: zDuration.prefault("0ms").describe(
        "forBoundedOutOfOrderness(B), per input partition (a Kafka source split): its watermark is the largest event time it delivered − B − 1 ms; the keyed windows act on the minimum over the partitions.",
      ),
    autoWatermarkInterval: zDuration.prefault("200ms").describe("pipeline.auto-watermark-interval: how often (processing time) the watermark is emitted."),
    allowedLateness: zDuration.prefault("0ms").describe("allowedLateness(L): a window keeps its state until watermark ≥ end − 1 + L; a late-but-allowed record fires it again."),
    lateOutput: z.string().optional().describe("sideOutputLateData: records too late for every window go to this topic instead of being dropped."),
    idleness: zDuration
      .optional()
      .describe(
        "WatermarkStrategy.withIdleness(d): an input partition that delivered no record for d of processing time is marked idle and stops holding back the watermark " +
          "(the window operator takes the minimum over its non-idle inputs); it counts again from its next record. Without it, one partition with no records stalls every window.",
      ),
  })
  .prefault({})
  .describe("Flink's time model (timeModel: flink).");

export const zProcessor = z.strictObject({
  applicationId: zName.describe("application.id: names the consumer group, the instances (<applicationId>-<i>) and the internal topics."),
  instances: z.number().int().min(1).max(1000).prefault(1).describe("Application instances (one stream thread each), members of one consumer group; each owns tasks (one per input partition)."),
  processingGuarantee: z
    .enum(["at_least_once", "exactly_once_v2"])
    .prefault("at_least_once")
    .describe(
      "processing.guarantee. at_least_once: after a crash, records processed since the last commit are processed again. exactly_once_v2: each instance has a transactional " +
        "producer (transactional.id <applicationId>-<i>); the sink records, the changelog records and the input offsets of what it processed commit in one transaction " +
        "(sendOffsetsToTransaction), every commitInterval (checked after each processed poll batch and in the poll loop); the changelog restore and the sink's readers use read_committed; an aborted transaction or a crash " +
        "wipes the instance's local state, which is rebuilt from the committed changelog.",
    ),
  commitInterval: zDuration
    .optional()
    .describe(
      "commit.interval.ms: how often offsets are committed. Kafka Streams' default is 30 s under at_least_once and 100 ms under exactly_once_v2, where it is how often the " +
        "transaction commits: results stay invisible to read_committed readers until then, so their latency grows with it (and a transaction open longer than " +
        "transaction.timeout.ms, 10 s for Streams, is aborted by the coordinator).",
    ),
  numStandbyReplicas: z.number().int().min(0).max(10).prefault(0).describe("num.standby.replicas: instances that keep a warm copy of each task's state by reading its changelog, so a task that moves there restores almost nothing."),
  timeModel: z
    .enum(["kafka-streams", "flink"])
    .prefault("kafka-streams")
    .describe("kafka-streams: stream time and grace. flink: bounded-out-of-orderness watermarks and allowed lateness (windows are tumbling or hopping)."),
  flink: zFlink,
  processingTime: zDuration.prefault("100us").describe("Time one record takes to process."),
  changelog: z
    .strictObject({
      segmentBytes: zBytes
        .prefault("1GiB")
        .describe("segment.bytes of the changelog topics: the active segment rolls past this size, and only rolled segments are ever cleaned. Default 1 GiB (the topic default), so short runs are never cleaned."),
      minCleanableDirtyRatio: zProbability
        .prefault(0.5)
        .describe("min.cleanable.dirty.ratio: the log cleaner compacts a changelog partition once dirty bytes (not yet cleaned, outside the active segment) are at least this share of the log outside it."),
    })
    .prefault({})
    .describe(
      "Changelog topics are compacted (cleanup.policy=compact): the cleaner keeps only the latest record per store key in the rolled segments (deletions are kept as tombstones), " +
        "so a restore reads the distinct keys of the cleaned part plus every record after it. A change record counts its store key plus 76 bytes.",
    ),
  restoreRate: zRate
    .prefault("20000/s")
    .describe("Changelog records per second a restoring task replays (restore time = changelog records to replay / this rate), a property of the network and disks."),
  sessionTimeout: zDuration.prefault("45s").describe("session.timeout.ms of the instances' consumers: how long before a crashed instance's tasks move."),
  heartbeatInterval: zDuration.prefault("3s").describe("heartbeat.interval.ms of the instances' consumers."),
  topology: z.array(zStep).min(2).describe("The steps, in order: source, then filter(s) (they apply to every input), one aggregate or join, then sink."),
});

export const zProcessors = z.array(zProcessor).prefault([]).describe("Stream processing applications (Kafka Streams) running on the cluster.");

export type ProcessorSpec = z.output<typeof zProcessor>;
export type ProcessorStep = ProcessorSpec["topology"][number];
export type AggregateSpec = z.output<typeof zAggregate>;
export type JoinSpec = z.output<typeof zJoin>;
