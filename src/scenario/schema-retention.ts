// Scenario fields for log retention (topic retention.ms / retention.bytes / segment.ms / segment.bytes and the
// broker's log.retention.check.interval.ms), committed-offset retention (offsets.retention.minutes and its
// check interval) and client metadata refresh (metadata.max.age.ms). Spread into zCluster, zTopic, zProducer
// and the consumer-group schema. Defaults are Kafka's.
import { z } from "zod";
import { UnitError, parseBytes, parseDurationUs } from "./units.ts";
import { zBytes, zPositiveDuration, type IssueParams } from "./zod-units.ts";

/** A unit value where -1 (Kafka's "no limit") is also allowed, as a number or the string "-1". */
function orUnlimited(parse: (raw: string | number) => number, unlimitedHint: string) {
  return z.custom<string | number>(() => true).transform((raw, ctx) => {
    if (raw === -1 || (typeof raw === "string" && raw.trim() === "-1")) return -1;
    try {
      const v = parse(raw);
      if (v === 0) throw new UnitError("a value greater than 0", raw, unlimitedHint);
      return v;
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      const negative = (typeof raw === "number" && raw < 0) || (typeof raw === "string" && raw.trim().startsWith("-"));
      const params: IssueParams = { expected: `${err.expected}, or -1 for no limit`, found: err.found, hint: negative ? unlimitedHint : (err.hint ?? unlimitedHint) };
      ctx.addIssue({ code: "custom", message: `expected ${params.expected}, found ${err.found}`, input: raw, params });
      return z.NEVER;
    }
  });
}

/** A duration, or -1 for forever (retention.ms). */
export const zDurationOrUnlimited = orUnlimited(parseDurationUs, "write -1 to keep records forever");
/** A size, or -1 for no limit (retention.bytes). */
export const zBytesOrUnlimited = orUnlimited(parseBytes, "write -1 for no size limit");

export const topicRetentionFields = {
  retentionMs: zDurationOrUnlimited
    .prefault("168h")
    .describe(
      "retention.ms: a segment whose newest record (CreateTime) is older than this is deleted at the next retention check (whole segments only, the active one too once all of it expired), and the log start offset moves past it; a group that had not read those records gets OFFSET_OUT_OF_RANGE and applies auto.offset.reset. -1 keeps records forever. Default 7 days (168h).",
    ),
  retentionBytes: zBytesOrUnlimited
    .prefault(-1)
    .describe("retention.bytes: per partition, the oldest segments are deleted while the log stays at least this big without them. Default -1 (no limit)."),
  segmentMs: zPositiveDuration
    .prefault("168h")
    .describe("segment.ms: the active segment rolls when a batch's timestamp is more than this after the segment's first one. Retention deletes whole segments only. Default 7 days."),
  segmentBytes: zBytes.prefault("1GiB").describe("segment.bytes: the active segment rolls before it would pass this size. Default 1 GiB."),
};

export const clusterRetentionFields = {
  logRetentionCheckInterval: zPositiveDuration
    .prefault("5m")
    .describe("log.retention.check.interval.ms: how often each broker deletes expired segments (the first check runs 30 s after the broker starts). Default 5 minutes."),
  offsetsRetention: zPositiveDuration
    .prefault("168h")
    .describe(
      "offsets.retention.minutes: a group's committed offsets expire once the group has had no members for this long (KIP-211, Kafka ≥ 2.1); the group then starts from auto.offset.reset. Default 7 days (10080 minutes).",
    ),
  offsetsRetentionCheckInterval: zPositiveDuration
    .prefault("10m")
    .describe("offsets.retention.check.interval.ms: how often the group coordinator removes expired offsets. Default 10 minutes."),
};

export const metadataMaxAgeField = {
  metadataMaxAge: zPositiveDuration
    .prefault("5m")
    .describe("metadata.max.age.ms: the client refreshes topic metadata at least this often, so partitions added at run time are seen only then. Default 5 minutes."),
};
