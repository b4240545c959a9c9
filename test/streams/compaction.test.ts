import { describe, expect, it } from "vitest";
import { compactedLength, changeRecordBytes } from "../../src/streams/compaction.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op } from "../../src/history/history.ts";

const seg = (records: number) => records * changeRecordBytes("k0"); // every key below is 2 characters long

describe("changelog compaction (the log cleaner)", () => {
  it("never cleans the active segment: one segment holding everything keeps every record", () => {
    expect(compactedLength(["k0", "k0", "k0", "k1"], { segmentBytes: 1 << 30, minCleanableDirtyRatio: 0.5 })).toBe(4);
  });

  it("cleans up to the active segment once the dirty ratio reaches the threshold, keeping the latest record per key", () => {
    // Segments of 2 records: [k0 k0] [k0 k1] [k1 k1] [k0]. At the first roll the dirty ratio is 1: [k0 k0] → k0.
    // At the second, dirty [k0 k1] over clean k0 + dirty = 2/3 ≥ 0.5: cleaned to {k0, k1}. At the third, 2/4 ≥ 0.5:
    // cleaned again to {k0, k1}; the active segment [k0] stays as it is.
    const keys = ["k0", "k0", "k0", "k1", "k1", "k1", "k0"];
    expect(compactedLength(keys, { segmentBytes: seg(2), minCleanableDirtyRatio: 0.5 })).toBe(3);
    // With a threshold of 0.9 the second and third rolls leave the log dirty: {k0} + 5 records.
    expect(compactedLength(keys, { segmentBytes: seg(2), minCleanableDirtyRatio: 0.9 })).toBe(6);
  });

  it("a full restore reads the compacted changelog: restore time follows the distinct keys, not every update", () => {
    const restored = (segmentBytes: string) => {
      const text = `name: t
description: A restore after a crash.
duration: 10s
drain: 5s
topics: [{ name: in, partitions: 1 }, { name: out, partitions: 1 }]
producers: [{ name: p, topic: in, rate: 200/s, keys: { count: 5 } }]
processors:
  - applicationId: app
    instances: 2
    sessionTimeout: 2s
    heartbeatInterval: 500ms
    changelog: { segmentBytes: ${segmentBytes} }
    topology: [{ source: in }, { aggregate: { window: { tumbling: 1m }, grace: 1m } }, { sink: out }]
faults: [{ at: 4s, crash: app-0 }]
`;
      const { history: h } = runScenario(loadScenarioText(text, "t.yaml"), { seed: 1, file: "t.yaml" });
      const app = h.actorId("app");
      const rows: number[] = [];
      for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.RestoreStart && h.opAux[i] === app) rows.push(h.opOffset[i]);
      return rows;
    };
    // The task moves once, to the surviving instance, which replays the changelog: 5 keys updated ~800 times.
    const uncleaned = restored("1GiB");
    const cleaned = restored("8KiB");
    expect(uncleaned).toHaveLength(1);
    expect(uncleaned[0]).toBeGreaterThan(500);
    expect(cleaned).toHaveLength(1);
    expect(cleaned[0]).toBeLessThan(uncleaned[0] / 4);
  });
});
