import { describe, expect, it } from "vitest";
import { GroupMetrics } from "../../src/metrics/group-metrics.ts";
import { chartSpecs } from "../../src/report/html.ts";
import type { RunResult } from "../../src/report/result-types.ts";

const parts = [
  { topic: "t", partition: 0 },
  { topic: "t", partition: 1 },
];

describe("group metrics", () => {
  it("counts partition-time without an owner and the time the whole group stood still", () => {
    const m = new GroupMetrics("g", parts, 1_000_000, 10, 100, "eager");
    m.onOwner(0, 1, 0);
    m.onOwner(1, 1, 0);
    m.onOwner(0, -1, 2_000_000);
    m.onOwner(1, -1, 3_000_000);
    m.onOwner(0, 1, 4_000_000);
    m.onOwner(1, 1, 5_000_000);
    const r = m.finish(10_000_000, []);
    expect(r.partitionUnownedUs).toBe(2_000_000 + 2_000_000);
    expect(r.notConsumingUs).toBe(1_000_000);
  });

  it("records rebalances as markers with their duration and cause", () => {
    const m = new GroupMetrics("g", parts, 1_000_000, 10, 100, "cooperative");
    m.rebalanceStarted(1_000_000, "a member joined", 1);
    m.rebalanceEnded(1_500_000, 2);
    const r = m.finish(10_000_000, []);
    expect(r.rebalances).toBe(1);
    expect(r.rebalanceUs).toBe(500_000);
    expect(r.markers[0]).toMatchObject({ generation: 2, cause: "a member joined", protocol: "cooperative" });
  });

  it("measures time to recover: from the fault until lag is back at or under the threshold", () => {
    const m = new GroupMetrics("g", parts, 1_000_000, 10, 100, "eager");
    m.fault("crash g-1", 2_000_000);
    m.onGroupLag(50, 2_500_000);
    m.onGroupLag(500, 3_000_000);
    m.onGroupLag(80, 6_000_000);
    const r = m.finish(10_000_000, []);
    expect(r.recovery).toEqual([{ fault: "crash g-1", atUs: 2_000_000, recoveredAfterUs: 4_000_000 }]);
  });

  it("says a fault was not recovered from when lag is still high at the end", () => {
    const m = new GroupMetrics("g", parts, 1_000_000, 10, 100, "eager");
    m.fault("crash g-1", 2_000_000);
    m.onGroupLag(500, 3_000_000);
    expect(m.finish(10_000_000, []).recovery[0].recoveredAfterUs).toBeNull();
  });

  it("keeps lag per partition per time bucket", () => {
    const m = new GroupMetrics("g", parts, 1_000_000, 4, 100, "eager");
    m.onPartitionLag(1, 7, 1_500_000);
    m.onPartitionLag(1, 3, 2_500_000);
    expect(m.finish(4_000_000, []).partitionLag![1].values).toEqual([0, 7, 3, 3]);
  });
});

describe("rebalance markers in the report", () => {
  it("draw one rule per rebalance on the time charts", () => {
    const markers = [{ group: "g", generation: 2, startUs: 1_000_000, endUs: 1_200_000, cause: "a member joined", protocol: "eager" as const }];
    const result = {
      simulatedUs: 2_000_000,
      metrics: {
        faults: [],
        groups: [{ markers }],
        series: { bucketUs: 1_000_000, t: [0, 1_000_000], latencyP50Us: [null, null], latencyP99Us: [null, null], latencyMaxUs: [null, null], producedPerS: [0, 0], consumedPerS: [0, 0], lag: [] },
      },
    } as unknown as RunResult;
    const spec = chartSpecs(result).lag as { layer: { data?: { values?: { startS?: number; cause?: string }[] } }[] };
    const layer = spec.layer.find((l) => l.data?.values?.[0]?.cause === "a member joined");
    expect(layer?.data?.values?.[0]?.startS).toBe(1);
  });
});
