import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { issuesOf } from "./issues-of.ts";

const doc = (group: string) => `name: t
description: A test.
duration: 10s
topics: [{ name: orders, partitions: 3 }, { name: refunds, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups:
  - ${group}
`;

function issues(group: string): string {
  return issuesOf(doc(group));
}

describe("consumer group settings", () => {
  it("default to Kafka's values, except the commit mode the bundled scenarios rely on", () => {
    const s = loadScenarioText(doc("{ name: g, topic: orders }"), "t.yaml");
    const g = s.consumerGroups[0];
    expect(g).toMatchObject({
      sessionTimeout: 45_000_000,
      heartbeatInterval: 3_000_000,
      maxPollInterval: 300_000_000,
      maxPollRecords: 500,
      initialRebalanceDelay: 3_000_000,
      assignor: "range",
      staticMembership: false,
      commit: { mode: "sync-after-processing", interval: 5_000_000 },
    });
  });

  it("accepts several topics and per-member subscriptions", () => {
    const s = loadScenarioText(doc("{ name: g, topics: [orders, refunds], members: 2, memberTopics: [[orders]] }"), "t.yaml");
    expect(s.consumerGroups[0].topics).toEqual(["orders", "refunds"]);
  });

  it("names an unknown topic in `topics` with its line and column", () => {
    expect(issues("{ name: g, topics: [orders, refunds2] }")).toMatch(/^7:33 consumerGroups\[0\]\.topics\[1\]: no topic named "refunds2"/);
  });

  it("rejects a group with both topic and topics, or with neither", () => {
    expect(issues("{ name: g, topic: orders, topics: [orders] }")).toContain("give either topic or topics, not both");
    expect(issues("{ name: g }")).toContain("subscribes to no topic");
  });

  it("rejects a heartbeat interval that is not below the session timeout", () => {
    expect(issues("{ name: g, topic: orders, heartbeatInterval: 10s, sessionTimeout: 10s }")).toContain("must be lower than session.timeout");
  });

  it("requires exactly one action per group event", () => {
    expect(issues("{ name: g, topic: orders, events: [{ at: 1s, scale: 2, slowdown: { factor: 2, for: 1s } }] }")).toContain("exactly one of scale, slowdown, pausePartitions");
  });

  it("rejects pausing a partition the topic does not have", () => {
    expect(issues("{ name: g, topic: orders, events: [{ at: 1s, pausePartitions: { partitions: [3], for: 1s } }] }")).toContain("topic orders has no partition 3");
  });
});
