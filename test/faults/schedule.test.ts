import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { buildWorld, rows } from "../models/cluster-world.ts";

describe("fault schedule", () => {
  it("crashes and restarts a broker by name, recording start/end rows and a shaded window", () => {
    const { sim, history, world, cluster } = buildWorld(`duration: 10s
drain: 1s
cluster: { brokers: 2 }
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 10/s }]
faults: [{ at: 2s, crash: broker-1, for: 3s }]
`);
    sim.run({ untilUs: 3_000_000 });
    expect(cluster.isAlive("broker-1")).toBe(false);
    sim.run({ untilUs: 11_000_000 });
    expect(cluster.isAlive("broker-1")).toBe(true);
    expect(rows(history, Op.FaultStart).map((r) => [r.t, r.actor])).toEqual([[2_000_000, "broker-1"]]);
    expect(rows(history, Op.FaultEnd).map((r) => [r.t, r.actor])).toEqual([[5_000_000, "broker-1"]]);
    expect(world.faultWindows).toEqual([{ label: "crash broker-1", startUs: 2_000_000, endUs: 5_000_000 }]);
  });

  it("tells subscribers about broker crashes and restarts", () => {
    const { sim, cluster } = buildWorld(`duration: 5s
drain: 1s
cluster: { brokers: 2 }
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 1/s }]
faults: [{ at: 1s, crash: broker-0, for: 1s }]
`);
    const seen: string[] = [];
    cluster.onBrokerEvent((e) => seen.push(`${e.kind} ${e.broker} ${e.atUs}`));
    sim.run({ untilUs: 6_000_000 });
    expect(seen).toEqual(["crash broker-0 1000000", "restart broker-0 2000000"]);
  });

  it("random injectors are seeded: the same seed gives the same faults, and every fault lasts at least minDuration", () => {
    const yaml = `duration: 60s
drain: 1s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 3, replicationFactor: 3 }]
producers: [{ name: p, topic: t, rate: 10/s }]
faults: [{ random: crash, targets: [broker-0, broker-1, broker-2], rate: 6/min, minDuration: 2s, maxDuration: 4s }]
`;
    const a = buildWorld(yaml, 7);
    a.sim.run({ untilUs: 61_000_000 });
    const b = buildWorld(yaml, 7);
    b.sim.run({ untilUs: 61_000_000 });
    expect(a.world.faultWindows).toEqual(b.world.faultWindows);
    expect(a.world.faultWindows.length).toBeGreaterThan(0);
    for (const w of a.world.faultWindows) expect(w.endUs - w.startUs).toBeGreaterThanOrEqual(2_000_000);
  });

  it("random link injectors add latency spikes, loss and duplication around a random node for a while", () => {
    const yaml = (kind: string, extra: string) => `duration: 60s
drain: 1s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 3, replicationFactor: 3 }]
producers: [{ name: p, topic: t, rate: 10/s }]
faults: [{ random: ${kind}, targets: [broker-0, broker-1], rate: 6/min, minDuration: 2s, maxDuration: 3s, ${extra} }]
`;
    const latency = buildWorld(yaml("latency", "latency: 300ms"), 3);
    latency.sim.run({ untilUs: 61_000_000 });
    expect(latency.world.faultWindows.length).toBeGreaterThan(0);
    for (const w of latency.world.faultWindows) {
      expect(w.label).toMatch(/^latency \+300ms at broker-[01] \(random\)$/);
      expect(w.endUs - w.startUs).toBeGreaterThanOrEqual(2_000_000);
    }
    const loss = buildWorld(yaml("loss", "probability: 0.5"), 3);
    loss.sim.run({ untilUs: 61_000_000 });
    expect(loss.world.faultWindows.map((w) => w.label)).toContain(loss.world.faultWindows[0].label);
    expect(loss.world.faultWindows[0].label).toMatch(/^loss 50% at broker-[01] \(random\)$/);
    const dup = buildWorld(yaml("duplicate", "probability: 10%"), 3);
    dup.sim.run({ untilUs: 61_000_000 });
    expect(dup.world.faultWindows[0].label).toMatch(/^duplication 10% at broker-[01] \(random\)$/);
    expect(rows(dup.history, Op.FaultStart).length).toBe(dup.world.faultWindows.length);
  });

  it("rejects a random latency injector without its latency, naming the field", async () => {
    const { loadScenarioText } = await import("../../src/scenario/load.ts");
    expect(() =>
      loadScenarioText(
        `name: t
description: x
duration: 1s
topics: [{ name: t }]
producers: [{ name: p, topic: t, rate: 1/s }]
faults: [{ random: latency, targets: [broker-0], rate: 1/s }]
`,
        "f.yaml",
      ),
    ).toThrow(/f\.yaml:6:\d+ +faults\[0\]\.latency: missing required key `latency`/);
  });

  it("rejects a fault on a node that does not exist, naming the field", async () => {
    const { loadScenarioText } = await import("../../src/scenario/load.ts");
    expect(() =>
      loadScenarioText(
        `name: t
description: x
duration: 1s
topics: [{ name: t }]
producers: [{ name: p, topic: t, rate: 1/s }]
faults: [{ at: 0s, crash: broker-7 }]
`,
        "f.yaml",
      ),
    ).toThrow(/broker-7/);
  });
});
