import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../src/history/history.ts";
import { perKeyOrder } from "../../src/checkers/per-key-order.ts";
import { noLoss } from "../../src/checkers/no-loss.ts";
import { noDuplicates } from "../../src/checkers/no-duplicates.ts";
import { evaluateExpectations } from "../../src/checkers/expectations.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";

const scenario = loadScenarioText(
  `name: tiny
description: A tiny scenario for checker tests.
duration: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 10/s }]
consumerGroups: [{ name: g, topic: t }]
`,
  "tiny.yaml",
);

/** Two messages on key a, sent in order, appended, acked. */
function twoMessages() {
  const b = new HistoryBuilder();
  const m0 = b.send("p", "a", "t", 0);
  const m1 = b.send("p", "a", "t", 10);
  b.append(m0, 0, 0, 100).append(m1, 0, 1, 110).ack(m0, 0, 0, 200).ack(m1, 0, 1, 210);
  return { b, m0, m1 };
}

describe("per-key-order", () => {
  it("holds when a key's messages are processed in send order", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m1, "g", "g-0", 0, 1, 400, 500);
    const v = perKeyOrder(b.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
  });

  it("reports a message processed after a later one of the same key, naming both", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m1, "g", "g-0", 0, 1, 300, 400).process(m0, "g", "g-0", 0, 0, 400, 500);
    const v = perKeyOrder(b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("reorder-within-key");
    expect(v.anomalies[0].messageIds).toEqual([m1, m0]);
    expect(v.anomalies[0].keys).toEqual(["a"]);
    expect(v.anomalies[0].explanation).toMatch(/m-0 \(send #0 of key a\).*after m-1 \(send #1\)/);
  });

  it("does not count different keys or different groups against each other", () => {
    const b = new HistoryBuilder();
    const a = b.send("p", "a", "t", 0);
    const c = b.send("p", "c", "t", 1);
    b.process(c, "g", "g-0", 1, 0, 10, 20).process(a, "g", "g-0", 0, 0, 20, 30);
    b.process(a, "h", "h-0", 0, 0, 10, 20);
    expect(perKeyOrder(b.h, scenario).holds).toBe(true);
  });

  it("treats a redelivery of an earlier message as a duplicate, not a reorder", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m1, "g", "g-0", 0, 1, 400, 500).process(m0, "g", "g-1", 0, 0, 600, 700);
    expect(perKeyOrder(b.h, scenario).holds).toBe(true);
    expect(noDuplicates(b.h, scenario).holds).toBe(false);
  });
});

describe("no-duplicates", () => {
  it("holds when each message is processed once per group", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m1, "g", "g-0", 0, 1, 400, 500);
    expect(noDuplicates(b.h, scenario).holds).toBe(true);
  });

  it("reports the second processing with both offsets and times", () => {
    const { b, m0 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m0, "g", "g-1", 0, 0, 900, 1000);
    const v = noDuplicates(b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalyCount).toBe(1);
    expect(v.anomalies[0]).toMatchObject({ kind: "duplicate", messageIds: [m0], offsets: [0, 0], timesUs: [300, 900] });
    expect(v.anomalies[0].explanation).toMatch(/again .* by g-1 .* first by g-0/);
  });

  it("allows one processing per group when two groups read the same message", () => {
    const { b, m0 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m0, "h", "h-0", 0, 0, 300, 400);
    expect(noDuplicates(b.h, scenario).holds).toBe(true);
  });
});

describe("no-loss", () => {
  it("holds when every acknowledged message is processed by the subscribed group", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).process(m1, "g", "g-0", 0, 1, 400, 500);
    const v = noLoss(b.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
  });

  it("reports an acknowledged message the group never processed as unseen, with where the group stood", () => {
    const { b, m0, m1 } = twoMessages();
    b.process(m0, "g", "g-0", 0, 0, 300, 400).commit("g", "g-0", 0, 1, 450);
    const v = noLoss(b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0]).toMatchObject({ kind: "unseen", messageIds: [m1], partition: 0, offsets: [1] });
    expect(v.anomalies[0].explanation).toMatch(/not consumed before the end of the run; the group had committed up to offset 1/);
  });

  it("reports an acknowledged message missing from the log as a lost write", () => {
    const b = new HistoryBuilder();
    const m = b.send("p", "a", "t", 0);
    b.ack(m, 0, 5, 100);
    const v = noLoss(b.h, scenario);
    expect(v.anomalies[0].kind).toBe("lost-write");
  });

  it("does not require unacknowledged messages to arrive", () => {
    const b = new HistoryBuilder();
    b.send("p", "a", "t", 0);
    expect(noLoss(b.h, scenario).holds).toBe(true);
  });
});

describe("expectations", () => {
  const latency = { count: 10, mean: 1000, p50: 1000, p90: 2000, p99: 5000, p999: 6000, max: 9000 };

  it("meets hold when the invariant holds and violate when it breaks", () => {
    const s = { ...scenario, expect: { ...scenario.expect, hold: ["no-loss" as const], violate: ["no-duplicates" as const], latencyViolated: false } };
    const verdicts = [
      { invariant: "no-loss", holds: true, checked: 1, anomalyCount: 0, anomalies: [], summary: "ok" },
      { invariant: "no-duplicates", holds: true, checked: 1, anomalyCount: 0, anomalies: [], summary: "ok" },
    ];
    const out = evaluateExpectations(s, verdicts, latency);
    expect(out.map((o) => o.met)).toEqual([true, false]);
    expect(out[1].detail).toMatch(/expected a violation/);
  });

  it("checks latency bounds and their expected violation", () => {
    const within = evaluateExpectations({ ...scenario, expect: { ...scenario.expect, hold: [], violate: [], latency: { p99: 5000 }, latencyViolated: false } }, [], latency);
    expect(within[0].met).toBe(true);
    const over = evaluateExpectations({ ...scenario, expect: { ...scenario.expect, hold: [], violate: [], latency: { max: 8000 }, latencyViolated: false } }, [], latency);
    expect(over[0].met).toBe(false);
    expect(over[0].detail).toMatch(/max 9ms > 8ms/);
    const wanted = evaluateExpectations({ ...scenario, expect: { ...scenario.expect, hold: [], violate: [], latency: { max: 8000 }, latencyViolated: true } }, [], latency);
    expect(wanted[0].met).toBe(true);
  });

  it("fails a latency bound when nothing was processed", () => {
    const none = { ...latency, count: 0 };
    const out = evaluateExpectations({ ...scenario, expect: { ...scenario.expect, hold: [], violate: [], latency: { p99: 5000 }, latencyViolated: false } }, [], none);
    expect(out[0].met).toBe(false);
  });
});
