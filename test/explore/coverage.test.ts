import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op, OP_NAMES } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { reachedGoals, registerCoverageDetector, resolveCoverageGoal } from "../../src/explore/coverage.ts";

const TEXT = `name: cov
description: A tiny scenario for coverage detector tests.
duration: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 10/s }]
consumerGroups: [{ name: g, topic: t }]
coverage:
  - processed-twice
  - redelivered
  - produce-retry
  - retry-after-unknown
  - produce-unknown
  - { latency-above: 1ms }
  - { lag-above: 1 }
  - { op: commit }
`;
const scenario = loadScenarioText(TEXT, "cov.yaml");
const goals = scenario.coverage.map(resolveCoverageGoal);

/** m0 and m1 sent, appended at offsets 0 and 1 of partition 0, processed once each within 500 µs. */
function healthy() {
  const b = new HistoryBuilder();
  const m0 = b.send("p", "a", "t", 0);
  const m1 = b.send("p", "a", "t", 10);
  b.append(m0, 0, 0, 100).ack(m0, 0, 0, 150).process(m0, "g", "g-0", 0, 0, 200, 300);
  b.append(m1, 0, 1, 110).ack(m1, 0, 1, 160).process(m1, "g", "g-0", 0, 1, 300, 400);
  return { b, m0, m1 };
}

describe("coverage detectors", () => {
  it("reach nothing on a healthy history except the goals it really shows", () => {
    const { b } = healthy();
    expect(reachedGoals(goals, b.h, scenario)).toEqual(["lag-above 1"]);
  });

  it("label goals with their parameter as written in human units", () => {
    expect(goals.map((g) => g.label)).toEqual([
      "processed-twice", "redelivered", "produce-retry", "retry-after-unknown", "produce-unknown", "latency-above 1ms", "lag-above 1", "op commit",
    ]);
  });

  it("see a message processed twice by one group, and a redelivery", () => {
    const { b, m0 } = healthy();
    b.process(m0, "g", "g-1", 0, 0, 500, 600);
    const reached = reachedGoals(goals, b.h, scenario);
    expect(reached).toContain("processed-twice");
    expect(reached).toContain("redelivered");
  });

  it("do not count two different groups processing one message as a repeat", () => {
    const { b, m0 } = healthy();
    b.process(m0, "other", "o-0", 0, 0, 500, 600);
    expect(reachedGoals(goals, b.h, scenario)).not.toContain("processed-twice");
  });

  it("see a retry after an unknown outcome, but not a retry after a clean failure", () => {
    const unknown = new HistoryBuilder();
    const m = unknown.send("p", "a", "t", 0);
    unknown.h.record(Op.ProduceUnknown, 50, m, unknown.h.msgProducer[m]!);
    unknown.h.record(Op.ProduceAttempt, 60, m, unknown.h.msgProducer[m]!);
    expect(reachedGoals(goals, unknown.h, scenario)).toEqual(expect.arrayContaining(["produce-retry", "retry-after-unknown", "produce-unknown"]));

    const failed = new HistoryBuilder();
    const f = failed.send("p", "a", "t", 0);
    failed.h.record(Op.ProduceFail, 50, f, failed.h.msgProducer[f]!);
    failed.h.record(Op.ProduceAttempt, 60, f, failed.h.msgProducer[f]!);
    const reached = reachedGoals(goals, failed.h, scenario);
    expect(reached).toContain("produce-retry");
    expect(reached).not.toContain("retry-after-unknown");
  });

  it("see a latency above the bound from send to the end of the first processing", () => {
    const b = new HistoryBuilder();
    const m = b.send("p", "a", "t", 0);
    b.append(m, 0, 0, 100).process(m, "g", "g-0", 0, 0, 1500, 1_001_000);
    expect(reachedGoals(goals, b.h, scenario)).toContain("latency-above 1ms");
  });

  it("measure lag as appended minus committed, so commits bring it back down", () => {
    const lag1 = resolveCoverageGoal({ "lag-above": 1 });
    const b = new HistoryBuilder();
    for (let i = 0; i < 4; i++) {
      const m = b.send("p", "k", "t", i * 10);
      b.append(m, 0, i, i * 10 + 1);
      // Commits keep up: lag never passes 1.
      b.commit("g", "g-0", 0, i + 1, i * 10 + 2);
    }
    expect(reachedGoals([lag1], b.h, scenario)).toEqual([]);
    const m = b.send("p", "k", "t", 100);
    b.append(m, 0, 4, 101);
    const m2 = b.send("p", "k", "t", 102);
    b.append(m2, 0, 5, 103);
    expect(reachedGoals([lag1], b.h, scenario)).toEqual(["lag-above 1"]);
  });

  it("find any op by name, so families that add ops get coverage goals for free", () => {
    const { b } = healthy();
    expect(reachedGoals([resolveCoverageGoal({ op: "commit" })], b.h, scenario)).toEqual([]);
    b.commit("g", "g-0", 0, 2, 500);
    expect(reachedGoals([resolveCoverageGoal({ op: "commit" })], b.h, scenario)).toEqual(["op commit"]);
  });

  it("name the situations other families record as ops: leader change, rebalance during commit, DLQ", () => {
    const code = (name: string) => Number(Object.entries(OP_NAMES).find(([, n]) => n === name)![0]);
    const situations = ["leader-change", "rebalance-during-commit", "dlq"].map((n) => resolveCoverageGoal(n));
    const { b } = healthy();
    expect(reachedGoals(situations, b.h, scenario)).toEqual([]);
    b.h.record(code("unclean-leader-election") as Op, 900, -1, b.h.actor("broker-1", "broker"), 0);
    b.h.record(code("queue-dead-letter") as Op, 950, 0, b.h.actor("q", "topic"));
    expect(reachedGoals(situations, b.h, scenario)).toEqual(["leader-change", "dlq"]);
  });

  it("accept detectors registered by other families", () => {
    registerCoverageDetector("two-messages", { describe: "test: exactly two messages", detect: (h) => h.messageCount === 2 });
    expect(reachedGoals([resolveCoverageGoal("two-messages")], healthy().b.h, scenario)).toEqual(["two-messages"]);
  });

  it("reject unknown situations and bad parameters at file:line:col with a did-you-mean", () => {
    const bad = TEXT.replace("  - redelivered", "  - redelivred").replace("{ lag-above: 1 }", "{ lag-above: lots }");
    try {
      loadScenarioText(bad, "cov.yaml");
      expect.unreachable();
    } catch (err) {
      const issues = (err as ScenarioError).issues;
      expect(issues.map((i) => `${i.line}:${i.path}`)).toEqual(["9:coverage[1]", "14:coverage[6]"]);
      expect(issues[0]!.message).toMatch(/did you mean "redelivered"/);
      expect(issues[1]!.message).toMatch(/whole number/);
    }
  });
});
