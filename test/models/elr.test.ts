// Eligible leader replicas (KIP-966, Kafka 4.x; the cluster setting eligibleLeaderReplicas, off by default as
// in Kafka 4.0): who enters and leaves the ELR, election from it, and the high watermark held below min ISR.
import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { Partition } from "../../src/models/kafka/partition.ts";
import { Replica } from "../../src/models/kafka/replica.ts";
import { buildWorld, rows } from "./cluster-world.ts";

const TOPIC = `topics: [{ name: t, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 }]`;

function cluster(elr: boolean, extra = ""): string {
  return `cluster: { brokers: 3, eligibleLeaderReplicas: ${elr}, brokerHeartbeatInterval: 250ms, brokerSessionTimeout: 1s${extra} }\n${TOPIC}\n`;
}

/** A light acks=1 producer (acks=all would be refused below min ISR). */
const PRODUCER = `producers: [{ name: p, topic: t, rate: 20/s, acks: 1 }]\n`;

describe("entering the ELR", () => {
  const yaml = (elr: boolean) => `duration: 5s
drain: 1s
${cluster(elr)}${PRODUCER}faults: [{ at: 1s, crash: broker-2 }, { at: 2s, crash: broker-1 }]
`;

  it("takes the replicas that leave the ISR while it is below min.insync.replicas, not those that left it at min ISR or above", () => {
    const { sim, cluster: c } = buildWorld(yaml(true));
    sim.run({ untilUs: 4_000_000 });
    const p = c.topics.get("t")!.logs[0];
    expect(p.isr).toEqual([0]);
    expect(p.elr).toEqual([1]);
  });

  it("stays empty with the feature off (Kafka 4.0's default), where the ISR simply shrinks", () => {
    const { sim, cluster: c, scenario } = buildWorld(yaml(false));
    expect(buildWorld(`duration: 1s\ntopics: [{ name: t }]\n${PRODUCER}`).scenario.cluster.eligibleLeaderReplicas).toBe(false);
    expect(scenario.cluster.eligibleLeaderReplicas).toBe(false);
    sim.run({ untilUs: 4_000_000 });
    const p = c.topics.get("t")!.logs[0];
    expect(p.isr).toEqual([0]);
    expect(p.elr).toEqual([]);
  });
});

describe("electing from the ELR", () => {
  // The leader is cut off from its followers (not from the controller): it shrinks the ISR to itself, the
  // followers become eligible, acks=1 writes go on at the leader. Then the leader's broker dies.
  const yaml = (elr: boolean) => `duration: 14s
drain: 1s
${cluster(elr, ", replicaLagTimeMax: 2s")}producers: [{ name: p, topic: t, rate: 100/s, acks: 1 }]
faults: [{ at: 2s, partition: { groups: [[broker-0], [broker-1, broker-2]] } }, { at: 8s, crash: broker-0 }]
`;

  it("elects a live ELR member cleanly once the ISR is empty; it holds every committed record, and the ELR empties once the ISR is back at min ISR", () => {
    const { sim, cluster: c, history } = buildWorld(yaml(true));
    const p = c.topics.get("t")!.logs[0];
    sim.run({ untilUs: 7_990_000 });
    expect(p.isr).toEqual([0]);
    expect(p.elr).toEqual([1, 2]);
    const old = c.replicaOf(0, p).log;
    const committed = Array.from({ length: old.highWatermark }, (_, o) => old.msgAt(o));
    expect(committed.length).toBeGreaterThan(100);
    // The acks=1 writes of the last ~4 s sit above a high watermark that stopped when the ISR fell below min ISR.
    expect(old.logEndOffset - old.highWatermark).toBeGreaterThan(300);
    sim.run({ untilUs: 14_000_000 });
    expect(p.leader).toBe(1);
    // Broker 2 caught up with the new leader and rejoined: the ISR is at min ISR again, the ELR is empty.
    expect(p.isr).toEqual([1, 2]);
    expect(p.elr).toEqual([]);
    expect(rows(history, Op.UncleanLeaderElection)).toEqual([]);
    expect(rows(history, Op.LeaderElection).map((r) => r.actor)).toContain("broker-1");
    const next = c.replicaOf(1, p).log;
    expect(committed.map((_, o) => next.msgAt(o))).toEqual(committed);
  });

  it("without ELR keeps the dead leader as the last ISR member, so the partition goes offline", () => {
    const { sim, cluster: c, history } = buildWorld(yaml(false));
    sim.run({ untilUs: 14_000_000 });
    const p = c.topics.get("t")!.logs[0];
    expect(p.leader).toBe(-1);
    expect(p.isr).toEqual([0]);
    expect(rows(history, Op.PartitionOffline)).toHaveLength(1);
  });
});

describe("leaving the ELR", () => {
  // Broker 2 dies; broker 1 is either fenced by a cut to the controller (its process lives on) or crashes
  // (an unclean shutdown); then the leader's broker dies and broker 1 comes back.
  const yaml = (broker1: string) => `duration: 12s
drain: 1s
${cluster(true)}${PRODUCER}faults: [{ at: 1s, crash: broker-2 }, ${broker1}, { at: 4s, crash: broker-0 }]
`;

  it("keeps a replica that was only fenced: on its return it is elected from the ELR", () => {
    const { sim, cluster: c } = buildWorld(yaml(`{ at: 2s, partition: { groups: [[broker-1], [controller]] }, for: 4s }`));
    const p = c.topics.get("t")!.logs[0];
    sim.run({ untilUs: 5_500_000 });
    expect([p.leader, p.isr, p.elr]).toEqual([-1, [], [0, 1]]);
    sim.run({ untilUs: 8_000_000 });
    expect([p.leader, p.isr]).toEqual([1, [1]]);
  });

  it("drops a replica back from an unclean shutdown: it is not elected, even with the ELR's other member down", () => {
    const { sim, cluster: c } = buildWorld(yaml(`{ at: 2s, crash: broker-1, for: 4s }`));
    const p = c.topics.get("t")!.logs[0];
    sim.run({ untilUs: 5_500_000 });
    expect([p.leader, p.isr, p.elr]).toEqual([-1, [], [0, 1]]);
    sim.run({ untilUs: 8_000_000 });
    expect([p.leader, p.isr, p.elr]).toEqual([-1, [], [0]]);
  });

  it("empties once the ISR is back at min.insync.replicas", () => {
    const { sim, cluster: c } = buildWorld(`duration: 8s
drain: 1s
${cluster(true)}${PRODUCER}faults: [{ at: 1s, crash: broker-2 }, { at: 2s, partition: { groups: [[broker-1], [controller]] }, for: 2s }]
`);
    const p = c.topics.get("t")!.logs[0];
    sim.run({ untilUs: 3_500_000 });
    expect(p.elr).toEqual([1]);
    sim.run({ untilUs: 8_000_000 });
    expect(p.isr).toEqual([0, 1]);
    expect(p.elr).toEqual([]);
  });
});

describe("the high watermark with ELR", () => {
  function leaderAlone(elr: boolean) {
    const p = new Partition("t", 0, 0, [0, 1, 2], 2, false, []);
    p.eligibleLeaderReplicas = elr;
    const r = new Replica(0, p);
    p.log = r.log;
    r.applyState(0, 0, [0], 1, 0);
    return r;
  }

  it("does not advance while the ISR is below min.insync.replicas, and advances once it is back", () => {
    const r = leaderAlone(true);
    r.appendAsLeader([1, 2], -1, -1);
    expect(r.log.highWatermark).toBe(0);
    r.onFollowerFetch(1, 2, 1);
    r.applyState(0, 0, [0, 1], 2, 1);
    expect(r.log.highWatermark).toBe(2);
  });

  it("advances with the leader alone when ELR is off (the old rule: min LEO over the ISR)", () => {
    const r = leaderAlone(false);
    r.appendAsLeader([1, 2], -1, -1);
    expect(r.log.highWatermark).toBe(2);
  });
});
