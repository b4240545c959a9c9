// The consumer-group checkers on tiny hand-written histories, each with and without its anomaly.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { noPollSkip } from "../../src/checkers/poll-skip.ts";
import { monotonicPoll } from "../../src/checkers/monotonic-poll.ts";
import { duplicatesExplained } from "../../src/checkers/duplicates-explained.ts";
import { livenessLagDrains } from "../../src/checkers/liveness-lag-drains.ts";
import { lossExplained } from "../../src/checkers/loss-explained.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { commitMsgFor } from "../../src/models/groups/group-coordinator.ts";

const scenario = loadScenarioText(
  `name: t
description: A test.
duration: 10s
drain: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders, members: 2, recovery: { lagThreshold: 0, within: 5s } }]
`,
  "t.yaml",
);

/** A history of n messages on orders/0 and a builder to add group rows to it. */
function setup(n: number) {
  const b = new HistoryBuilder();
  const msgs = Array.from({ length: n }, (_, i) => {
    const m = b.send("p", `k${i}`, "orders", i * 1000);
    b.append(m, 0, i, i * 1000 + 10);
    b.ack(m, 0, i, i * 1000 + 20);
    return m;
  });
  const h = b.h;
  const g = h.actor("g", "group");
  const topic = h.actorId("orders")!;
  const member = (name: string) => h.actor(name, "consumer");
  const row = (kind: Op, t: number, who: string, offset: number, partition = 0) =>
    h.record(kind, t, commitMsgFor(topic), member(who), partition, offset, g);
  const deliver = (t: number, who: string, offset: number) => h.record(Op.Deliver, t, msgs[offset], member(who), 0, offset, g);
  return { b, h, msgs, row, deliver };
}

describe("no-poll-skip", () => {
  it("holds when a member's polls return consecutive offsets from its position", () => {
    const { h, row, deliver } = setup(3);
    row(Op.FetchPosition, 100, "g-0", 0);
    deliver(200, "g-0", 0);
    deliver(300, "g-0", 1);
    deliver(400, "g-0", 2);
    expect(noPollSkip(h, scenario).holds).toBe(true);
  });

  it("flags a poll that jumps past an offset the member never got", () => {
    const { h, row, deliver } = setup(3);
    row(Op.FetchPosition, 100, "g-0", 0);
    deliver(200, "g-0", 0);
    deliver(300, "g-0", 2);
    const v = noPollSkip(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("poll-skip");
    expect(v.anomalies[0].offsets).toEqual([1, 2]);
  });
});

describe("monotonic-poll", () => {
  it("allows a rewind that a new position explains", () => {
    const { h, row, deliver } = setup(2);
    deliver(200, "g-0", 0);
    deliver(300, "g-0", 1);
    row(Op.FetchPosition, 350, "g-0", 0);
    deliver(400, "g-0", 0);
    expect(monotonicPoll(h, scenario).holds).toBe(true);
  });

  it("flags a poll that goes backwards with no reset", () => {
    const { h, deliver } = setup(2);
    deliver(200, "g-0", 0);
    deliver(300, "g-0", 1);
    deliver(400, "g-0", 0);
    const v = monotonicPoll(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("nonmonotonic-poll");
  });
});

describe("duplicates-explained", () => {
  it("explains a repeat by the rebalance that moved the partition back to the committed offset", () => {
    const { b, h, row } = setup(2);
    const g = h.actor("g", "group");
    b.commit("g", "g-0", 0, 0, 50);
    h.record(Op.Commit, 60, commitMsgFor(h.actorId("orders")!), h.actor("g-0", "consumer"), 0, 0, g);
    b.process(0, "g", "g-0", 0, 0, 100, 200);
    h.record(Op.ConsumerCrashed, 300, -1, h.actor("g-0", "consumer"), -1, 1, g);
    h.record(Op.RebalanceStart, 400, -1, g, 2, 1, g);
    row(Op.FetchPosition, 500, "g-1", 0);
    b.process(0, "g", "g-1", 0, 0, 600, 700);
    const v = duplicatesExplained(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].kind).toBe("duplicate-explained");
    expect(v.anomalies[0].explanation).toContain("session timed out");
    expect(v.anomalies[0].explanation).toContain("committed offset 0");
  });

  it("explains a repeat by a member the group had expelled (a zombie after a long pause)", () => {
    const { b, h } = setup(1);
    const g = h.actor("g", "group");
    b.process(0, "g", "g-1", 0, 0, 100, 200);
    h.record(Op.MemberLeft, 300, -1, h.actor("g-0", "consumer"), 1, 1, g);
    b.process(0, "g", "g-0", 0, 0, 400, 500);
    const v = duplicatesExplained(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].explanation).toContain("as a zombie");
  });

  it("explains a repeat whose first processing was a zombie's, after the partition had moved", () => {
    const { b, h, row } = setup(1);
    const g = h.actor("g", "group");
    h.record(Op.MemberLeft, 50, -1, h.actor("g-1", "consumer"), 2, 1, g);
    row(Op.FetchPosition, 60, "g-0", 0);
    b.process(0, "g", "g-1", 0, 0, 100, 200);
    b.process(0, "g", "g-0", 0, 0, 300, 400);
    const v = duplicatesExplained(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].explanation).toContain("processed it as a zombie");
  });

  it("fails on a repeat that nothing rewound", () => {
    const { b, h } = setup(1);
    b.process(0, "g", "g-0", 0, 0, 100, 200);
    b.process(0, "g", "g-0", 0, 0, 300, 400);
    const v = duplicatesExplained(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("duplicate-unexplained");
  });
});

describe("liveness-lag-drains", () => {
  it("holds when, after the last fault, the partition has an owner and the lag is back under the threshold in time", () => {
    const { h, row } = setup(2);
    row(Op.PartitionAssigned, 0, "g-0", 1);
    h.record(Op.ConsumerCrashed, 3_000_000, -1, h.actor("g-1", "consumer"), -1, 1, h.actorId("g")!);
    row(Op.Commit, 4_000_000, "g-0", 2);
    expect(livenessLagDrains(h, scenario).holds).toBe(true);
  });

  it("fails when the partition is left without an owner after the fault", () => {
    const { h, row } = setup(2);
    row(Op.PartitionAssigned, 0, "g-0", 1);
    row(Op.Commit, 1_000_000, "g-0", 2);
    row(Op.PartitionLost, 3_000_000, "g-0", 1);
    h.record(Op.ConsumerCrashed, 3_000_000, -1, h.actor("g-0", "consumer"), -1, 1, h.actorId("g")!);
    const v = livenessLagDrains(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("partition-without-owner");
  });

  it("fails when the lag is still above the threshold when the bound runs out", () => {
    const { h, row } = setup(2);
    row(Op.PartitionAssigned, 0, "g-0", 1);
    row(Op.Commit, 1_000_000, "g-0", 1);
    const v = livenessLagDrains(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("lag-not-drained");
  });
});

describe("loss-explained", () => {
  const withMode = (mode: string, handoff = "inline") =>
    loadScenarioText(
      `name: t
description: A test.
duration: 10s
drain: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders, commit: { mode: ${mode} }, processing: { handoff: ${handoff} } }]
`,
      "t.yaml",
    );

  function lostAfterCrash() {
    const { h, row, deliver } = setup(2);
    const g = h.actorId("g")!;
    deliver(100, "g-0", 0);
    deliver(100, "g-0", 1);
    row(Op.Commit, 150, "g-0", 2);
    h.record(Op.ProcessStart, 160, 0, h.actor("g-0", "consumer"), 0, 0, g);
    h.record(Op.ProcessEnd, 170, 0, h.actor("g-0", "consumer"), 0, 0, g);
    h.record(Op.ConsumerCrashed, 180, -1, h.actor("g-0", "consumer"), -1, 1, g);
    return h;
  }

  it("explains a record committed before processing and lost in a crash, as at-most-once permits", () => {
    const v = lossExplained(lostAfterCrash(), withMode("before-processing"));
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].kind).toBe("loss-explained");
    expect(v.anomalies[0].explanation).toContain("crashed at");
  });

  it("fails the same loss under sync-after-processing, which must not lose records", () => {
    const v = lossExplained(lostAfterCrash(), withMode("sync-after-processing"));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("loss-not-permitted");
  });
});
