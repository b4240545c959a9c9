// One cause found by several invariants is one root cause, sized once.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { groupByRootCause } from "../../src/checkers/root-causes.ts";
import { finishVerdicts, type AnomalyRecord } from "../../src/checkers/anomaly-ledger.ts";
import { lostWrite } from "../../src/checkers/lost-write.ts";
import { noLoss } from "../../src/checkers/no-loss.ts";
import { lossExplained } from "../../src/checkers/loss-explained.ts";
import { commitMsgFor } from "../../src/models/groups/group-coordinator.ts";

const rec = (invariant: string, kind: string, ids: number[], cause?: string): AnomalyRecord => ({
  invariant, kind, explanation: kind, messageIds: ids, timesUs: [ids[0] ?? 0], ...(cause ? { cause } : {}),
});

describe("grouping anomalies by root cause", () => {
  it("joins anomalies about the same message and names them by the label one of them carries", () => {
    const causes = groupByRootCause([
      rec("no-loss", "lost-write", [1]),
      rec("no-loss", "lost-write", [2]),
      rec("no-lost-write", "lost-write", [1], "t/0: truncated"),
      rec("no-lost-write", "lost-write", [2], "t/0: truncated"),
      rec("no-duplicates", "duplicate", [7]),
    ]);
    expect(causes).toEqual([
      { cause: "t/0: truncated", messages: 2, anomalies: 4, symptoms: [{ invariant: "no-loss", kind: "lost-write", count: 2 }, { invariant: "no-lost-write", kind: "lost-write", count: 2 }], firstUs: 1, lastUs: 2, exampleMessages: [1, 2] },
      { cause: "no-duplicates: duplicate", messages: 1, anomalies: 1, symptoms: [{ invariant: "no-duplicates", kind: "duplicate", count: 1 }], firstUs: 7, lastUs: 7, exampleMessages: [7] },
    ]);
  });

  it("keeps an anomaly's own label when its story has another", () => {
    const records = [rec("a", "x", [1], "cause A"), rec("b", "y", [1, 2], "cause B"), rec("c", "z", [2])];
    const causes = groupByRootCause(records);
    expect(causes.map((c) => [c.cause, c.anomalies])).toEqual([["cause A", 2], ["cause B", 1]]);
    expect(records.map((r) => r.cause)).toEqual(["cause A", "cause B", "cause A"]);
  });

  it("counts a truncated record once across no-lost-write, no-loss and loss-explained", () => {
    const scenario = loadScenarioText(
      `name: t
description: A test.
duration: 10s
drain: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders }]
`,
      "t.yaml",
    );
    const b = new HistoryBuilder();
    const h = b.h;
    const m0 = b.send("p", "a", "orders", 0);
    const m1 = b.send("p", "b", "orders", 1000);
    const topic = h.actorId("orders")!;
    h.record(Op.Append, 10, m0, topic, 0, 0, 0);
    b.ack(m0, 0, 0, 20);
    h.record(Op.LeaderElection, 5000, 1, h.actor("broker-1", "broker"), 0, 0, topic);
    h.record(Op.Append, 6000, m1, topic, 0, 0, 1);
    b.ack(m1, 0, 0, 6010);
    const g = h.actor("g", "group");
    const member = h.actor("g-0", "consumer");
    h.record(Op.Deliver, 7000, m1, member, 0, 0, g);
    b.process(m1, "g", "g-0", 0, 0, 7000, 7100);
    h.record(Op.Commit, 7200, commitMsgFor(topic), member, 0, 1, g);
    h.record(Op.FinalLogRange, 20e6, 1, topic, 0, 0, 1);
    const { causes } = finishVerdicts([noLoss(h, scenario), lostWrite(h, scenario), lossExplained(h, scenario)], scenario);
    expect(causes).toHaveLength(1);
    expect(causes[0].messages).toBe(1);
    expect(causes[0].anomalies).toBe(3);
    expect(causes[0].cause).toBe("orders/0: broker-1 became leader (epoch 1) at 0.005s with log end 0; acknowledged records past it were lost");
    expect(causes[0].symptoms.map((s) => s.invariant)).toEqual(["no-loss", "no-lost-write", "loss-explained"]);
  });
});
