import { describe, expect, it } from "vitest";
import { FlinkWindowOperator, combinedWatermark } from "../../src/streams/flink-windows.ts";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { windowResultsMatch } from "../../src/checkers/window-results-match.ts";

const task = (maxTs: number | undefined, lastRecordUs: number) => {
  const p = new FlinkWindowOperator(10, 10, 0, 0);
  if (maxTs !== undefined) p.observe(maxTs, lastRecordUs);
  return { processor: p };
};

describe("Flink watermarks across input partitions, and withIdleness", () => {
  it("the windows see the minimum of the partitions' watermarks; a partition with none stalls them all", () => {
    expect(combinedWatermark([task(100, 0), task(50, 0)], 1_000_000, undefined)).toBe(49);
    expect(combinedWatermark([task(100, 0), task(undefined, 0)], 60_000_000, undefined)).toBeUndefined();
  });

  it("an idle partition (no record for the idleness timeout) is left out, and counts again from its next record", () => {
    const quiet = task(50, 100_000);
    const busy = task(100, 900_000);
    expect(combinedWatermark([busy, quiet], 1_000_000, 1_000_000)).toBe(49); // quiet for 0.9 s: not idle yet
    expect(combinedWatermark([busy, quiet], 1_100_000, 1_000_000)).toBe(99); // quiet for 1 s: idle
    expect(combinedWatermark([busy, task(undefined, 0)], 1_000_000, 1_000_000)).toBe(99); // never delivered: idle after the timeout from the start
    quiet.processor.observe(60, 1_150_000);
    expect(combinedWatermark([busy, quiet], 1_200_000, 1_000_000)).toBe(59); // active again: it holds the minimum back
    expect(combinedWatermark([task(100, 0), task(50, 0)], 5_000_000, 1_000_000)).toBeUndefined(); // every input idle: nothing advances
  });

  it("the operator fires on the combined watermark, never moves it back, and drops what it makes late", () => {
    const p = new FlinkWindowOperator(10, 10, 0, 0);
    p.observe(25, 0);
    p.process("k", 25, 1);
    p.observe(5, 0);
    p.process("k", 5, 1);
    expect(p.advanceWatermark(8).events).toEqual([]); // [0, 10) fires only at 9
    expect(p.advanceWatermark(9).events).toEqual([{ kind: "emit", key: "k", window: { start: 0, end: 10 }, value: 1, final: true }]);
    expect(p.advanceWatermark(3).changes).toEqual([]);
    expect(p.watermarkMs).toBe(9);
    expect(p.process("k", 9, 1).events).toEqual([{ kind: "drop", key: "k", ts: 9, window: undefined, streamTimeMs: 9 }]);
  });
});

describe("window-results-match names the partition that held a Flink watermark back", () => {
  const scenario = (flink: string) =>
    loadScenarioText(
      `name: t
description: A test of Flink window results.
duration: 30s
topics: [{ name: r, partitions: 2 }, { name: out, partitions: 2 }]
producers: [{ name: s, topic: r, rate: 1/s }]
processors:
  - applicationId: f
    timeModel: flink
    flink: ${flink}
    topology: [{ source: r }, { aggregate: { window: { tumbling: 10s }, grace: 0s } }, { sink: out }]
`,
      "t.yaml",
    );
  const history = () => {
    const b = new HistoryBuilder();
    for (const [i, ts] of [1000, 25_000].entries()) {
      const m = b.send("s", "k", "r", ts * 1000);
      b.h.record(Op.EventTime, ts * 1000, m, b.h.msgProducer[m], -1, ts);
      b.append(m, 0, i, ts * 1000 + 1);
      b.h.record(Op.ProcessEnd, ts * 1000 + 2, m, b.h.actor("f-0", "consumer"), 0, i, b.h.actor("f", "group"));
    }
    return b.h;
  };

  it("without idleness: partition 1 delivered nothing and stalled every window", () => {
    const v = windowResultsMatch(history(), scenario("{ outOfOrderness: 0ms }"));
    expect(v.anomalies.map((a) => a.kind)).toEqual(["window-never-emitted", "window-never-emitted"]);
    expect(v.anomalies[0].explanation).toContain("the windows act on the minimum watermark over the 2 input partitions, and partition 1 delivered no record at all");
    expect(v.anomalies[0].explanation).toContain("without withIdleness (flink.idleness) an idle partition stalls every window");
    // The last window is held back by its own partition's watermark, not by the idle one.
    expect(v.anomalies[1].explanation).toContain("the largest event time task 0 saw was 25000 ms");
  });

  it("with idleness the explanation says it was in force", () => {
    const v = windowResultsMatch(history(), scenario("{ outOfOrderness: 0ms, idleness: 5s }"));
    expect(v.anomalies[0].explanation).toContain("with idleness 5000 ms it still counted");
  });
});
