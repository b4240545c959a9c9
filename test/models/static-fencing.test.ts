// A second live process with the same group.instance.id fences the first (semantics.md §3, static membership):
// the coordinator re-binds the instance id to the newcomer's member id, and every later request from the old
// member id is answered FENCED_INSTANCE_ID.
import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/kernel/sim.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { History } from "../../src/history/history.ts";
import { Network } from "../../src/net/network.ts";
import { GroupCoordinator, type GroupClient, type GroupError, type JoinRequest } from "../../src/models/groups/group-coordinator.ts";
import type { World } from "../../src/runner/world.ts";

function client(name: string, history: History) {
  const seen: { joins: { error: GroupError; memberId: string }[]; heartbeats: GroupError[]; commits: GroupError[] } = {
    joins: [],
    heartbeats: [],
    commits: [],
  };
  const c: GroupClient = {
    name,
    actorId: history.actor(name, "consumer"),
    onJoinResponse: (r) => seen.joins.push({ error: r.error, memberId: r.memberId }),
    onSyncResponse: () => {},
    onHeartbeatResponse: (r) => seen.heartbeats.push(r.error),
    onCommitResponse: (r) => seen.commits.push(r.error),
  };
  return { c, seen };
}

function setup() {
  const sim = new Simulation();
  const rng = new Rng(1);
  const history = new History();
  const net = new Network(sim, rng.fork("net"), { constant: 100 });
  const world = { sim, rng, history, net } as unknown as World;
  const cluster = { brokers: [{ id: 0, name: "broker-0" }], isAlive: () => true };
  const hooks = { rebalanceStarted: () => {}, stable: () => {}, committed: () => {}, memberRemoved: () => {} };
  const coordinator = new GroupCoordinator(world, "g", "range", new Map([["t", 2]]), 0, cluster, rng.fork("g"), hooks);
  const join = (c: GroupClient, instanceId: string): JoinRequest => ({
    client: c,
    memberId: "",
    instanceId,
    topics: ["t"],
    owned: [],
    ownedGeneration: -1,
    rebalanceTimeoutUs: 300_000_000,
    sessionTimeoutUs: 45_000_000,
  });
  return { sim, history, coordinator, join };
}

describe("static membership fencing", () => {
  it("fences the old member id when a second process joins with the same group.instance.id", () => {
    const { sim, history, coordinator, join } = setup();
    const first = client("g-0", history);
    const ids = coordinator.bootstrap([join(first.c, "instance-a")]);
    const oldId = ids.get("g-0")!;
    expect(coordinator.members.has(oldId)).toBe(true);

    const second = client("g-0-new", history);
    coordinator.handleJoin(join(second.c, "instance-a"));
    sim.run();
    expect(second.seen.joins[0].error).toBe("NONE");
    expect(second.seen.joins[0].memberId).not.toBe(oldId);
    expect(coordinator.members.has(oldId)).toBe(false);

    // The zombie keeps heartbeating and committing under its old member id: both are refused as fenced.
    coordinator.handleHeartbeat({ client: first.c, memberId: oldId, generation: coordinator.generation });
    coordinator.handleCommit({ client: first.c, memberId: oldId, generation: coordinator.generation, offsets: [], sync: true });
    sim.run();
    expect(first.seen.heartbeats).toEqual(["FENCED_INSTANCE_ID"]);
    expect(first.seen.commits).toEqual(["FENCED_INSTANCE_ID"]);
  });

  it("answers an unknown dynamic member id with UNKNOWN_MEMBER_ID, not fenced", () => {
    const { sim, history, coordinator } = setup();
    const stranger = client("x", history);
    coordinator.handleHeartbeat({ client: stranger.c, memberId: "x-123", generation: 1 });
    sim.run();
    expect(stranger.seen.heartbeats).toEqual(["UNKNOWN_MEMBER_ID"]);
  });
});
