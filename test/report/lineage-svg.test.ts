import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { allPartitionTimelines } from "../../src/report/isr-timeline.ts";
import { lineageSection, messageLineages, messagesNamedByAnomalies, MAX_LINEAGE_EVENTS } from "../../src/report/lineage-svg.ts";
import type { AnomalyRecord } from "../../src/checkers/anomaly-ledger.ts";
import { escapeHtml } from "../../src/report/html.ts";
import { buildFixtureResult } from "./fixture.ts";

const S = 1_000_000;
const scenario = loadScenarioText(
  `name: t
description: test.
duration: 10s
cluster: { brokers: 3 }
topics: [{ name: orders, partitions: 1, replicationFactor: 3 }]
producers: [{ name: checkout, topic: orders, rate: 1/s }]
`,
  "t.yaml",
);

const anomaly = (invariant: string, kind: string, messageIds: number[]): AnomalyRecord => ({ invariant, kind, explanation: "x", messageIds });

/** m0 is appended on broker-0 and acked; broker-0 crashes, broker-1 is elected uncleanly and cuts m0 from its log. */
function lostWrite() {
  const b = new HistoryBuilder();
  const h = b.h;
  const brokers = [0, 1, 2].map((i) => h.actor(`broker-${i}`, "broker"));
  const m0 = b.send("checkout", "k1", "orders", 1 * S);
  const other = b.send("checkout", "k2", "orders", 1.5 * S);
  b.append(m0, 0, 7, 1.01 * S).ack(m0, 0, 7, 1.02 * S);
  b.append(other, 0, 8, 1.51 * S);
  const orders = h.actorId("orders")!;
  h.record(Op.FaultStart, 3 * S, -1, brokers[0], -1, -1, 0);
  h.record(Op.UncleanLeaderElection, 4 * S, 1, brokers[1], 0, 5, orders);
  h.record(Op.Truncate, 4.5 * S, 3, brokers[2], 0, 5, orders);
  h.record(Op.FinalLogRange, 10 * S, m0, orders, 0, 0, 1); // its msg column is a range end, not a message
  return { h, m0, other };
}

describe("message lineage", () => {
  it("picks the first message of each invariant first, then the next ones, without repeats", () => {
    const picks = messagesNamedByAnomalies(
      [anomaly("no-loss", "lost", [4, 5]), anomaly("no-loss", "lost", [6]), anomaly("no-duplicates", "duplicate", [4, 9]), anomaly("x", "y", [99])],
      20,
      4,
    );
    expect(picks).toEqual([
      { msg: 4, reason: "no-loss: lost" },
      { msg: 9, reason: "no-duplicates: duplicate" },
      { msg: 5, reason: "no-loss: lost" },
      { msg: 6, reason: "no-loss: lost" },
    ]);
  });

  it("puts each step on the node that did it and the partition's election and truncation around it", () => {
    const { h, m0 } = lostWrite();
    const [l] = messageLineages(h, [{ msg: m0, reason: "no-lost-write: lost-write" }], allPartitionTimelines(h, scenario, 10 * S).map((t) => t.timeline));
    expect(l.lanes.map((x) => `${x.node} (${x.role})`)).toEqual([
      "checkout (producer)",
      "broker-0 (leader of orders-0)",
      "broker-1 (follower of orders-0)",
      "broker-2 (follower of orders-0)",
    ]);
    const steps = l.events.map((e) => `${e.atUs / S}s ${l.lanes[e.lane].node}: ${e.what}${e.own ? "" : " *"}`);
    expect(steps).toEqual([
      "1s checkout: send",
      "1.01s broker-0: appended orders-0 @7",
      "1.02s checkout: acked @7",
      "3s broker-0: fault begins *",
      "4s broker-1: UNCLEAN leader (epoch 1) *",
      "4.5s broker-2: cut to 5: record gone *",
    ]);
    expect(l.omittedEvents).toBe(0);
  });

  it("keeps at most MAX_LINEAGE_EVENTS steps and says how many it left out", () => {
    const b = new HistoryBuilder();
    const m = b.send("checkout", "k", "orders", 0);
    for (let i = 1; i <= MAX_LINEAGE_EVENTS + 5; i++) b.h.record(Op.ProduceRetry, i, m, b.h.actorId("checkout")!, 0, -1, i + 1);
    const [l] = messageLineages(b.h, [{ msg: m, reason: "r" }], []);
    expect(l.events).toHaveLength(MAX_LINEAGE_EVENTS);
    expect(l.omittedEvents).toBe(6);
  });

  it("draws a swimlane per message with a lane per node and a mark per step", () => {
    const { h, m0 } = lostWrite();
    const result = buildFixtureResult();
    result.metrics.lineages = messageLineages(h, [{ msg: m0, reason: "no-lost-write: lost-write" }], allPartitionTimelines(h, scenario, 10 * S).map((t) => t.timeline));
    const html = lineageSection(result, escapeHtml);
    expect(html).toContain('data-message="0"');
    expect(html.match(/<g class="lane">/g)).toHaveLength(4);
    expect(html.match(/<g class="lineage-event"/g)).toHaveLength(6);
    expect(html).toContain('data-kind="truncate"');
    expect(lineageSection(buildFixtureResult(), escapeHtml)).toBe("");
  });
});
