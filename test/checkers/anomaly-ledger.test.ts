// Every anomaly is kept and counted per kind; result.json holds a sample that shows every kind; a verdict over
// nothing says "not checked" and why.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { anomaliesJsonl, finishVerdicts, kindCounts, sampleAnomalies, verdictWord } from "../../src/checkers/anomaly-ledger.ts";
import { ANOMALY_SAMPLE, verdictOf } from "../../src/checkers/verdict.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import type { Anomaly } from "../../src/report/result-types.ts";

const noGroups = loadScenarioText(
  `name: t
description: A test.
duration: 1s
drain: 0s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 100/s }]
`,
  "t.yaml",
);

const anomaly = (kind: string, t: number): Anomaly => ({ kind, explanation: `${kind} at ${t}`, messageIds: [t], timesUs: [t] });

describe("complete anomaly lists", () => {
  it("a checker's verdict keeps every anomaly, not the first 50", () => {
    const list = Array.from({ length: 120 }, (_, i) => anomaly("unseen", i));
    const v = verdictOf("no-loss", 120, list, "ok", (n) => `${n} bad`);
    expect(v.anomalies).toHaveLength(120);
    expect(v.anomalyCount).toBe(120);
  });

  it("result.json's sample shows every kind before repeating one, and the counts are exact", () => {
    const list = [...Array.from({ length: 80 }, (_, i) => anomaly("unseen", i)), anomaly("lost-write", 500)];
    const sample = sampleAnomalies(list);
    expect(sample).toHaveLength(ANOMALY_SAMPLE);
    expect(sample.map((a) => a.kind)).toContain("lost-write");
    expect(kindCounts(list)).toEqual([
      { kind: "unseen", count: 80 },
      { kind: "lost-write", count: 1 },
    ]);
  });

  it("finishVerdicts returns the full list with the invariant named, and a sampled verdict with per-kind counts", () => {
    const list = [...Array.from({ length: 70 }, (_, i) => anomaly("unseen", i)), anomaly("lost-write", 999)];
    const v = verdictOf("no-loss", 71, list, "ok", (n) => `${n} bad`);
    const out = finishVerdicts([v], noGroups);
    expect(out.anomalies).toHaveLength(71);
    expect(out.anomalies[0].invariant).toBe("no-loss");
    expect(out.verdicts[0].anomalies).toHaveLength(ANOMALY_SAMPLE);
    expect(out.verdicts[0].anomalyKinds).toEqual([
      { kind: "unseen", count: 70 },
      { kind: "lost-write", count: 1 },
    ]);
    const text = anomaliesJsonl(out.anomalies);
    expect(text.split("\n").filter(Boolean)).toHaveLength(71);
    expect(JSON.parse(text.split("\n")[0])).toMatchObject({ invariant: "no-loss", kind: "unseen" });
  });
});

describe("not checked", () => {
  it("a run without consumer groups says the group invariants were not checked, and why", () => {
    const { result, anomalies } = runScenario(noGroups, { seed: 1, file: "t.yaml" });
    const byName = new Map(result.verdicts.map((v) => [v.invariant, v]));
    for (const inv of ["per-key-order", "no-loss", "no-duplicates", "no-poll-skip", "liveness-lag-drains"]) {
      const v = byName.get(inv)!;
      expect(verdictWord(v), inv).toBe("not checked");
      expect(v.notChecked).toBe("no consumer group reads a topic in this scenario");
    }
    // The log invariants had records to look at: they hold, plainly.
    expect(verdictWord(byName.get("no-lost-write")!)).toBe("holds");
    expect(byName.get("no-lost-write")!.notChecked).toBeUndefined();
    expect(anomalies).toEqual([]);
  });

  it("the full anomaly list of a run matches its counts and is the same bytes on a second run", () => {
    const s = loadScenarioText(
      `name: t
description: A test.
duration: 2s
drain: 0s
topics: [{ name: orders, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 500/s }]
consumerGroups: [{ name: g, topic: orders, processing: { time: 50ms } }]
expect: { violate: [no-loss] }
`,
      "t.yaml",
    );
    const a = runScenario(s, { seed: 3, file: "t.yaml" });
    const b = runScenario(s, { seed: 3, file: "t.yaml" });
    const noLoss = a.result.verdicts.find((v) => v.invariant === "no-loss")!;
    expect(noLoss.anomalyCount).toBeGreaterThan(ANOMALY_SAMPLE);
    expect(noLoss.anomalies).toHaveLength(ANOMALY_SAMPLE);
    expect(a.anomalies.filter((x) => x.invariant === "no-loss")).toHaveLength(noLoss.anomalyCount);
    expect(anomaliesJsonl(a.anomalies)).toBe(anomaliesJsonl(b.anomalies));
  });
});
