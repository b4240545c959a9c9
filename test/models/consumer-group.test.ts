// Consumer-group rules of semantics.md §3, each pinned on a small scenario run through the real runner and
// read back from the history.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";
import { offsetsPartitionFor, javaStringHash, GROUP_ERROR_CODES, LeaveReason } from "../../src/models/groups/group-coordinator.ts";

function run(yaml: string, seed = 1): History {
  const s = loadScenarioText(yaml, "test.yaml");
  return runScenario(s, { seed, file: "test.yaml" }).history;
}

interface Row {
  kind: number;
  t: number;
  actor: string;
  partition: number;
  offset: number;
  msg: number;
}

function rows(h: History, kind: Op, actorPrefix = ""): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== kind) continue;
    const actor = h.actorNames[h.opActor[i]];
    if (!actor.startsWith(actorPrefix)) continue;
    out.push({ kind, t: h.opTimeUs[i], actor, partition: h.opPartition[i], offset: h.opOffset[i], msg: h.opMsg[i] });
  }
  return out;
}

const base = (group: string, extra = "", more = "") => `name: t
description: A test.
duration: 20s
drain: 20s
topics: [{ name: orders, partitions: 6 }]
producers: [{ name: p, topic: orders, rate: 300/s, keys: { count: 50 } }]
consumerGroups:
  - name: g
    topic: orders
    members: 3
${group
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => `    ${l}`)
  .join("\n")}
${extra}
${more}`;

describe("group coordinator placement", () => {
  it("uses Java's String.hashCode, Utils.abs and 50 offsets partitions", () => {
    expect(javaStringHash("a")).toBe(97);
    expect(javaStringHash("hello")).toBe(99162322);
    expect(offsetsPartitionFor("a")).toBe(47);
    // A famous string whose hashCode is Integer.MIN_VALUE: Utils.abs maps it to 0 (Math.abs would stay negative).
    expect(javaStringHash("polygenelubricants")).toBe(-2147483648);
    expect(offsetsPartitionFor("polygenelubricants")).toBe(0);
  });

  it("moves to a live broker when the broker hosting it crashes, and the group keeps consuming", () => {
    // Group "g": hash 103 → offsets partition 3 → replicas 0, 1, 2 of 3 brokers; broker-0 hosts it first.
    expect(offsetsPartitionFor("g") % 3).toBe(0);
    const h = run(
      base("processing: { time: 1ms }", "faults:\n  - { at: 5s, crash: broker-0 }").replace("description: A test.", "description: A test.\ncluster: { brokers: 3 }").replace(
        "{ name: orders, partitions: 6 }",
        "{ name: orders, partitions: 6, replicationFactor: 3 }",
      ),
    );
    const moved = rows(h, Op.CoordinatorMoved);
    expect(moved.length).toBe(1);
    expect(moved[0].t).toBe(5_000_000);
    expect(moved[0].partition).toBe(1);
    expect(rows(h, Op.Commit).some((r) => r.t > 10_000_000)).toBe(true);
  });
});

describe("membership and liveness", () => {
  it("removes a crashed member after session.timeout and rebalances, bumping the generation", () => {
    const h = run(base("sessionTimeout: 10s", "faults:\n  - { at: 5s, crash: g-1 }"));
    const left = rows(h, Op.MemberLeft, "g-1");
    expect(left).toHaveLength(1);
    expect(left[0].partition).toBe(LeaveReason.SessionTimeout);
    // The last heartbeat was at most heartbeat.interval (3 s) before the crash.
    expect(left[0].t).toBeGreaterThan(12_000_000);
    expect(left[0].t).toBeLessThanOrEqual(15_000_000 + 100_000);
    const stable = rows(h, Op.GroupStable);
    expect(stable.map((r) => r.offset)).toEqual([2]);
  });

  it("holds an empty group's first rebalance open for group.initial.rebalance.delay", () => {
    const h = run(base("startsStable: false\ninitialRebalanceDelay: 3s"));
    const stable = rows(h, Op.GroupStable);
    expect(stable[0].t).toBeGreaterThanOrEqual(3_000_000);
    expect(stable[0].partition).toBe(3);
    expect(stable[0].offset).toBe(1);
  });

  it("sends a member whose processing outlasts max.poll.interval out of the group and refuses its stale commit", () => {
    const h = run(
      base("maxPollInterval: 5s\nsessionTimeout: 10s\nevents: [{ at: 4s, slowdown: { factor: 100, for: 10s } }]").replace("members: 3", "members: 2"),
    );
    const left = rows(h, Op.MemberLeft);
    expect(left.some((r) => r.partition === LeaveReason.PollTimeout)).toBe(true);
    const rejected = rows(h, Op.CommitRejected);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => r.partition === GROUP_ERROR_CODES.ILLEGAL_GENERATION || r.partition === GROUP_ERROR_CODES.UNKNOWN_MEMBER_ID)).toBe(true);
  });

  it("treats a GC pause longer than session.timeout as a departure: the member is removed, then rejoins", () => {
    const h = run(base("sessionTimeout: 6s", "faults:\n  - { at: 5s, pause: g-1, for: 10s }"));
    const left = rows(h, Op.MemberLeft, "g-1");
    expect(left.map((r) => r.partition)).toEqual([LeaveReason.SessionTimeout]);
    expect(left[0].t).toBeLessThan(15_000_000);
    expect(rows(h, Op.MemberJoined, "g-1").some((r) => r.t >= 15_000_000)).toBe(true);
  });

  it("lets a static member restart within session.timeout with no rebalance and its old partitions", () => {
    const h = run(base("staticMembership: true", "faults:\n  - { at: 5s, crash: g-1, for: 4s }"));
    expect(rows(h, Op.RebalanceStart)).toHaveLength(0);
    const before = rows(h, Op.PartitionAssigned, "g-1").filter((r) => r.t < 5_000_000).map((r) => r.partition);
    const after = rows(h, Op.PartitionAssigned, "g-1").filter((r) => r.t > 9_000_000).map((r) => r.partition);
    expect(after).toEqual(before);
  });

  it("gives a restarted dynamic member a new member id, which costs a rebalance", () => {
    const h = run(base("sessionTimeout: 10s", "faults:\n  - { at: 5s, crash: g-1, for: 4s }"));
    expect(rows(h, Op.RebalanceStart).length).toBeGreaterThan(0);
  });
});

describe("eager and cooperative rebalancing", () => {
  const scale = (assignor: string) => base(`assignor: ${assignor}\nevents: [{ at: 5s, scale: 4 }]`).replace("partitions: 6", "partitions: 8");

  it("eager: every member revokes every partition it owned", () => {
    const h = run(scale("sticky"));
    const revoked = rows(h, Op.PartitionRevoked).filter((r) => r.t >= 5_000_000);
    const owned = rows(h, Op.PartitionAssigned).filter((r) => r.t < 5_000_000);
    expect(revoked.length).toBe(owned.length);
  });

  it("cooperative: unmoved partitions are never revoked and a moved one reaches its new owner one generation later", () => {
    const h = run(scale("cooperative-sticky"));
    const revoked = rows(h, Op.PartitionRevoked);
    // 8 partitions over 3 then 4 members: the 3 owners (3, 3, 2) hand 2 partitions to the newcomer.
    expect(revoked).toHaveLength(2);
    const gens = rows(h, Op.GroupStable).map((r) => r.offset);
    expect(gens).toEqual([2, 3]);
    for (const r of revoked) {
      const next = rows(h, Op.PartitionAssigned, "g-3").find((a) => a.partition === r.partition)!;
      expect(next.offset).toBe(r.offset + 1);
    }
  });
});

describe("offset commits", () => {
  it("commits the next offset to read: lastProcessed + 1, after processing (sync)", () => {
    const h = run(base(""));
    const processed = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.ProcessEnd) processed.set(h.opPartition[i], Math.max(processed.get(h.opPartition[i]) ?? -1, h.opOffset[i]));
      if (h.opKind[i] === Op.Commit) expect(h.opOffset[i]).toBe(processed.get(h.opPartition[i])! + 1);
    }
  });

  it("auto-commit commits inside poll once auto.commit.interval has elapsed", () => {
    const h = run(base("commit: { mode: auto, interval: 2s }"));
    const byMember = new Map<string, number[]>();
    for (const r of rows(h, Op.Commit)) byMember.set(r.actor, [...(byMember.get(r.actor) ?? []), r.t]);
    for (const times of byMember.values()) {
      const distinct = [...new Set(times)];
      for (let i = 1; i < distinct.length; i++) expect(distinct[i] - distinct[i - 1]).toBeGreaterThanOrEqual(2_000_000);
    }
  });

  it("commit-before-processing loses what a crash interrupts (at-most-once)", () => {
    const h = run(base("commit: { mode: before-processing }\nsessionTimeout: 6s\nprocessing: { time: 20ms }", "faults:\n  - { at: 5s, crash: g-1 }"));
    const processed = new Set(rows(h, Op.ProcessEnd).map((r) => r.msg));
    const acked = rows(h, Op.Ack).map((r) => r.msg);
    expect(acked.some((m) => !processed.has(m))).toBe(true);
  });

  it("auto.offset.reset latest starts at the high watermark, none stops the consumer", () => {
    const late = run(base("autoOffsetReset: latest\nstartsStable: false").replace("members: 3", "members: 1"));
    const reset = rows(late, Op.OffsetReset);
    expect(reset.length).toBe(6);
    expect(reset.some((r) => r.offset > 0)).toBe(true);
    const none = run(base("autoOffsetReset: none").replace("members: 3", "members: 1"));
    expect(rows(none, Op.OffsetResetFailed).length).toBeGreaterThan(0);
    expect(rows(none, Op.ProcessEnd)).toHaveLength(0);
  });

  it("keeps each group's offsets apart when two groups read one topic", () => {
    const yaml = base("processing: { time: 100us }") + "  - { name: slow, topic: orders, members: 1, processing: { time: 3ms } }\n";
    const h = run(yaml);
    const g = h.actorId("g")!;
    const slow = h.actorId("slow")!;
    let gEnd = 0;
    let slowEnd = 0;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] !== Op.Commit || h.opTimeUs[i] > 10_000_000) continue;
      if (h.opAux[i] === g) gEnd = Math.max(gEnd, h.opOffset[i]);
      if (h.opAux[i] === slow) slowEnd = Math.max(slowEnd, h.opOffset[i]);
    }
    expect(gEnd).toBeGreaterThan(0);
    expect(slowEnd).toBeGreaterThan(0);
  });
});

describe("subscriptions and backpressure", () => {
  it("gives members only partitions of topics they subscribe to", () => {
    const yaml = `name: t
description: A test.
duration: 5s
drain: 5s
topics: [{ name: a, partitions: 2 }, { name: b, partitions: 2 }]
producers: [{ name: p, topic: a, rate: 100/s }, { name: q, topic: b, rate: 100/s }]
consumerGroups:
  - { name: g, topics: [a, b], members: 2, assignor: roundrobin, memberTopics: [[a], [a, b]] }
`;
    const h = run(yaml);
    const a = h.actorId("a")!;
    for (const r of rows(h, Op.PartitionAssigned, "g-0")) expect(-2 - r.msg).toBe(a);
    expect(rows(h, Op.PartitionAssigned, "g-1").length).toBe(3);
  });

  it("does not fetch paused partitions until they are resumed", () => {
    const h = run(base("events: [{ at: 5s, pausePartitions: { partitions: [0, 1], for: 5s } }]"));
    const during = rows(h, Op.Deliver).filter((r) => r.t > 5_100_000 && r.t < 10_000_000);
    expect(during.some((r) => r.partition <= 1)).toBe(false);
    expect(rows(h, Op.Deliver).some((r) => r.t > 10_000_000 && r.partition === 0)).toBe(true);
  });
});
