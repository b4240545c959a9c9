// The consumer rebalance protocol (KIP-848, semantics.md §3): group epochs, per-member reconciliation with
// revocation before reassignment, rebalance-timeout fencing, member-epoch commit checks, broker-side session and
// heartbeat settings, static members, and the server-side uniform and range assignors. The coordinator is
// driven request by request; the end-to-end rules run small scenarios through the real runner.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Simulation } from "../../src/kernel/sim.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { History, Op } from "../../src/history/history.ts";
import { Network } from "../../src/net/network.ts";
import type { World } from "../../src/runner/world.ts";
import {
  ConsumerProtocolCoordinator,
  type ConsumerHeartbeatResponse,
  type ConsumerProtocolClient,
  type CommitClient,
} from "../../src/models/groups/group-consumer-protocol.ts";
import { GROUP_ERROR_CODES, LeaveReason, type GroupError } from "../../src/models/groups/group-protocol.ts";
import { serverAssign, type ServerAssignorName } from "../../src/models/groups/server-assignors.ts";
import { tpKey, type TopicPartition } from "../../src/models/groups/assignors.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { issuesOf } from "../scenario/issues-of.ts";

const tp = (partition: number, topic = "t"): TopicPartition => ({ topic, partition });
const parts = (l: readonly TopicPartition[]): number[] => l.map((x) => x.partition).sort((a, b) => a - b);

function setup(partitions = 2) {
  const sim = new Simulation();
  const rng = new Rng(1);
  const history = new History();
  const net = new Network(sim, rng.fork("net"), { constant: 100 });
  const scenario = { cluster: { offsetsRetention: 604_800_000_000, offsetsRetentionCheckInterval: 600_000_000 } };
  const world = { sim, rng, history, net, scenario, endUs: 3_600_000_000 } as unknown as World;
  const cluster = { brokers: [{ id: 0, name: "broker-0" }], isAlive: () => true };
  const hooks = { rebalanceStarted: () => {}, stable: () => {}, committed: () => {}, memberRemoved: () => {} };
  const settings = { assignor: "uniform" as const, heartbeatIntervalUs: 5_000_000, sessionTimeoutUs: 45_000_000 };
  const c = new ConsumerProtocolCoordinator(world, "g", settings, new Map([["t", partitions]]), cluster, hooks);
  const step = (us = 1_000): void => void sim.run({ untilUs: sim.nowUs + us });

  function member(id: string, opts: { instanceId?: string; rebalanceTimeoutUs?: number } = {}) {
    const replies: ConsumerHeartbeatResponse[] = [];
    const commits: GroupError[] = [];
    const client: ConsumerProtocolClient & CommitClient = {
      name: id,
      actorId: history.actor(id, "consumer"),
      onConsumerHeartbeatResponse: (r) => replies.push(r),
      onCommitResponse: (r) => commits.push(r.error),
    };
    let epoch = 0;
    let topics = ["t"];
    const heartbeat = (owned: TopicPartition[], memberEpoch = epoch): ConsumerHeartbeatResponse => {
      c.handleHeartbeat({ client, memberId: id, instanceId: opts.instanceId, memberEpoch, topics, owned, rebalanceTimeoutUs: opts.rebalanceTimeoutUs ?? 300_000_000 });
      step();
      const r = replies[replies.length - 1];
      if (r.error === "NONE" && r.memberEpoch >= 0) epoch = r.memberEpoch;
      return r;
    };
    const commit = (generation: number): GroupError => {
      c.handleCommit({ client, memberId: id, generation, offsets: [{ tp: tp(0), offset: 1 }], sync: true });
      step();
      return commits[commits.length - 1];
    };
    return {
      heartbeat,
      commit,
      subscribe: (t: string[]) => void (topics = t),
      get epoch() {
        return epoch;
      },
    };
  }
  return { sim, history, c, member, step };
}

function rows(h: History, kind: Op): { t: number; actor: string; partition: number; offset: number }[] {
  const out = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === kind) out.push({ t: h.opTimeUs[i], actor: h.actorNames[h.opActor[i]], partition: h.opPartition[i], offset: h.opOffset[i] });
  }
  return out;
}

describe("group epoch", () => {
  it("is bumped by a join, a subscription change and a leave, each recorded where a rebalance starts", () => {
    const { c, member, history } = setup();
    const a = member("a");
    expect(a.heartbeat([]).heartbeatIntervalUs).toBe(5_000_000);
    expect(c.groupEpoch).toBe(1);
    const b = member("b");
    b.heartbeat([]);
    expect(c.groupEpoch).toBe(2);
    a.subscribe(["t", "u"]);
    a.heartbeat([]);
    expect(c.groupEpoch).toBe(3);
    b.heartbeat([], -1);
    expect(c.groupEpoch).toBe(4);
    expect(rows(history, Op.RebalanceStart).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    // A plain heartbeat changes nothing.
    a.heartbeat([tp(0), tp(1)]);
    expect(c.groupEpoch).toBe(4);
  });
});

describe("reconciliation", () => {
  it("gives a partition to its new owner only after the old owner confirmed revoking it", () => {
    const { c, member } = setup();
    const a = member("a");
    expect(parts(a.heartbeat([]).assignment)).toEqual([0, 1]);
    a.heartbeat([tp(0), tp(1)]);
    const b = member("b");
    expect(b.heartbeat([]).assignment).toEqual([]);
    expect(c.targetOf("b")).toHaveLength(1);
    const moving = c.targetOf("b")[0];
    const staying = c.targetOf("a")[0];
    // a is told to keep only its target, at its old epoch; b still gets nothing while a holds the partition.
    const toA = a.heartbeat([tp(0), tp(1)]);
    expect(toA.assignment).toEqual([staying]);
    expect(toA.memberEpoch).toBe(1);
    expect(b.heartbeat([]).assignment).toEqual([]);
    expect(c.ownerOf(moving)).toBe("a");
    // a confirms (its heartbeat no longer lists the partition): it moves to epoch 2, and b's next heartbeat gets it.
    expect(a.heartbeat([staying]).memberEpoch).toBe(2);
    expect(c.ownerOf(moving)).toBeUndefined();
    expect(b.heartbeat([]).assignment).toEqual([moving]);
    expect(c.ownerOf(moving)).toBe("b");
  });

  it("fences a member that does not revoke within its rebalance timeout, and frees its partitions", () => {
    const { c, member, history, step } = setup();
    const a = member("a", { rebalanceTimeoutUs: 10_000_000 });
    a.heartbeat([]);
    a.heartbeat([tp(0), tp(1)]);
    const b = member("b");
    b.heartbeat([]);
    // a keeps heartbeating (its session stays alive) but never lets go.
    for (let k = 0; k < 3; k++) {
      a.heartbeat([tp(0), tp(1)]);
      step(4_000_000);
    }
    const left = rows(history, Op.MemberLeft);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ actor: "a", partition: LeaveReason.RevocationTimeout });
    expect(left[0].t).toBeGreaterThanOrEqual(10_000_000);
    expect(a.heartbeat([tp(0), tp(1)]).error).toBe("UNKNOWN_MEMBER_ID");
    expect(parts(b.heartbeat([]).assignment)).toEqual([0, 1]);
  });
});

describe("offset commits carry the member epoch", () => {
  it("refuses a stale member epoch, a future one, and an unknown member", () => {
    const { member, history } = setup();
    const a = member("a");
    a.heartbeat([]);
    a.heartbeat([tp(0), tp(1)]);
    member("b").heartbeat([]);
    a.heartbeat([tp(0), tp(1)]);
    a.heartbeat([tp(0)]);
    expect(a.epoch).toBe(2);
    expect(a.commit(2)).toBe("NONE");
    expect(a.commit(1)).toBe("STALE_MEMBER_EPOCH");
    expect(a.commit(3)).toBe("FENCED_MEMBER_EPOCH");
    expect(member("ghost").commit(1)).toBe("UNKNOWN_MEMBER_ID");
    const codes = rows(history, Op.CommitRejected).map((r) => r.partition);
    expect(codes).toEqual([GROUP_ERROR_CODES.STALE_MEMBER_EPOCH, GROUP_ERROR_CODES.FENCED_MEMBER_EPOCH, GROUP_ERROR_CODES.UNKNOWN_MEMBER_ID]);
  });
});

describe("static membership", () => {
  it("keeps a static member's partitions through a leave with epoch -2 and gives them back to the same instance id", () => {
    const { c, member, history } = setup(4);
    const a = member("a", { instanceId: "i-a" });
    const b = member("b", { instanceId: "i-b" });
    a.heartbeat([]);
    a.heartbeat(c.assignmentOf("a"));
    b.heartbeat([]);
    // a releases what moves to b, then b picks it up.
    const keep = a.heartbeat(c.assignmentOf("a")).assignment;
    a.heartbeat(keep);
    b.heartbeat(b.heartbeat([]).assignment);
    const bParts = parts(c.assignmentOf("b"));
    expect(bParts).toHaveLength(2);
    const epoch = c.groupEpoch;
    b.heartbeat([], -2);
    expect(c.groupEpoch).toBe(epoch);
    expect(rows(history, Op.MemberLeft).map((r) => r.partition)).toEqual([LeaveReason.StaticLeave]);
    for (const p of bParts) expect(c.ownerOf(tp(p))).toBe("b");
    // While b's old process still holds the id, a second process may not take it...
    const early = member("a2", { instanceId: "i-a" });
    expect(early.heartbeat([]).error).toBe("UNRELEASED_INSTANCE_ID");
    // ...but a new process for the released id gets the same partitions back, with no new epoch.
    const b2 = member("b2", { instanceId: "i-b" });
    const r = b2.heartbeat([]);
    expect(r.error).toBe("NONE");
    expect(parts(r.assignment)).toEqual(bParts);
    expect(c.groupEpoch).toBe(epoch);
    expect(c.members.has("b")).toBe(false);
  });

  it("removes a static member that does not come back within the session timeout", () => {
    const { c, member, step } = setup(4);
    const a = member("a", { instanceId: "i-a" });
    const b = member("b", { instanceId: "i-b" });
    a.heartbeat([]);
    b.heartbeat([]);
    b.heartbeat([], -2);
    const epoch = c.groupEpoch;
    for (let k = 0; k < 10; k++) {
      a.heartbeat(c.assignmentOf("a"));
      step(5_000_000);
    }
    expect(c.members.has("b")).toBe(false);
    expect(c.groupEpoch).toBe(epoch + 1);
  });
});

// ---------- end to end, through the runner ----------

const scenario = (group: string, faults = "", duration = "30s", drain = "10s") => `name: t
description: A test.
duration: ${duration}
drain: ${drain}
topics: [{ name: orders, partitions: 6 }]
producers: [{ name: p, topic: orders, rate: 100/s, keys: { count: 50 } }]
consumerGroups:
${group}
${faults}`;

function run(yaml: string, seed = 1): History {
  return runScenario(loadScenarioText(yaml, "test.yaml"), { seed, file: "test.yaml" }).history;
}

const scaleOut = scenario(`  - { name: g, topic: orders, members: 2, protocol: consumer, processing: { time: 1ms }, events: [{ at: 6s, scale: 3 }] }`, "", "16s", "4s");
let scaleOutRun: History | undefined;
const scaleOutHistory = (): History => (scaleOutRun ??= run(scaleOut));

describe("reconciliation, end to end", () => {
  it("never lets two members own a partition at once", () => {
    const h = scaleOutHistory();
    const owners = new Map<number, string[]>();
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k !== Op.PartitionAssigned && k !== Op.PartitionRevoked && k !== Op.PartitionLost) continue;
      const p = h.opPartition[i];
      const who = h.actorNames[h.opActor[i]];
      const list = owners.get(p) ?? [];
      if (k === Op.PartitionAssigned) {
        expect(list, `partition ${p} given to ${who} at ${h.opTimeUs[i]} while ${list.join(",")} owns it`).toEqual([]);
        owners.set(p, [who]);
      } else owners.set(p, list.filter((x) => x !== who));
    }
    expect(rows(h, Op.PartitionAssigned).some((r) => r.actor === "g-2")).toBe(true);
  });

  it("keeps consuming the partitions that do not move while the group reconciles", () => {
    const h = scaleOutHistory();
    const start = rows(h, Op.RebalanceStart).find((r) => r.t >= 6_000_000)!;
    const stable = rows(h, Op.GroupStable).find((r) => r.t > start.t)!;
    const moved = new Set(rows(h, Op.PartitionRevoked).map((r) => r.partition));
    expect(moved.size).toBeGreaterThan(0);
    expect(moved.size).toBeLessThan(6);
    const delivered = new Set(rows(h, Op.Deliver).filter((r) => r.t > start.t && r.t < stable.t).map((r) => r.partition));
    for (let p = 0; p < 6; p++) if (!moved.has(p)) expect(delivered.has(p), `partition ${p} paused`).toBe(true);
    // A classic eager group, by contrast, revokes every partition.
    const eager = run(scaleOut.replace("protocol: consumer", "assignor: sticky"));
    expect(new Set(rows(eager, Op.PartitionRevoked).map((r) => r.partition)).size).toBe(6);
  });

  it("uses the broker's session timeout and ignores the client's session and heartbeat settings", () => {
    const group = (protocol: string) =>
      `  - { name: g, topic: orders, members: 2, ${protocol}sessionTimeout: 8s, heartbeatInterval: 1s, processing: { time: 1ms } }`;
    const crash = "faults:\n  - { at: 5s, crash: g-1 }";
    const removedAt = (h: History) => rows(h, Op.MemberLeft).find((r) => r.actor === "g-1")!.t;
    // Classic: the client's 8 s session; consumer protocol: the broker's 45 s, heartbeats every 5 s.
    expect(removedAt(run(scenario(group(""), crash, "20s", "40s")))).toBeLessThan(14_000_000);
    const t = removedAt(run(scenario(group("protocol: consumer, "), crash, "20s", "40s")));
    expect(t).toBeGreaterThan(5_000_000 + 45_000_000 - 5_000_000);
    expect(t).toBeLessThanOrEqual(5_000_000 + 45_000_000 + 1_000);
    const shorter = run(scenario(group("protocol: consumer, consumerSessionTimeout: 20s, "), crash, "20s", "20s"));
    expect(removedAt(shorter)).toBeLessThan(26_000_000);
  });

  it("heartbeats at the broker's interval: a member that joins takes moved partitions one interval later", () => {
    const group = `  - { name: g, topic: orders, members: 2, protocol: consumer, heartbeatInterval: 1s, consumerHeartbeatInterval: 8s, processing: { time: 1ms }, events: [{ at: 4s, scale: 3 }] }`;
    const h = run(scenario(group, "", "16s", "4s"));
    const joined = rows(h, Op.MemberJoined).find((r) => r.actor === "g-2")!.t;
    const first = rows(h, Op.PartitionAssigned).find((r) => r.actor === "g-2")!.t;
    expect(first - joined).toBeGreaterThanOrEqual(8_000_000);
    expect(first - joined).toBeLessThan(8_100_000);
  });
});

describe("scenario settings", () => {
  const doc = (group: string) => `name: t
description: A test.
duration: 10s
topics: [{ name: orders, partitions: 3 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups:
  - ${group}
`;
  const issues = (group: string): string => issuesOf(doc(group));

  it("defaults to the classic protocol, the uniform server assignor, and the broker's 5 s / 45 s", () => {
    const g = loadScenarioText(doc("{ name: g, topic: orders }"), "t.yaml").consumerGroups[0];
    expect(g).toMatchObject({ protocol: "classic", serverAssignor: "uniform", consumerHeartbeatInterval: 5_000_000, consumerSessionTimeout: 45_000_000 });
  });

  it("rejects a client-side assignor under the consumer protocol, and a server assignor under classic, with their location", () => {
    expect(issues("{ name: g, topic: orders, protocol: consumer, assignor: cooperative-sticky }")).toMatch(/^7:61 consumerGroups\[0\]\.assignor: .*classic-protocol setting/);
    expect(issues("{ name: g, topic: orders, serverAssignor: range }")).toMatch(/consumerGroups\[0\]\.serverAssignor: serverAssignor applies only to protocol: consumer/);
    expect(issues("{ name: g, topic: orders, protocol: consumer, serverAssignor: range }")).toBe("");
  });
});

// ---------- server-side assignors ----------

const assignorArb = fc.record({
  counts: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
  members: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 8 }),
  leave: fc.integer({ min: 0, max: 7 }),
  join: fc.boolean(),
});
const PARAMS = { seed: 848, numRuns: 300 };

function world(s: { counts: number[]; members: string[] }) {
  const ppt = new Map(s.counts.map((n, i) => [`t${i}`, n]));
  const topics = [...ppt.keys()];
  return { ppt, topics, members: s.members.map((memberId) => ({ memberId, topics })) };
}

function checkComplete(a: Map<string, TopicPartition[]>, ppt: Map<string, number>): void {
  const seen = new Set<string>();
  for (const list of a.values()) for (const x of list) expect(seen.has(tpKey(x))).toBe(false), seen.add(tpKey(x));
  expect(seen.size).toBe([...ppt.values()].reduce((s, n) => s + n, 0));
}

/** Each member keeps at least min(what it had, the smallest share it may get) of its previous partitions. */
function kept(prev: readonly TopicPartition[], next: readonly TopicPartition[]): number {
  const n = new Set(next.map(tpKey));
  return prev.filter((x) => n.has(tpKey(x))).length;
}

function membershipChange(s: { members: string[]; leave: number; join: boolean }) {
  const after = s.members.filter((_, i) => i !== s.leave % s.members.length || s.members.length === 1);
  if (s.join) after.push("zz-new");
  return after;
}

describe.each(["uniform", "range"] as ServerAssignorName[])("server assignor %s (fast-check, pinned seed)", (name) => {
  const perTopic = name === "range";
  it("assigns every partition exactly once, balanced", () => {
    fc.assert(
      fc.property(assignorArb, (s) => {
        const { ppt, members } = world(s);
        const a = serverAssign(name, members, ppt, new Map());
        checkComplete(a, ppt);
        const groups = perTopic ? [...ppt.keys()].map((t) => (l: TopicPartition[]) => l.filter((x) => x.topic === t).length) : [(l: TopicPartition[]) => l.length];
        for (const count of groups) {
          const sizes = [...a.values()].map(count);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }),
      PARAMS,
    );
  });

  it("is sticky when members join or leave: each keeps its previous partitions up to its new share", () => {
    fc.assert(
      fc.property(assignorArb, (s) => {
        const { ppt, topics, members } = world(s);
        const before = serverAssign(name, members, ppt, new Map());
        const after = membershipChange(s).map((memberId) => ({ memberId, topics }));
        const next = serverAssign(name, after, ppt, before);
        checkComplete(next, ppt);
        for (const m of after) {
          const prev = before.get(m.memberId) ?? [];
          if (perTopic) {
            for (const [t, n] of ppt) {
              const share = Math.floor(n / after.length);
              const p = prev.filter((x) => x.topic === t);
              expect(kept(p, next.get(m.memberId)!.filter((x) => x.topic === t))).toBeGreaterThanOrEqual(Math.min(p.length, share));
            }
          } else {
            const share = Math.floor([...ppt.values()].reduce((x, y) => x + y, 0) / after.length);
            expect(kept(prev, next.get(m.memberId)!)).toBeGreaterThanOrEqual(Math.min(prev.length, share));
          }
        }
        // Same members, same topics: nothing moves.
        expect(serverAssign(name, after.map((m) => ({ ...m })), ppt, next)).toEqual(next);
      }),
      PARAMS,
    );
  });
});

describe("server range assignor", () => {
  it("keeps co-partitioned topics' partition numbers together, also after a member joins", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 6 }), (n, ids) => {
        const ppt = new Map([
          ["a", n],
          ["b", n],
        ]);
        const members = ids.map((memberId) => ({ memberId, topics: ["a", "b"] }));
        const first = serverAssign("range", members, ppt, new Map());
        const second = serverAssign("range", [...members, { memberId: "zz", topics: ["a", "b"] }], ppt, first);
        for (const a of [first, second]) {
          for (const list of a.values()) {
            expect(list.filter((x) => x.topic === "a").map((x) => x.partition)).toEqual(list.filter((x) => x.topic === "b").map((x) => x.partition));
          }
        }
      }),
      PARAMS,
    );
  });
});

describe("max.poll.interval under the consumer protocol", () => {
  it("makes a member that stops polling leave (epoch -1), then rejoin with epoch 0 once it polls again", () => {
    const group = `  - { name: g, topic: orders, members: 2, protocol: consumer, maxPollInterval: 4s, processing: { time: 1ms }, events: [{ at: 3s, slowdown: { factor: 10000, for: 2s } }] }`;
    const h = run(scenario(group, "", "20s", "10s"));
    const left = rows(h, Op.MemberLeft);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((r) => r.partition === LeaveReason.PollTimeout)).toBe(true);
    for (const l of left) {
      // Back in the group, and consuming again, after it left.
      expect(rows(h, Op.MemberJoined).some((r) => r.actor === l.actor && r.t > l.t)).toBe(true);
      expect(rows(h, Op.PartitionAssigned).some((r) => r.actor === l.actor && r.t > l.t)).toBe(true);
    }
    expect(rows(h, Op.MemberLeft).filter((r) => r.partition !== LeaveReason.PollTimeout)).toEqual([]);
  });
});
