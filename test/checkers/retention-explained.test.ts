// The config-aware readings of jumps in a group's position, on tiny hand-written histories: records deleted by
// retention before the group read them, records skipped by auto.offset.reset=latest (on a partition added at
// run time, or after committed offsets expired), and keys that moved partition when the topic grew.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { noLoss } from "../../src/checkers/no-loss.ts";
import { lossExplained } from "../../src/checkers/loss-explained.ts";
import { perKeyOrder } from "../../src/checkers/per-key-order.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { commitMsgFor } from "../../src/models/groups/group-coordinator.ts";

const scenarioWith = (reset: string) =>
  loadScenarioText(
    `name: t
description: A test.
duration: 10s
drain: 10s
topics: [{ name: orders, partitions: 2, retentionMs: 3s }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders, members: 1, autoOffsetReset: ${reset} }]
`,
    "t.yaml",
  );

const S = 1_000_000;

/** Ten records on orders/0 (offset i sent at i s); the group processes offsets 0-1 and then its position jumps. */
function setup() {
  const b = new HistoryBuilder();
  const msgs = Array.from({ length: 10 }, (_, i) => {
    const m = b.send("p", `k${i}`, "orders", i * S);
    b.append(m, 0, i, i * S + 10).ack(m, 0, i, i * S + 20);
    return m;
  });
  const h = b.h;
  const g = h.actor("g", "group");
  const topic = h.actorId("orders")!;
  const c = h.actor("g-0", "consumer");
  const broker = h.actor("broker-0", "broker");
  b.process(msgs[0], "g", "g-0", 0, 0, 1 * S, 1 * S + 5);
  b.process(msgs[1], "g", "g-0", 0, 1, 2 * S, 2 * S + 5);
  const groupRow = (kind: Op, t: number, offset: number) => h.record(kind, t, commitMsgFor(topic), c, 0, offset, g);
  const retention = (t: number, logStart: number, deleted: number) => h.record(Op.LogRetention, t, deleted, broker, 0, logStart, topic);
  const commit = (t: number, offset: number) => h.record(Op.Commit, t, commitMsgFor(topic), c, 0, offset, g);
  const processFrom = (from: number, t: number) => {
    for (let o = from; o < 10; o++) b.process(msgs[o], "g", "g-0", 0, o, t + o * 1000, t + o * 1000 + 5);
    commit(t + 20_000, 10);
  };
  return { h, msgs, groupRow, retention, commit, processFrom };
}

describe("losses explained by retention and auto.offset.reset", () => {
  it("names the retention deletion and the reset from a to b, and counts the loss as permitted (earliest)", () => {
    const { h, groupRow, retention, commit, processFrom } = setup();
    commit(2 * S + 10, 2);
    retention(8 * S, 5, 5);
    groupRow(Op.OffsetOutOfRange, 8.5 * S, 2);
    groupRow(Op.OffsetReset, 8.5 * S, 5);
    processFrom(5, 9 * S);
    const s = scenarioWith("earliest");
    const v = noLoss(h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalyCount).toBe(3);
    expect(v.unpermitted).toBe(0);
    expect(v.permittedBy).toEqual(["retention.ms=3s on orders"]);
    expect(v.anomalies[0].kind).toBe("skipped");
    expect(v.anomalies[0].explanation).toMatch(/orders\/0@2 was deleted by retention at 8\.000s .* its position 2 was then out of range and auto\.offset\.reset=earliest moved g-0 from offset 2 to 5 at 8\.500s/);
    const le = lossExplained(h, s);
    expect(le.holds).toBe(true);
    expect(le.anomalyCount).toBe(3);
  });

  it("with latest, also names the records still in the log that the jump to the end skipped", () => {
    const { h, groupRow, retention, commit, processFrom } = setup();
    commit(2 * S + 10, 2);
    retention(8 * S, 5, 5);
    groupRow(Op.OffsetOutOfRange, 8.5 * S, 2);
    groupRow(Op.OffsetReset, 8.5 * S, 8);
    processFrom(8, 9 * S);
    const v = noLoss(h, scenarioWith("latest"));
    expect(v.anomalyCount).toBe(6);
    expect(v.unpermitted).toBe(0);
    expect(v.permittedBy).toEqual(["auto.offset.reset=latest on g", "retention.ms=3s on orders"]);
    expect(v.anomalies.find((a) => a.offsets![0] === 6)!.explanation).toMatch(/fell out of range at 8\.500s .* past orders\/0@6, which was still in the log/);
  });

  it("without a reset row the same missing records are plain lag (unseen) and nothing is permitted", () => {
    const { h, retention, commit } = setup();
    commit(2 * S + 10, 2);
    retention(8 * S, 5, 5);
    const v = noLoss(h, scenarioWith("earliest"));
    expect(v.anomalies[0].kind).toBe("unseen");
    expect(v.permittedBy).toBeUndefined();
  });

  it("a commit past records the group skipped with no reset is still unexplained", () => {
    const { h, commit, processFrom } = setup();
    commit(2 * S + 10, 2);
    processFrom(5, 9 * S);
    expect(lossExplained(h, scenarioWith("earliest")).holds).toBe(false);
  });

  it("names expired committed offsets as the cause when the group came back with latest", () => {
    const { h, groupRow, commit, processFrom } = setup();
    commit(2 * S + 10, 2);
    h.record(Op.OffsetsExpired, 7 * S, commitMsgFor(h.actorId("orders")!), h.actorId("g")!, 0, 2, h.actorId("g")!);
    groupRow(Op.OffsetReset, 8 * S, 7);
    processFrom(7, 9 * S);
    const v = noLoss(h, scenarioWith("latest"));
    expect(v.unpermitted).toBe(0);
    expect(v.anomalies[0].explanation).toMatch(/committed offset 2 on orders\/0 expired at 7\.000s \(offsets\.retention 168h/);
  });
});

describe("per-key order across a partition move", () => {
  /** Key k: m0 sent at 1 s to partition 0; the producer refreshes at 2 s; m1 sent at 3 s to partition 1. */
  function moved(withRefresh: boolean) {
    const b = new HistoryBuilder();
    const m0 = b.send("p", "k", "orders", 1 * S);
    const m1 = b.send("p", "k", "orders", 3 * S);
    b.append(m0, 0, 0, 1 * S + 10).append(m1, 1, 0, 3 * S + 10);
    const h = b.h;
    const topic = h.actorId("orders")!;
    h.record(Op.PartitionsAdded, 1.5 * S, -1, topic, 2, 1, topic);
    if (withRefresh) h.record(Op.MetadataRefresh, 2 * S, -1, h.actorId("p")!, 2, 1, topic);
    // The group reads partition 1 first (partition 0 lags behind).
    b.process(m1, "g", "g-1", 1, 0, 4 * S, 4 * S + 5);
    b.process(m0, "g", "g-0", 0, 0, 5 * S, 5 * S + 5);
    return h;
  }

  it("is expected under partition growth when the producer's refresh came between the two sends", () => {
    const v = perKeyOrder(moved(true), scenarioWith("latest"));
    expect(v.holds).toBe(false);
    expect(v.unpermitted).toBe(0);
    expect(v.permittedBy).toEqual(["partitions added to orders at run time (keys move partition)"]);
    expect(v.anomalies[0].explanation).toMatch(/orders grew from 1 to 2 partitions at 1\.500s; p's metadata refresh at 2\.000s moved key k from partition 0 to 1/);
  });

  it("is a plain reorder when no refresh explains the move", () => {
    const v = perKeyOrder(moved(false), scenarioWith("latest"));
    expect(v.holds).toBe(false);
    expect(v.permittedBy).toBeUndefined();
    expect(v.unpermitted).toBeUndefined();
  });
});
