import { describe, expect, it } from "vitest";
import { shrink, type ScenarioData } from "../../src/explore/shrink.ts";

// A fake "simulator": the failure needs the fault that crashes billing-1 and at least 3 keys; anything else
// in the scenario is noise the shrinker should remove.
const BASE: ScenarioData = {
  name: "s",
  description: "d",
  seed: 9,
  duration: "40s",
  topics: [{ name: "t", partitions: 12 }],
  producers: [{ name: "p", topic: "t", keys: { count: 1000 }, schedule: [{ at: "1s" }, { at: "2s" }, { at: "3s" }] }],
  faults: [
    { at: "5s", crash: "broker-0" },
    { at: "6s", pause: "billing-0", for: "1s" },
    { at: "7s", crash: "billing-1" },
    { at: "8s", partition: "x" },
  ],
  expect: { hold: ["no-loss"] },
};

type Fault = { crash?: string; pause?: string };
const faults = (d: ScenarioData) => (d.faults as Fault[] | undefined) ?? [];
const keyCount = (d: ScenarioData) => ((d.producers as { keys: { count: number } }[])[0]!.keys.count);
/** Like the schema: a scenario needs a topic and a producer. */
const valid = (d: ScenarioData) => (d.topics as unknown[]).length > 0 && (d.producers as unknown[]).length > 0;
const probeOf = (failing: (d: ScenarioData) => boolean) => (d: ScenarioData) => (!valid(d) ? "invalid" : failing(d) ? "fails" : "passes");

describe("shrink (delta debugging over the scenario as written)", () => {
  it("keeps only the list entries the failure needs and says what it removed", () => {
    const failing = (d: ScenarioData) => faults(d).some((f) => f.crash === "billing-1");
    const r = shrink(BASE, probeOf(failing));
    expect(faults(r.data)).toEqual([{ at: "7s", crash: "billing-1" }]);
    expect((r.data.producers as { schedule: unknown[] }[])[0]!.schedule).toEqual([]);
    expect(r.changes).toContain("faults: 4 → 1 entries");
    expect(r.changes).toContain("producers[0].schedule: removed all 3 entries");
    expect(r.runs).toBeGreaterThan(0);
    expect(r.exhausted).toBe(false);
  });

  it("finds the smallest knob value that still fails by binary search, in the unit written", () => {
    const r = shrink(BASE, probeOf((d) => keyCount(d) >= 3 && Number.parseInt(String(d.duration)) >= 12));
    expect(keyCount(r.data)).toBe(3);
    expect(r.data.duration).toBe("12s");
    expect((r.data.topics as { partitions: number }[])[0]!.partitions).toBe(1);
    expect(r.changes).toContain("duration: 40s → 12s");
    expect(r.changes).toContain("producers[0].keys.count: 1000 → 3");
  });

  it("weakens a crash to a pause when a pause still fails, then removes it when nothing is needed", () => {
    const needsCrashOrPause = (d: ScenarioData) => faults(d).some((f) => f.crash === "billing-1" || f.pause === "billing-1");
    const r = shrink(BASE, probeOf(needsCrashOrPause));
    expect(faults(r.data)).toEqual([{ at: "7s", pause: "billing-1", for: "1s" }]);
    expect(r.changes).toContain("faults[0]: crash → pause");
  });

  it("never touches name, description, seed or expect", () => {
    const r = shrink(BASE, () => "fails");
    expect(r.data.name).toBe("s");
    expect(r.data.seed).toBe(9);
    expect(r.data.expect).toEqual({ hold: ["no-loss"] });
    expect(r.data.faults).toEqual([]);
  });

  it("skips invalid candidates without counting them as runs", () => {
    // Topics may not be empty (as the schema says): the probe rejects such candidates.
    const r = shrink(BASE, (d) => ((d.topics as unknown[]).length === 0 ? "invalid" : "fails"));
    expect((r.data.topics as unknown[]).length).toBe(1);
    expect(r.rejected).toBeGreaterThan(0);
  });

  it("stops at the run budget and says so", () => {
    const r = shrink(BASE, (d) => (faults(d).length > 0 ? "fails" : "passes"), { maxRuns: 3 });
    expect(r.runs).toBe(3);
    expect(r.exhausted).toBe(true);
  });

  it("returns the scenario unchanged when nothing can go", () => {
    const tiny: ScenarioData = { name: "x", duration: "1s", topics: [{ name: "t", partitions: 1 }] };
    const r = shrink(tiny, (d) => ((d.topics as unknown[]).length === 1 && d.duration === "1s" ? "fails" : "passes"));
    expect(r.data).toEqual(tiny);
    expect(r.changes).toEqual([]);
  });
});
