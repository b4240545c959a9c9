import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  flinkWatermark,
  flinkWindowFires,
  flinkWindowLate,
  flinkWindowStart,
  flinkWindowsFor,
  sessionLate,
  sessionMerges,
  sessionsOf,
  slidingRecordLate,
  slidingWindowsOf,
  timeWindowOpen,
  timeWindowsFor,
  windowClosed,
  windowContains,
  type WindowSpec,
} from "../../src/streams/windows.ts";
import { WindowedAggregation, type AggEvent } from "../../src/streams/window-aggregation.ts";
import { batchWindows, finalResults } from "../../src/streams/batch.ts";
import { FlinkWindowOperator } from "../../src/streams/flink-windows.ts";

describe("Kafka Streams time windows", () => {
  it("place a record in the tumbling window [start, start + size), the end exclusive", () => {
    expect(timeWindowsFor(0, 10, 10)).toEqual([{ start: 0, end: 10 }]);
    expect(timeWindowsFor(9, 10, 10)).toEqual([{ start: 0, end: 10 }]);
    expect(timeWindowsFor(10, 10, 10)).toEqual([{ start: 10, end: 20 }]);
  });

  it("place a record in every hopping window that holds it, epoch-aligned, none before 0", () => {
    expect(timeWindowsFor(12, 10, 5)).toEqual([{ start: 5, end: 15 }, { start: 10, end: 20 }]);
    expect(timeWindowsFor(10, 10, 5)).toEqual([{ start: 5, end: 15 }, { start: 10, end: 20 }]);
    expect(timeWindowsFor(3, 10, 5)).toEqual([{ start: 0, end: 10 }]);
  });

  it("accept a record only while windowEnd > streamTime − grace", () => {
    expect(timeWindowOpen({ start: 0, end: 10 }, 10, 0)).toBe(false);
    expect(timeWindowOpen({ start: 0, end: 10 }, 9, 0)).toBe(true);
    expect(timeWindowOpen({ start: 0, end: 10 }, 14, 5)).toBe(true);
    expect(timeWindowOpen({ start: 0, end: 10 }, 15, 5)).toBe(false);
  });

  it("close for suppress once streamTime − grace ≥ windowEnd", () => {
    const spec: WindowSpec = { type: "tumbling", sizeMs: 10 };
    expect(windowClosed(spec, { start: 0, end: 10 }, 14, 5)).toBe(false);
    expect(windowClosed(spec, { start: 0, end: 10 }, 15, 5)).toBe(true);
  });
});

describe("Kafka Streams sliding windows", () => {
  it("include both ends: two records share a window iff |t1 − t2| ≤ d", () => {
    const spec: WindowSpec = { type: "sliding", differenceMs: 10 };
    expect(windowContains(spec, { start: 0, end: 10 }, 0)).toBe(true);
    expect(windowContains(spec, { start: 0, end: 10 }, 10)).toBe(true);
    expect(windowContains(spec, { start: 0, end: 10 }, 11)).toBe(false);
  });

  it("make a left window per record and a right window where a later record lies within d", () => {
    expect(slidingWindowsOf([5, 12], 10)).toEqual([
      { start: -5, end: 5 },
      { start: 2, end: 12 },
      { start: 6, end: 16 },
    ]);
    // 11 apart: no shared window, no right window.
    expect(slidingWindowsOf([0, 11], 10)).toEqual([{ start: -10, end: 0 }, { start: 1, end: 11 }]);
  });

  it("drop a record when ts + d < streamTime − grace", () => {
    expect(slidingRecordLate(0, 10, 10, 0)).toBe(false);
    expect(slidingRecordLate(0, 10, 11, 0)).toBe(true);
  });
});

describe("Kafka Streams session windows", () => {
  it("merge a record with sessions whose end ≥ t − gap and start ≤ t + gap, inclusive", () => {
    const sessions = [{ start: 0, end: 5 }, { start: 20, end: 25 }];
    expect(sessionMerges(sessions, 10, 5)).toEqual([{ start: 0, end: 5 }]);
    expect(sessionMerges(sessions, 15, 5)).toEqual([{ start: 20, end: 25 }]);
    expect(sessionMerges(sessions, 12, 8)).toEqual(sessions);
    expect(sessionMerges(sessions, 11, 5)).toEqual([]);
  });

  it("sessionize a batch: records at most gap apart share one session; a lone record is [t, t]", () => {
    expect(sessionsOf([0, 5, 10, 16], 5)).toEqual([{ start: 0, end: 10 }, { start: 16, end: 16 }]);
  });

  it("drop a session whose merged end < streamTime − grace − gap", () => {
    expect(sessionLate(10, 20, 5, 5)).toBe(false);
    expect(sessionLate(9, 20, 5, 5)).toBe(true);
  });

  it("a record between two sessions merges them and retracts both downstream", () => {
    const agg = new WindowedAggregation({ type: "session", gapMs: 5 }, 100, false);
    agg.process("k", 0, 1);
    agg.process("k", 10, 1);
    const { events } = agg.process("k", 5, 1);
    expect(events).toEqual([
      { kind: "tombstone", key: "k", window: { start: 0, end: 0 } },
      { kind: "tombstone", key: "k", window: { start: 10, end: 10 } },
      { kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 3, final: false },
    ]);
  });
});

describe("Flink event-time windows", () => {
  it("start at ts − ((ts − offset + size) mod size)", () => {
    expect(flinkWindowStart(12, 0, 10)).toBe(10);
    expect(flinkWindowStart(10, 0, 10)).toBe(10);
    expect(flinkWindowStart(9, 0, 10)).toBe(0);
    expect(flinkWindowStart(12, 3, 10)).toBe(3);
    expect(flinkWindowStart(2, 3, 10)).toBe(-7);
    expect(flinkWindowsFor(12, 10, 5)).toEqual([{ start: 5, end: 15 }, { start: 10, end: 20 }]);
  });

  it("bounded out-of-orderness watermark is maxTs − B − 1, and a window fires at W ≥ end − 1", () => {
    expect(flinkWatermark(1000, 200)).toBe(799);
    expect(flinkWindowFires({ start: 0, end: 800 }, 799)).toBe(true);
    expect(flinkWindowFires({ start: 0, end: 801 }, 799)).toBe(false);
  });

  it("a window is late when maxTimestamp + allowedLateness ≤ watermark (the extra −1 ms)", () => {
    expect(flinkWindowLate({ start: 0, end: 10 }, 9, 0)).toBe(true);
    expect(flinkWindowLate({ start: 0, end: 10 }, 8, 0)).toBe(false);
    expect(flinkWindowLate({ start: 0, end: 10 }, 13, 5)).toBe(false);
    expect(flinkWindowLate({ start: 0, end: 10 }, 14, 5)).toBe(true);
  });
});

describe("grace and suppress in a task's aggregation", () => {
  it("with grace 0 a record behind stream time is dropped and the window keeps the smaller count", () => {
    const agg = new WindowedAggregation({ type: "tumbling", sizeMs: 10 }, 0, true);
    agg.process("k", 5, 1);
    agg.process("k", 12, 1); // stream time 12 closes [0, 10): final result 1
    const late = agg.process("k", 7, 1);
    expect(late.events).toEqual([{ kind: "drop", key: "k", ts: 7, window: { start: 0, end: 10 }, streamTimeMs: 12 }]);
  });

  it("suppress emits one final result when stream time passes end + grace, and nothing before", () => {
    const agg = new WindowedAggregation({ type: "tumbling", sizeMs: 10 }, 5, true);
    expect(agg.process("k", 1, 1).events).toEqual([]);
    expect(agg.process("k", 14, 1).events).toEqual([]);
    expect(agg.process("k", 7, 1).events).toEqual([]); // within grace: counted
    expect(agg.process("k", 15, 1).events).toEqual([{ kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 2, final: true }]);
  });

  it("a restore from the changelog gives back the store and the stream time", () => {
    const agg = new WindowedAggregation({ type: "tumbling", sizeMs: 10 }, 5, true);
    const changes = [...agg.process("k", 1, 1).changes, ...agg.process("k", 3, 1).changes];
    const again = new WindowedAggregation({ type: "tumbling", sizeMs: 10 }, 5, true);
    again.restore(changes);
    expect(again.streamTimeMs).toBe(3);
    expect(again.process("k", 20, 1).events).toEqual([{ kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 2, final: true }]);
  });
});

// With no faults and grace at least the largest disorder, every window's final result equals the batch answer.
const specs: fc.Arbitrary<WindowSpec> = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((sizeMs) => ({ type: "tumbling" as const, sizeMs })),
  fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 })).map(([advanceMs, k]) => ({ type: "hopping" as const, sizeMs: advanceMs * k, advanceMs })),
  fc.integer({ min: 0, max: 20 }).map((differenceMs) => ({ type: "sliding" as const, differenceMs })),
  fc.integer({ min: 0, max: 20 }).map((gapMs) => ({ type: "session" as const, gapMs })),
);

describe("windowed aggregation against the batch recomputation (property)", () => {
  it("agrees on every window when grace ≥ the maximum disorder", () => {
    fc.assert(
      fc.property(
        specs,
        fc.array(fc.record({ key: fc.constantFrom("a", "b", "c"), gap: fc.integer({ min: 0, max: 8 }), skew: fc.integer({ min: 0, max: 15 }), value: fc.integer({ min: 1, max: 5 }) }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        (spec, draws, extraGrace, suppress) => {
          let sendTime = 100;
          const records = draws.map((d) => ({ key: d.key, ts: (sendTime += d.gap) - d.skew, value: d.value }));
          let maxDisorder = 0;
          let maxTs = -1;
          for (const r of records) (maxDisorder = Math.max(maxDisorder, maxTs - r.ts)), (maxTs = Math.max(maxTs, r.ts));
          const agg = new WindowedAggregation(spec, maxDisorder + extraGrace, suppress);
          const events: AggEvent[] = [];
          for (const r of records) events.push(...agg.process(r.key, r.ts, r.value).events);
          // The end of input: a record far in the future closes every window (it is in no compared window's key).
          events.push(...agg.process("~end", maxTs + 1_000_000, 1).events);
          expect(events.filter((e) => e.kind === "drop")).toEqual([]);
          const emitted = finalResults(
            events.flatMap((e) => (e.key === "~end" ? [] : e.kind === "emit" ? [{ key: e.key, window: e.window, value: e.value as number | null }] : e.kind === "tombstone" ? [{ key: e.key, window: e.window, value: null }] : [])),
          );
          const batch = batchWindows(spec, records);
          expect([...emitted.entries()].sort()).toEqual([...batch.entries()].sort());
        },
      ),
      { seed: 14, numRuns: 300 },
    );
  });
});

describe("Flink's window operator", () => {
  it("fires a window once the watermark (maxTs − B − 1) reaches end − 1, not before", () => {
    const op = new FlinkWindowOperator(10, 10, 5, 0);
    op.process("k", 3, 1);
    op.process("k", 14, 1);
    expect(op.advanceWatermark().events).toEqual([]); // W = 14 − 5 − 1 = 8 < 9
    op.process("k", 15, 1);
    expect(op.advanceWatermark().events).toEqual([{ kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 1, final: true }]); // W = 9
  });

  it("drops an element whose windows are all late (maxTimestamp + L ≤ W), and fires again for a late-but-allowed one", () => {
    const op = new FlinkWindowOperator(10, 10, 0, 5);
    op.process("k", 2, 1);
    op.process("k", 12, 1);
    op.advanceWatermark(); // W = 11: [0, 10) fired, not late (9 + 5 > 11)
    expect(op.process("k", 4, 1).events).toEqual([{ kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 2, final: false }]);
    op.process("k", 15, 1);
    op.advanceWatermark(); // W = 14 ≥ 9 + 5: [0, 10) is late now
    expect(op.process("k", 5, 1).events).toEqual([{ kind: "drop", key: "k", ts: 5, window: undefined, streamTimeMs: 14 }]);
  });

  it("with B ≥ the maximum disorder, every window's last firing equals the batch count (property)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 3 })),
        fc.array(fc.record({ key: fc.constantFrom("a", "b"), gap: fc.integer({ min: 0, max: 6 }), skew: fc.integer({ min: 0, max: 12 }) }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 4 }),
        ([slide, k], draws, every) => {
          let t = 100;
          const records = draws.map((d) => ({ key: d.key, ts: (t += d.gap) - d.skew, value: 1 }));
          let maxTs = -1;
          let disorder = 0;
          for (const r of records) (disorder = Math.max(disorder, maxTs - r.ts)), (maxTs = Math.max(maxTs, r.ts));
          const op = new FlinkWindowOperator(slide * k, slide, disorder, 0);
          const events: AggEvent[] = [];
          records.forEach((r, i) => {
            events.push(...op.process(r.key, r.ts, r.value).events);
            if (i % every === 0) events.push(...op.advanceWatermark().events);
          });
          op.process("~end", maxTs + 10_000, 1);
          events.push(...op.advanceWatermark().events);
          expect(events.filter((e) => e.kind === "drop")).toEqual([]);
          const emitted = finalResults(events.flatMap((e) => (e.kind === "emit" && e.key !== "~end" ? [{ key: e.key, window: e.window, value: e.value as number | null }] : [])));
          const batch = batchWindows({ type: "hopping", sizeMs: slide * k, advanceMs: slide }, records);
          expect([...emitted.entries()].sort()).toEqual([...batch.entries()].sort());
        },
      ),
      { seed: 14, numRuns: 200 },
    );
  });
});
