import { describe, expect, it } from "vitest";
import { History, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { allPartitionTimelines, isrTimelineSection, leaderAt, leadershipTimeline, MAX_SPANS_PER_PARTITION, MAX_TIMELINE_PARTITIONS } from "../../src/report/isr-timeline.ts";
import { escapeHtml } from "../../src/report/html.ts";
import { buildFixtureResult } from "./fixture.ts";

const S = 1_000_000;

const scenario = (partitions = 3) =>
  loadScenarioText(
    `name: t
description: test.
duration: 10s
cluster: { brokers: 3 }
topics: [{ name: orders, partitions: ${partitions}, replicationFactor: 3, minInsyncReplicas: 2 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
`,
    "t.yaml",
  );

/** orders-1 (replicas 1, 2, 0; broker-1 leads): broker-1 crashes at 2 s, broker-2 takes over, nobody is left at 5 s,
 * broker-0 comes back out of sync and is elected uncleanly at 7 s; broker-2 rejoins at 8 s. */
function history(): History {
  const h = new History();
  const b = [0, 1, 2].map((i) => h.actor(`broker-${i}`, "broker"));
  const orders = h.actor("orders", "topic");
  h.record(Op.IsrShrink, 2 * S, -1, b[1], 1, 2, orders);
  h.record(Op.LeaderElection, 2 * S, 1, b[2], 1, 40, orders);
  h.record(Op.IsrShrink, 3 * S, -1, b[0], 1, 1, orders);
  h.record(Op.PartitionOffline, 5 * S, -1, orders, 1, -1, orders);
  h.record(Op.UncleanLeaderElection, 7 * S, 2, b[0], 1, 35, orders);
  h.record(Op.IsrExpand, 8 * S, -1, b[2], 1, 2, orders);
  // A message row in between changes nothing.
  h.record(Op.Append, 4 * S, 0, orders, 1, 41);
  return h;
}

describe("the leader/ISR timeline", () => {
  it("starts every partition on its preferred leader with the full ISR and follows elections, shrinks and offline periods", () => {
    const all = allPartitionTimelines(history(), scenario(), 10 * S);
    expect(all.map((x) => x.changed)).toEqual([false, true, false]);
    expect(all[0].timeline.spans).toEqual([{ startUs: 0, endUs: 10 * S, leader: "broker-0", isr: ["broker-0", "broker-1", "broker-2"] }]);
    const p1 = all[1].timeline;
    expect(p1.replicas).toEqual(["broker-1", "broker-2", "broker-0"]);
    expect(p1.spans.map((s) => [s.startUs / S, s.endUs / S, s.leader, s.isr.join(",")])).toEqual([
      [0, 2, "broker-1", "broker-1,broker-2,broker-0"],
      [2, 3, "broker-2", "broker-2,broker-0"],
      [3, 5, "broker-2", "broker-2"],
      [5, 7, null, "broker-2"],
      // An unclean election makes the new leader the whole ISR.
      [7, 8, "broker-0", "broker-0"],
      [8, 10, "broker-0", "broker-2,broker-0"],
    ]);
    expect(p1.elections).toEqual([
      { atUs: 2 * S, leader: "broker-2", epoch: 1, unclean: false },
      { atUs: 7 * S, leader: "broker-0", epoch: 2, unclean: true },
    ]);
    expect(p1.offlineUs).toBe(2 * S);
    expect(leaderAt(p1, 6 * S)).toBeNull();
    expect(leaderAt(p1, 2.5 * S)).toBe("broker-2");
  });

  it("keeps only the partitions that changed, capped, and counts the rest", () => {
    const tl = leadershipTimeline(allPartitionTimelines(history(), scenario(), 10 * S))!;
    expect(tl.partitions.map((p) => p.partition)).toEqual([1]);
    expect(tl.unchanged).toBe(2);
    expect(tl.omitted).toBe(0);
    const h = new History();
    const orders = h.actor("orders", "topic");
    const b0 = h.actor("broker-0", "broker");
    for (let p = 0; p < MAX_TIMELINE_PARTITIONS + 5; p++) h.record(Op.IsrShrink, S, -1, b0, p, 2, orders);
    const many = leadershipTimeline(allPartitionTimelines(h, scenario(MAX_TIMELINE_PARTITIONS + 10), 10 * S))!;
    expect(many.partitions).toHaveLength(MAX_TIMELINE_PARTITIONS);
    expect(many.omitted).toBe(5);
    expect(many.unchanged).toBe(5);
  });

  it("keeps a flapping ISR's first changes and says how many more it left out", () => {
    const h = new History();
    const orders = h.actor("orders", "topic");
    const b2 = h.actor("broker-2", "broker");
    for (let i = 1; i <= MAX_SPANS_PER_PARTITION; i++) {
      h.record(Op.IsrShrink, i * 10_000, -1, b2, 0, 2, orders);
      h.record(Op.IsrExpand, i * 10_000 + 5_000, -1, b2, 0, 3, orders);
    }
    const [p0] = leadershipTimeline(allPartitionTimelines(h, scenario(1), 10 * S))!.partitions;
    expect(p0.spans).toHaveLength(MAX_SPANS_PER_PARTITION);
    expect(p0.omittedChanges).toBe(MAX_SPANS_PER_PARTITION + 1);
    expect(p0.hiddenFromUs).toBe(p0.spans[p0.spans.length - 1].endUs);
    const result = buildFixtureResult();
    result.metrics.leadership = leadershipTimeline(allPartitionTimelines(h, scenario(1), 10 * S));
    expect(isrTimelineSection(result, escapeHtml)).toContain(`+${MAX_SPANS_PER_PARTITION + 1} more changes, not drawn`);
  });

  it("has no timeline without topics", () => {
    const s = { ...scenario(), topics: [] };
    expect(leadershipTimeline(allPartitionTimelines(new History(), s, 10 * S))).toBeUndefined();
  });

  it("draws one row per changed partition with its spans and election markers, and says what it left out", () => {
    const result = buildFixtureResult();
    result.metrics.leadership = leadershipTimeline(allPartitionTimelines(history(), scenario(), 10 * S));
    const html = isrTimelineSection(result, escapeHtml);
    expect(html).toContain('data-partition="orders-1"');
    expect(html.match(/<g class="span">/g)).toHaveLength(6);
    expect(html.match(/class="election unclean"/g)).toHaveLength(1);
    expect(html.match(/class="election"/g)).toHaveLength(1);
    expect(html).toContain("OFFLINE");
    expect(html).toContain("2 kept their first leader and full ISR");
    expect(isrTimelineSection(buildFixtureResult(), escapeHtml)).toBe("");
  });
});
