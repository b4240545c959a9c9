// rebalance-pause on tiny hand-made histories: a member that revoked everything and waited too long, one that
// did not, one that crashed (not a rebalance's pause), and a pause still open at the end.
import { describe, expect, it } from "vitest";
import { History, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { rebalancePause } from "../../src/checkers/app/rebalance-pause.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

const scenario = (bound = "{ g: { max: 5s } }") =>
  loadScenarioText(
    `name: t
description: test.
duration: 10s
topics: [{ name: orders, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
consumerGroups: [{ name: g, topic: orders, members: 2 }]
expect: { rebalancePause: ${bound}, violate: [rebalance-pause] }
`,
    "t.yaml",
  );

function world() {
  const h = new History();
  const g = h.actor("g", "group");
  const c0 = h.actor("g-0", "consumer");
  const c1 = h.actor("g-1", "consumer");
  const row = (op: Op, t: number, c: number, p: number) => h.record(op, t, -1, c, p, 1, g);
  row(Op.PartitionAssigned, 0, c0, 0);
  row(Op.PartitionAssigned, 0, c1, 1);
  return { h, g, c0, c1, row };
}

describe("rebalance-pause", () => {
  it("names a member that stood still beyond the bound, with both times", () => {
    const { h, c0, c1, row } = world();
    row(Op.PartitionRevoked, 1_000_000, c0, 0);
    row(Op.PartitionRevoked, 9_000_000, c1, 1);
    row(Op.PartitionAssigned, 9_500_000, c0, 0);
    row(Op.PartitionAssigned, 9_500_000, c1, 1);
    const v = rebalancePause(h, scenario());
    expect(v.holds).toBe(false);
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0].explanation).toMatch(/g-0 of group g revoked all its partitions at 1\.000s .* again only at 9\.500s: stood still 8\.500s/);
    expect(v.anomalies[0].timesUs).toEqual([1_000_000, 9_500_000]);
  });

  it("holds when every pause is within the bound, or the member kept partitions", () => {
    const { h, c0, c1, row } = world();
    row(Op.PartitionAssigned, 500_000, c1, 0);
    row(Op.PartitionRevoked, 1_000_000, c0, 0);
    row(Op.PartitionRevoked, 2_000_000, c1, 1);
    row(Op.PartitionAssigned, 3_000_000, c0, 1);
    const v = rebalancePause(h, scenario());
    expect(v.holds).toBe(true);
    expect(v.checked).toBeGreaterThan(1);
  });

  it("a crash is not a rebalance's pause; a pause open at the end counts to the end", () => {
    const a = world();
    a.row(Op.PartitionRevoked, 1_000_000, a.c0, 0);
    a.h.record(Op.ConsumerCrashed, 1_100_000, -1, a.c0, -1, 1, a.g);
    a.row(Op.PartitionAssigned, 20_000_000, a.c1, 0);
    expect(rebalancePause(a.h, scenario()).holds).toBe(true);
    const b = world();
    b.row(Op.PartitionRevoked, 1_000_000, b.c0, 0);
    b.row(Op.PartitionAssigned, 20_000_000, b.c1, 0);
    const v = rebalancePause(b.h, scenario());
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/still had none at the end of the run/);
  });

  it("refuses a bound for a group that does not exist", () => {
    expect(() => scenario("{ gg: { max: 5s } }")).toThrow(ScenarioError);
    expect(() => scenario("{ gg: { max: 5s } }")).toThrow(/no consumer group named "gg"/);
    expect(() => scenario("{ g: { max: soon } }")).toThrow(/rebalancePause/);
  });
});
