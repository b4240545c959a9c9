import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { windowResultsMatch } from "../../src/checkers/window-results-match.ts";

// One processor counting clicks per key in 10 s tumbling windows (grace 0), fed by producer `app`.
const scenario = loadScenarioText(
  `name: t
description: A test of window results.
duration: 30s
topics: [{ name: clicks, partitions: 1 }, { name: counts, partitions: 1 }]
producers: [{ name: app, topic: clicks, rate: 1/s }]
processors:
  - applicationId: counter
    topology:
      - source: clicks
      - aggregate: { window: { tumbling: 10s }, grace: 0s }
      - sink: counts
`,
  "t.yaml",
);

/** A click with event time tsMs, appended at offset. */
function click(b: HistoryBuilder, key: string, tsMs: number, offset: number, atUs: number): number {
  const m = b.send("app", key, "clicks", atUs);
  b.h.record(Op.EventTime, atUs, m, b.h.msgProducer[m], -1, tsMs);
  b.append(m, 0, offset, atUs + 1);
  return m;
}

function emit(b: HistoryBuilder, key: string, start: number, end: number, value: number, atUs: number): void {
  const out = b.send("counter-0-sink-producer", key, "counts", atUs);
  b.h.record(Op.WindowResult, atUs, out, b.h.actor("counter", "group"), start, value, end);
}

describe("window-results-match", () => {
  it("holds when the last emitted result of every window equals the batch count", () => {
    const b = new HistoryBuilder();
    click(b, "k", 1000, 0, 1_000_000);
    click(b, "k", 2000, 1, 2_000_000);
    click(b, "k", 12_000, 2, 12_000_000);
    emit(b, "k", 0, 10_000, 1, 1_100_000);
    emit(b, "k", 0, 10_000, 2, 2_100_000);
    emit(b, "k", 10_000, 20_000, 1, 12_100_000);
    const v = windowResultsMatch(b.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
  });

  it("names records dropped as late, how far behind stream time they were, and the grace", () => {
    const b = new HistoryBuilder();
    click(b, "k", 1000, 0, 1_000_000);
    click(b, "k", 12_000, 1, 2_000_000);
    const late = click(b, "k", 9000, 2, 3_000_000);
    b.h.record(Op.StreamRecordDropped, 3_100_000, late, b.h.actor("counter", "group"), 0, 12_000, 10_000);
    emit(b, "k", 0, 10_000, 1, 1_100_000);
    emit(b, "k", 10_000, 20_000, 1, 2_100_000);
    const v = windowResultsMatch(b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0].kind).toBe("window-late-drop");
    expect(v.anomalies[0].explanation).toContain("window [0, 10000) ms key k: expected 2, emitted 1");
    expect(v.anomalies[0].explanation).toContain("event time 9000 ms arrived when stream time was 12000 ms (3000 ms behind; grace 0 ms)");
  });

  it("names records counted twice, the crash between the two processings and the last commit", () => {
    const b = new HistoryBuilder();
    const m0 = click(b, "k", 1000, 0, 1_000_000);
    const m1 = click(b, "k", 2000, 1, 2_000_000);
    b.process(m0, "counter", "counter-1", 0, 0, 1_000_100, 1_000_200);
    b.commit("counter", "counter-1", 0, 1, 1_500_000);
    b.process(m1, "counter", "counter-1", 0, 1, 2_000_100, 2_000_200);
    b.h.record(Op.ConsumerCrashed, 3_000_000, -1, b.h.actor("counter-1", "consumer"), -1, 1, b.h.actor("counter", "group"));
    b.process(m1, "counter", "counter-0", 0, 1, 9_000_000, 9_000_100);
    emit(b, "k", 0, 10_000, 3, 9_000_200);
    const v = windowResultsMatch(b.h, scenario);
    expect(v.anomalies.map((a) => a.kind)).toEqual(["window-double-count"]);
    expect(v.anomalies[0].explanation).toContain("expected 2, emitted 3");
    expect(v.anomalies[0].explanation).toContain("counted twice (offsets 0@1)");
    expect(v.anomalies[0].explanation).toContain("after the crash of counter-1 at 3.000s (last commit before it at offset 1)");
  });

  it("reports a window never emitted because stream time did not pass its end", () => {
    const b = new HistoryBuilder();
    const m = click(b, "k", 1000, 0, 1_000_000);
    b.process(m, "counter", "counter-0", 0, 0, 1_000_100, 1_000_200);
    const v = windowResultsMatch(b.h, scenario);
    expect(v.anomalies.map((a) => a.kind)).toEqual(["window-never-emitted"]);
    expect(v.anomalies[0].explanation).toContain("emitted nothing; never emitted: stream time of task 0 stopped at 1000 ms");
  });

  it("counts a retracted window as not emitted, and ignores records with a null key", () => {
    const b = new HistoryBuilder();
    click(b, "k", 1000, 0, 1_000_000);
    click(b, "", 1500, 1, 1_500_000);
    emit(b, "k", 0, 10_000, 1, 1_100_000);
    const out = b.send("counter-0-sink-producer", "k", "counts", 1_200_000);
    b.h.record(Op.WindowRetracted, 1_200_000, out, b.h.actor("counter", "group"), 0, -1, 10_000);
    const v = windowResultsMatch(b.h, scenario);
    expect(v.checked).toBe(1);
    expect(v.anomalies.map((a) => a.kind)).toEqual(["window-never-emitted"]);
  });
});
