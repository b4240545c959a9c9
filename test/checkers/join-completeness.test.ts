import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { joinCompleteness } from "../../src/checkers/join-completeness.ts";

const scenario = (type: string) =>
  loadScenarioText(
    `name: t
description: A test of join outputs.
duration: 30s
topics: [{ name: orders, partitions: 1 }, { name: payments, partitions: 1 }, { name: paid, partitions: 1 }]
producers: [{ name: shop, topic: orders, rate: 1/s }, { name: bank, topic: payments, rate: 1/s }]
processors:
  - applicationId: joiner
    topology:
      - source: orders
      - join: { with: payments, window: 1s, grace: 0s, type: ${type} }
      - sink: paid
`,
    "t.yaml",
  );

function rec(b: HistoryBuilder, producer: string, topic: string, key: string, tsMs: number, offset: number): number {
  const m = b.send(producer, key, topic, tsMs * 1000);
  b.h.record(Op.EventTime, tsMs * 1000, m, b.h.msgProducer[m], -1, tsMs);
  b.append(m, 0, offset, tsMs * 1000 + 1);
  return m;
}

function joined(b: HistoryBuilder, left: number, right: number, atUs: number): void {
  const out = b.send("joiner-0-sink-producer", "k", "paid", atUs);
  b.h.record(Op.JoinResult, atUs, out, b.h.actor("joiner", "group"), left, 0, right);
}

describe("join-completeness", () => {
  it("holds when every pair within the window is emitted once (inner)", () => {
    const b = new HistoryBuilder();
    const o = rec(b, "shop", "orders", "k", 1000, 0);
    const p = rec(b, "bank", "payments", "k", 2000, 0); // 1000 ms apart: the window's inclusive edge
    rec(b, "bank", "payments", "x", 1000, 1); // another key: no pair
    joined(b, o, p, 2_100_000);
    const v = joinCompleteness(b.h, scenario("inner"));
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("names a missed pair, its event times, the window and the late drop that caused it", () => {
    const b = new HistoryBuilder();
    rec(b, "shop", "orders", "k", 1000, 0);
    rec(b, "shop", "orders", "z", 5000, 1);
    const p = rec(b, "bank", "payments", "k", 1500, 0);
    b.h.record(Op.StreamRecordDropped, 6_000_000, p, b.h.actor("joiner", "group"), -1, 5000, -1);
    const v = joinCompleteness(b.h, scenario("inner"));
    expect(v.anomalies.map((a) => a.kind)).toEqual(["join-miss"]);
    expect(v.anomalies[0].explanation).toContain("(event time 1000 ms) and right m-2 (1500 ms), key k, 500 ms apart within the 1000 ms window was never emitted");
    expect(v.anomalies[0].explanation).toContain("arrived when the join's stream time was 5000 ms (3500 ms behind; window 1000 ms + grace 0 ms)");
  });

  it("flags a pair emitted twice and a pair the definition does not match", () => {
    const b = new HistoryBuilder();
    const o = rec(b, "shop", "orders", "k", 1000, 0);
    const p = rec(b, "bank", "payments", "k", 1200, 0);
    const far = rec(b, "bank", "payments", "k", 2001, 1);
    joined(b, o, p, 1_300_000);
    joined(b, o, p, 9_000_000);
    joined(b, o, far, 9_100_000);
    const v = joinCompleteness(b.h, scenario("inner"));
    expect(v.anomalies.map((a) => a.kind).sort()).toEqual(["join-duplicate", "join-spurious"]);
  });

  it("a left join owes each partnerless left record one output alone, an outer join also the right ones", () => {
    const b = new HistoryBuilder();
    const o = rec(b, "shop", "orders", "k", 1000, 0);
    const p = rec(b, "bank", "payments", "q", 1000, 0);
    joined(b, o, -1, 3_000_000);
    expect(joinCompleteness(b.h, scenario("left")).holds).toBe(true);
    const outer = joinCompleteness(b.h, scenario("outer"));
    expect(outer.anomalies.map((a) => a.kind)).toEqual(["join-unmatched-missing"]);
    expect(outer.anomalies[0].messageIds).toEqual([p]);
    expect(joinCompleteness(b.h, scenario("inner")).anomalies.map((a) => a.kind)).toEqual(["join-spurious"]);
  });
});
