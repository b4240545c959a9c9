// Log retention and committed-offset retention (semantics.md §3, Kafka's UnifiedLog / LogManager /
// GroupMetadata rules): whole segments only, the log start offset, OFFSET_OUT_OF_RANGE and auto.offset.reset,
// and offsets that expire only once the group has been empty for offsets.retention.
import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";
import type { RecordMeta, RetentionConfig } from "../../src/models/kafka/log-segments.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";
import { buildWorld, rows } from "./cluster-world.ts";

const S = 1_000_000;

/** A log whose record m was created at m seconds and is 100 bytes. */
function logWith(config: Partial<RetentionConfig>, records: number): PartitionLog {
  const meta: RecordMeta = { timestampUs: (m) => m * S, bytes: () => 100 };
  const log = new PartitionLog("t", 0);
  log.configureRetention({ retentionUs: -1, retentionBytes: -1, segmentUs: 7 * 24 * 3600 * S, segmentBytes: 2 ** 30, ...config }, meta);
  for (let m = 0; m < records; m++) log.append(m);
  return log;
}

describe("log segments and retention", () => {
  it("rolls a segment once a batch is more than segment.ms after the segment's first one", () => {
    const log = logWith({ segmentUs: 4 * S }, 10);
    // Records at 0..9 s: segments start at 0, 5 (5 - 0 > 4) and at 10 would come next.
    expect(log.segments!.segments.map((s) => s.base)).toEqual([0, 5]);
  });

  it("rolls before a segment would pass segment.bytes", () => {
    const log = logWith({ segmentBytes: 350 }, 10);
    // 100-byte records: a segment holding 3 (300 bytes) cannot take a 4th (300 > 350 - 100).
    expect(log.segments!.segments.map((s) => s.base)).toEqual([0, 3, 6, 9]);
  });

  it("deletes whole segments only, and the log start offset becomes the first kept segment's base", () => {
    const log = logWith({ segmentUs: 4 * S, retentionUs: 10 * S }, 10);
    // Segment [0,5) has newest record 4 s: at 14.5 s it is 10.5 s old (> 10 s); segment [5,10) is not.
    expect(log.deleteOldSegments(14.5 * S)).toBe(5);
    expect(log.logStartOffset).toBe(5);
    expect(log.read(4)).toBe(-1);
    expect(log.read(5)).toBe(5);
  });

  it("keeps a segment whose newest record is exactly retention.ms old (the rule is strictly older)", () => {
    const log = logWith({ segmentUs: 4 * S, retentionUs: 10 * S }, 10);
    expect(log.deleteOldSegments(14 * S)).toBe(0);
    expect(log.logStartOffset).toBe(0);
  });

  it("never moves the log start past the high watermark", () => {
    const log = logWith({ segmentUs: 4 * S, retentionUs: 1 * S }, 10);
    log.highWatermark = 4; // segment [0,5) is not fully committed
    expect(log.deleteOldSegments(100 * S)).toBe(0);
  });

  it("deletes the active segment too when everything expired, rolling an empty one at the log end", () => {
    const log = logWith({ segmentUs: 4 * S, retentionUs: 10 * S }, 10);
    expect(log.deleteOldSegments(100 * S)).toBe(10);
    expect(log.logStartOffset).toBe(10);
    expect(log.logEndOffset).toBe(10);
    expect(log.segments!.segments.map((s) => s.base)).toEqual([10]);
  });

  it("with retention.bytes deletes the oldest segments while the rest still holds at least that much", () => {
    const log = logWith({ segmentBytes: 350, retentionBytes: 450 }, 10);
    // Segments of 300, 300, 300, 100 bytes (1000): dropping the first two leaves 400 < 450, so only the first goes.
    expect(log.deleteOldSegments(0)).toBe(3);
    expect(log.logStartOffset).toBe(3);
  });

  it("says a position below the log start is out of range, as one past the log end is", () => {
    const log = logWith({ segmentUs: 4 * S, retentionUs: 10 * S }, 10);
    log.deleteOldSegments(14.5 * S);
    expect(log.isOutOfRange(4)).toBe(true);
    expect(log.isOutOfRange(5)).toBe(false);
    expect(log.isOutOfRange(10)).toBe(false);
    expect(log.isOutOfRange(11)).toBe(true);
  });

  it("keeps no segment bookkeeping when retention cannot delete anything within the run", () => {
    const { cluster } = buildWorld(`duration: 10s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s }]`);
    expect(cluster.topics.get("t")!.logs[0].log.segments).toBeUndefined();
  });
});

describe("the broker's retention task", () => {
  const yaml = `duration: 60s
drain: 0s
cluster: { brokers: 2, logRetentionCheckInterval: 10s }
topics: [{ name: t, partitions: 1, replicationFactor: 2, retentionMs: 5s, segmentMs: 1s }]
producers: [{ name: p, topic: t, rate: 100/s }]`;

  it("first runs 30 s after the broker starts, then every log.retention.check.interval, on leader and follower", () => {
    const w = buildWorld(yaml);
    w.run(60 * S);
    const r = rows(w.history, Op.LogRetention);
    expect(r.length).toBeGreaterThan(0);
    expect(new Set(r.map((x) => x.t))).toEqual(new Set([30 * S, 40 * S, 50 * S, 60 * S]));
    expect(new Set(r.map((x) => x.actor))).toEqual(new Set(["broker-0", "broker-1"]));
    const leader = w.cluster.topics.get("t")!.logs[0].log;
    // Everything older than 5 s, in whole 1 s segments, is gone at 60 s: the log starts within ~6 s of the end.
    expect(leader.logStartOffset).toBeGreaterThan(leader.logEndOffset - 700);
    expect(leader.logStartOffset).toBeLessThan(leader.logEndOffset - 400);
  });
});

function run(yaml: string): History {
  return runScenario(loadScenarioText(yaml, "t.yaml"), { seed: 1, file: "t.yaml" }).history;
}

function groupRows(h: History, kind: Op) {
  const out: { t: number; actor: string; partition: number; offset: number }[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === kind) out.push({ t: h.opTimeUs[i], actor: h.actorNames[h.opActor[i]], partition: h.opPartition[i], offset: h.opOffset[i] });
  return out;
}

// One member that stops for 40 s (a long pause) while retention (5 s, checked every 5 s) deletes what it had not read.
const paused = (reset: string) => `name: t
description: A test.
duration: 60s
drain: 10s
cluster: { logRetentionCheckInterval: 5s }
topics: [{ name: t, partitions: 1, retentionMs: 5s, segmentMs: 1s }]
producers: [{ name: p, topic: t, rate: 100/s }]
consumerGroups: [{ name: g, topic: t, members: 1, sessionTimeout: 60s, maxPollInterval: 60s, autoOffsetReset: ${reset} }]
faults: [{ at: 5s, pause: g-0, for: 40s }]
`;

describe("OFFSET_OUT_OF_RANGE and auto.offset.reset", () => {
  it("earliest moves a position that fell below the log start to the log start", () => {
    const h = run(paused("earliest"));
    const oor = groupRows(h, Op.OffsetOutOfRange);
    expect(oor.length).toBeGreaterThan(0);
    const resets = groupRows(h, Op.OffsetReset).filter((r) => r.t === oor[0].t);
    const start = groupRows(h, Op.LogRetention).filter((r) => r.t <= oor[0].t).pop()!.offset;
    expect(resets[0].offset).toBe(start);
    expect(oor[0].offset).toBeLessThan(start);
  });

  it("latest moves it to the log end (the high watermark), past records still in the log", () => {
    const h = run(paused("latest"));
    const oor = groupRows(h, Op.OffsetOutOfRange)[0];
    const reset = groupRows(h, Op.OffsetReset).find((r) => r.t === oor.t)!;
    const start = groupRows(h, Op.LogRetention).filter((r) => r.t <= oor.t).pop()!.offset;
    expect(reset.offset).toBeGreaterThan(start);
    // Appends up to that moment: the reset lands at the committed end of the log.
    const appended = groupRows(h, Op.Append).filter((r) => r.t < oor.t).length;
    expect(reset.offset).toBeGreaterThanOrEqual(appended - 5);
  });

  it("none stops the consumer with a recorded error (here: no committed offset at all) and the run goes on", () => {
    // A fresh group has no committed offset, so `none` fails at the first assignment, before any retention.
    const h = run(paused("none"));
    expect(groupRows(h, Op.OffsetResetFailed)).toEqual([{ t: 0, actor: "g-0", partition: 0, offset: -1 }]);
    expect(groupRows(h, Op.ConsumerCrashed).map((r) => r.actor)).toEqual(["g-0"]);
    expect(groupRows(h, Op.Deliver)).toEqual([]);
    // Producers and brokers kept going to the end.
    expect(groupRows(h, Op.Append).some((r) => r.t > 55 * S)).toBe(true);
  });
});

// One member; at 5 s the group scales to 0 (it commits and leaves: the group is Empty), at 30 s back to 1.
const emptied = (retention: string) => `name: t
description: A test.
duration: 40s
drain: 5s
cluster: { offsetsRetention: ${retention}, offsetsRetentionCheckInterval: 1s }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 50/s }]
consumerGroups:
  - name: g
    topic: t
    members: 1
    autoOffsetReset: latest
    events: [{ at: 5s, scale: 0 }, { at: 30s, scale: 1 }]
`;

describe("offsets.retention (KIP-211)", () => {
  it("expires the committed offsets once the group has been empty that long, not before", () => {
    const h = run(emptied("10s"));
    const expired = groupRows(h, Op.OffsetsExpired);
    expect(expired.length).toBe(1);
    const left = groupRows(h, Op.MemberLeft)[0].t;
    expect(expired[0].t).toBeGreaterThanOrEqual(left + 10 * S);
    expect(expired[0].t).toBeLessThanOrEqual(left + 11 * S);
  });

  it("a member returning after the expiry starts from auto.offset.reset, not from the old commit", () => {
    const h = run(emptied("10s"));
    const back = groupRows(h, Op.PartitionAssigned).filter((r) => r.t >= 30 * S);
    expect(back.length).toBe(1);
    expect(groupRows(h, Op.FetchPosition).filter((r) => r.t >= 30 * S)).toEqual([]);
    expect(groupRows(h, Op.OffsetReset).filter((r) => r.t >= 30 * S).length).toBe(1);
  });

  it("keeps the offsets of a group that comes back within the retention period", () => {
    const h = run(emptied("60s"));
    expect(groupRows(h, Op.OffsetsExpired)).toEqual([]);
    expect(groupRows(h, Op.FetchPosition).filter((r) => r.t >= 30 * S).length).toBe(1);
  });

  it("never expires the offsets of a group that keeps its members, however old the last commit", () => {
    const h = run(`name: t
description: A test.
duration: 30s
drain: 5s
cluster: { offsetsRetention: 2s, offsetsRetentionCheckInterval: 1s }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 50/s, maxMessages: 10 }]
consumerGroups: [{ name: g, topic: t, members: 1 }]
`);
    expect(groupRows(h, Op.Commit).length).toBeGreaterThan(0);
    expect(groupRows(h, Op.OffsetsExpired)).toEqual([]);
  });
});
