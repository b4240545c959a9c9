// Partitions added at run time (kafka-topics --alter --partitions): the cluster creates and leads them at once,
// but clients learn of them only at their next metadata refresh (metadata.max.age.ms); then keys hash over the
// new count and the group leader rebalances so the new partitions get assigned (semantics.md §1, §3).
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";
import { partitionForKey } from "../../src/models/kafka/partitioner.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

const S = 1_000_000;

const scenario = (group: string, extra = "") => `name: t
description: A test.
duration: 30s
drain: 15s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 200/s, keys: { count: 40 }, metadataMaxAge: 8s }]
consumerGroups:
  - { name: g, topic: t, members: 2, metadataMaxAge: 16s${group} }
faults: [{ at: 5s, addPartitions: { topic: t, count: 4 } }]
${extra}`;

function run(yaml: string) {
  return runScenario(loadScenarioText(yaml, "t.yaml"), { seed: 1, file: "t.yaml" });
}

function rowsOf(h: History, kind: Op) {
  const out: { t: number; actor: string; msg: number; partition: number; offset: number }[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === kind) out.push({ t: h.opTimeUs[i], actor: h.actorNames[h.opActor[i]], msg: h.opMsg[i], partition: h.opPartition[i], offset: h.opOffset[i] });
  }
  return out;
}

describe("adding partitions at run time", () => {
  const { history: h, result } = run(scenario(", autoOffsetReset: latest"));

  it("records the growth when it happens", () => {
    expect(rowsOf(h, Op.PartitionsAdded)).toEqual([{ t: 5 * S, actor: "t", msg: -1, partition: 4, offset: 2 }]);
  });

  it("the producer writes to the new partitions only after its metadata refresh (metadata.max.age)", () => {
    const appends = rowsOf(h, Op.Append);
    const first = appends.find((a) => a.partition >= 2)!;
    expect(first.t).toBeGreaterThanOrEqual(8 * S);
    expect(rowsOf(h, Op.MetadataRefresh).find((r) => r.actor === "p")!.t).toBe(8 * S);
  });

  it("after the refresh a key goes to murmur2 % the new count, so some keys move partition", () => {
    const appends = rowsOf(h, Op.Append);
    let moved = 0;
    for (const a of appends) {
      const key = h.keyOf(a.msg);
      const sent = h.msgCreatedUs[a.msg];
      // Records still batched at the refresh keep their partition; the rule holds clearly away from it.
      if (Math.abs(sent - 8 * S) < 0.1 * S) continue;
      expect(a.partition).toBe(partitionForKey(key, sent < 8 * S ? 2 : 4));
      if (sent > 8 * S && partitionForKey(key, 2) !== partitionForKey(key, 4)) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("the group gets the new partitions only after its leader's refresh, through a rebalance", () => {
    const assigned = rowsOf(h, Op.PartitionAssigned).filter((r) => r.partition >= 2);
    expect(assigned.length).toBe(2);
    expect(Math.min(...assigned.map((r) => r.t))).toBeGreaterThanOrEqual(16 * S);
    expect(rowsOf(h, Op.RebalanceStart).some((r) => r.t >= 16 * S)).toBe(true);
  });

  it("with latest, records written to a new partition before the group got it are skipped, and the loss is explained", () => {
    const resets = rowsOf(h, Op.OffsetReset).filter((r) => r.partition >= 2);
    expect(resets.every((r) => r.offset > 0)).toBe(true);
    const noLoss = result.verdicts.find((v) => v.invariant === "no-loss")!;
    expect(noLoss.holds).toBe(false);
    expect(noLoss.unpermitted).toBe(0);
    expect(noLoss.permittedBy!.join()).toMatch(/partitions added to t at run time with auto.offset.reset=latest/);
    expect(noLoss.anomalies[0].explanation).toMatch(/t\/[23] was added at 5\.000s; group g got it only at/);
    expect(result.verdicts.find((v) => v.invariant === "loss-explained")!.holds).toBe(true);
  });

  it("counts the new partitions in the group's lag from their creation: charted per partition, unowned only from then", () => {
    const g = result.metrics.groups!.find((x) => x.group === "g")!;
    const series = g.partitionLag!;
    expect(series.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    const bucketS = result.simulatedUs / 1e6 / series[2].values.length;
    // Records pile up on t/2 between the producer's refresh (8 s) and the group's (16 s), then drain.
    const at = (s: number) => series[2].values[Math.floor(s / bucketS)];
    expect(at(4)).toBe(0);
    expect(at(15)).toBeGreaterThan(0);
    expect(series[2].values[series[2].values.length - 1]).toBe(0);
    // Time without an owner, recomputed from the assignment rows: t/0 and t/1 count from 0, t/2 and t/3 from 5 s.
    const owners = [0, 0, 0, 0];
    const since = [0, 0, 5 * S, 5 * S];
    let unowned = 0;
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k !== Op.PartitionAssigned && k !== Op.PartitionRevoked && k !== Op.PartitionLost) continue;
      const p = h.opPartition[i];
      const before = owners[p];
      owners[p] += k === Op.PartitionAssigned ? 1 : -1;
      if (before === 0 && owners[p] > 0) unowned += h.opTimeUs[i] - since[p];
      if (before > 0 && owners[p] === 0) since[p] = h.opTimeUs[i];
    }
    owners.forEach((o, p) => (unowned += o === 0 ? result.simulatedUs - since[p] : 0));
    expect(g.partitionUnownedUs).toBe(unowned);
  });

  it("with earliest, the group reads those records from the start of the new partitions", () => {
    const { history, result: r } = run(scenario(", autoOffsetReset: earliest"));
    expect(rowsOf(history, Op.OffsetReset).filter((x) => x.partition >= 2).map((x) => x.offset)).toEqual([0, 0]);
    expect(r.verdicts.find((v) => v.invariant === "no-loss")!.holds).toBe(true);
  });

  it("a group whose metadata never refreshes during the run never gets them", () => {
    const { history } = run(scenario(", metadataMaxAge: 10m").replace(", metadataMaxAge: 16s", ""));
    expect(rowsOf(history, Op.PartitionAssigned).filter((r) => r.partition >= 2)).toEqual([]);
  });
});

describe("addPartitions in a scenario file", () => {
  const load = (fault: string) => () =>
    loadScenarioText(
      `name: t
description: A test.
duration: 10s
topics: [{ name: t, partitions: 3 }]
producers: [{ name: p, topic: t, rate: 10/s }]
faults:
  - { at: 1s, addPartitions: { topic: t, count: 4 } }
  - ${fault}
`,
      "t.yaml",
    );

  it("rejects an unknown topic, at its line", () => {
    expect(load("{ at: 2s, addPartitions: { topic: tt, count: 5 } }")).toThrowError(ScenarioError);
    expect(load("{ at: 2s, addPartitions: { topic: tt, count: 5 } }")).toThrowError(/t\.yaml:8:.*no topic named "tt"/s);
  });

  it("rejects a count that does not grow the topic beyond what earlier events gave it", () => {
    expect(load("{ at: 2s, addPartitions: { topic: t, count: 4 } }")).toThrowError(/already has 4 partitions/);
    expect(load("{ at: 2s, addPartitions: { topic: t, count: 5 } }")).not.toThrow();
  });
});
