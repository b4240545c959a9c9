import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { Partition } from "../../src/models/kafka/partition.ts";
import { Replica } from "../../src/models/kafka/replica.ts";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";
import { buildWorld, rows } from "./cluster-world.ts";

function leaderWithFollowers() {
  const p = new Partition("t", 0, 0, [0, 1, 2], 2, false, []);
  const r = new Replica(0, p);
  p.log = r.log;
  r.applyState(0, 0, [0, 1, 2], 1, 0);
  return { p, r };
}

describe("high watermark", () => {
  it("is the smallest log end offset among ISR members, as the leader sees them", () => {
    const { r } = leaderWithFollowers();
    r.appendAsLeader([10, 11, 12, 13], -1, -1);
    expect(r.log.highWatermark).toBe(0);
    r.onFollowerFetch(1, 4, 1);
    expect(r.log.highWatermark).toBe(0);
    r.onFollowerFetch(2, 3, 1);
    expect(r.log.highWatermark).toBe(3);
  });

  it("advances to the leader's log end at once when the ISR is the leader alone", () => {
    const { r } = leaderWithFollowers();
    r.applyState(0, 0, [0], 2, 0);
    r.appendAsLeader([1, 2], -1, -1);
    expect(r.log.highWatermark).toBe(2);
  });

  it("keeps records at and above the high watermark out of consumers' reach", () => {
    const { p, r } = leaderWithFollowers();
    r.appendAsLeader([7, 8], -1, -1);
    r.onFollowerFetch(1, 1, 1);
    r.onFollowerFetch(2, 1, 1);
    expect(p.read(0)).toBe(7);
    expect(p.read(1)).toBe(-1);
  });
});

describe("acks=all and min.insync.replicas", () => {
  it("answers acks=all once the high watermark passes the batch, with no error when the ISR is large enough", () => {
    const { r } = leaderWithFollowers();
    const base = r.appendAsLeader([1, 2], -1, -1);
    const done: (string | undefined)[] = [];
    r.park({ requiredOffset: base + 2, baseOffset: base, deadlineUs: 1e9, complete: (e) => done.push(e ?? "ok") });
    r.onFollowerFetch(1, 2, 1);
    expect(done).toEqual([]);
    r.onFollowerFetch(2, 2, 1);
    expect(done).toEqual(["ok"]);
  });

  it("answers NotEnoughReplicasAfterAppend when the ISR shrank below min.insync.replicas after the append (the record stays)", () => {
    const { r } = leaderWithFollowers();
    const base = r.appendAsLeader([1], -1, -1);
    const done: (string | undefined)[] = [];
    r.park({ requiredOffset: base + 1, baseOffset: base, deadlineUs: 1e9, complete: (e) => done.push(e) });
    r.applyState(0, 0, [0], 2, 5);
    expect(done).toEqual(["NOT_ENOUGH_REPLICAS_AFTER_APPEND"]);
    expect(r.log.logEndOffset).toBe(1);
  });

  it("rejects acks=all with NotEnoughReplicas, appending nothing, when the ISR is already too small", () => {
    // Both followers die at once; once the controller fences them the ISR is the leader alone. Sends start after that.
    const { sim, history } = buildWorld(`duration: 11s
drain: 1s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 }]
producers: [{ name: p, topic: t, rate: 0/s, schedule: [{ at: 10s, rate: 100/s }], maxMessages: 1, requestTimeout: 1s, deliveryTimeout: 1500ms }]
faults: [{ at: 0s, crash: broker-1 }, { at: 0s, crash: broker-2 }]
`);
    sim.run({ untilUs: 12_000_000 });
    expect(rows(history, Op.ProduceError).map((r) => r.aux)).toContain(2);
    expect(rows(history, Op.Append)).toEqual([]);
  });
});

describe("ISR membership", () => {
  it("drops a follower that stops fetching after replica.lag.time.max and re-adds it once caught up", () => {
    const { sim, history, world } = buildWorld(`duration: 30s
drain: 1s
cluster: { brokers: 3, replicaLagTimeMax: 2s, brokerSessionTimeout: 60s }
topics: [{ name: t, partitions: 1, replicationFactor: 3 }]
producers: [{ name: p, topic: t, rate: 200/s }]
faults:
  - { at: 1s, pause: broker-2, for: 5s }
`);
    sim.run({ untilUs: 31_000_000 });
    const shrink = rows(history, Op.IsrShrink);
    const expand = rows(history, Op.IsrExpand);
    expect(shrink[0]).toMatchObject({ actor: "broker-2", offset: 2 });
    expect(shrink[0].t).toBeGreaterThanOrEqual(3_000_000);
    expect(expand[0]).toMatchObject({ actor: "broker-2", offset: 3 });
    expect(expand[0].t).toBeGreaterThan(6_000_000);
    expect(world.faultWindows).toEqual([{ label: "pause broker-2", startUs: 1_000_000, endUs: 6_000_000 }]);
  });
});

describe("leader election", () => {
  const yaml = (extra: string) => `duration: 20s
drain: 10s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 1, replicationFactor: 3${extra} }]
producers: [{ name: p, topic: t, rate: 100/s, requestTimeout: 2s }]
`;

  it("elects the first live ISR replica in assignment order when the leader dies", () => {
    const { sim, history, cluster } = buildWorld(yaml("") + "faults: [{ at: 2s, crash: broker-0 }]\n");
    sim.run({ untilUs: 15_000_000 });
    expect(rows(history, Op.LeaderElection).map((r) => r.actor)).toEqual(["broker-1"]);
    expect(cluster.leaderOf("t", 0)?.name).toBe("broker-1");
  });

  it("keeps the partition offline, with no unclean election by default, when no ISR member is alive", () => {
    const { sim, history, cluster } = buildWorld(
      yaml("") + "faults:\n  - { at: 1s, crash: broker-1, for: 15s }\n  - { at: 1s, crash: broker-2, for: 15s }\n  - { at: 13s, crash: broker-0 }\n",
    );
    sim.run({ untilUs: 25_000_000 });
    expect(rows(history, Op.PartitionOffline)).toHaveLength(1);
    expect(rows(history, Op.UncleanLeaderElection)).toEqual([]);
    expect(cluster.leaderOf("t", 0)).toBeUndefined();
  });

  it("with unclean election on, elects an out-of-sync replica whose log wins: the old leader truncates on return", () => {
    const { sim, history, cluster } = buildWorld(
      yaml(", uncleanLeaderElection: true") +
        "faults:\n  - { at: 1s, crash: broker-1, for: 15s }\n  - { at: 1s, crash: broker-2, for: 15s }\n  - { at: 13s, crash: broker-0, for: 10s }\n",
    );
    sim.run({ untilUs: 30_000_000 });
    const unclean = rows(history, Op.UncleanLeaderElection);
    expect(unclean).toHaveLength(1);
    expect(unclean[0].actor).toBe("broker-1");
    const newLeaderEnd = unclean[0].offset;
    const trunc = rows(history, Op.Truncate).filter((r) => r.actor === "broker-0");
    expect(trunc[0].offset).toBe(newLeaderEnd);
    expect(trunc[0].msg).toBeGreaterThan(0);
    const p = cluster.topics.get("t")!.logs[0];
    const old = cluster.replicaOf(0, p).log;
    const leader = cluster.replicaOf(1, p).log;
    expect(old.divergenceFrom(leader)).toBe(Math.min(old.logEndOffset, leader.logEndOffset));
  });
});

describe("partition log divergence", () => {
  it("finds the first offset whose leader epoch differs", () => {
    const a = new PartitionLog("t", 0);
    const b = new PartitionLog("t", 0);
    a.appendBatch([1, 2, 3], 0, -1, -1);
    b.appendBatch([1, 2, 3], 0, -1, -1);
    a.appendBatch([4, 5], 1, -1, -1);
    b.appendBatch([9], 2, -1, -1);
    expect(a.divergenceFrom(b)).toBe(3);
    a.truncateTo(3);
    expect(a.logEndOffset).toBe(3);
    expect(a.isOutOfRange(5)).toBe(true);
    expect(a.read(10)).toBe(-1);
  });
});

describe("crash with unflushed data", () => {
  it("loses the log tail written since the last page-cache flush, and the replica refetches it from the leader", () => {
    const { sim, history, cluster } = buildWorld(`duration: 10s
drain: 5s
cluster: { brokers: 3, flushInterval: 5s }
topics: [{ name: t, partitions: 1, replicationFactor: 3 }]
producers: [{ name: p, topic: t, rate: 200/s }]
faults: [{ at: 7s, crash: broker-2, for: 2s, loseUnflushed: true }]
`);
    sim.run({ untilUs: 15_000_000 });
    const cut = rows(history, Op.Truncate).find((r) => r.actor === "broker-2")!;
    expect(cut.t).toBe(7_000_000);
    expect(cut.msg).toBeGreaterThan(0);
    const p = cluster.topics.get("t")!.logs[0];
    expect(cluster.replicaOf(2, p).log.logEndOffset).toBe(cluster.replicaOf(0, p).log.logEndOffset);
  });
});

describe("leader stability", () => {
  it("keeps the current leader when a follower dies: only the ISR shrinks", () => {
    const { sim, history, cluster } = buildWorld(`duration: 15s
drain: 1s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 1, replicationFactor: 3 }]
producers: [{ name: p, topic: t, rate: 50/s }]
faults: [{ at: 1s, crash: broker-1 }]
`);
    sim.run({ untilUs: 16_000_000 });
    expect(rows(history, Op.LeaderElection)).toEqual([]);
    expect(rows(history, Op.IsrShrink).map((r) => r.actor)).toEqual(["broker-1"]);
    expect(cluster.leaderOf("t", 0)?.name).toBe("broker-0");
  });
});

describe("the consumer view of a partition", () => {
  it("follows the elected leader's log and tells a position past its end apart (OFFSET_OUT_OF_RANGE)", () => {
    const { sim, cluster } = buildWorld(`duration: 20s
drain: 10s
cluster: { brokers: 2 }
topics: [{ name: t, partitions: 1, replicationFactor: 2, uncleanLeaderElection: true }]
producers: [{ name: p, topic: t, rate: 100/s, requestTimeout: 2s }]
faults:
  - { at: 1s, crash: broker-1, for: 12s }
  - { at: 11s, crash: broker-0 }
`);
    const p = cluster.topics.get("t")!.logs[0];
    sim.run({ untilUs: 10_000_000 });
    const before = p.highWatermark;
    expect(before).toBeGreaterThan(0);
    sim.run({ untilUs: 30_000_000 });
    expect(cluster.leaderOf("t", 0)?.name).toBe("broker-1");
    expect(p.log).toBe(cluster.replicaOf(1, p).log);
    expect(p.isOutOfRange(before)).toBe(p.logEndOffset < before);
    expect(p.read(p.highWatermark)).toBe(-1);
  });
});
