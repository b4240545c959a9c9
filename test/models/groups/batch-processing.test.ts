// processing.batch: a poll's records are processed together in one batch time; the member polls only between
// batches, so a batch longer than max.poll.interval gets it removed from the group.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op } from "../../../src/history/history.ts";

const yaml = (group: string) => `name: t
description: A test.
duration: 20s
drain: 30s
topics: [{ name: orders, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 50/s, keys: { count: 20 } }]
consumerGroups:
  - name: g
    topic: orders
    members: 1
${group}`;

describe("batch processing", () => {
  it("starts a poll's records together and ends them together, one batch time later", () => {
    const { history: h, result } = runScenario(loadScenarioText(yaml("    processing: { batch: { time: 3s } }"), "t.yaml"), { seed: 1, file: "t.yaml" });
    const starts = new Map<number, number>(), ends = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      const t = h.opTimeUs[i];
      if (h.opKind[i] === Op.ProcessStart) starts.set(t, (starts.get(t) ?? 0) + 1);
      if (h.opKind[i] === Op.ProcessEnd) ends.set(t, (ends.get(t) ?? 0) + 1);
    }
    const batchStarts = [...starts.keys()].sort((a, b) => a - b);
    expect(batchStarts.length).toBeGreaterThan(3);
    expect(Math.max(...starts.values())).toBeGreaterThan(50);
    for (const t of batchStarts) expect(ends.get(t + 3_000_000)).toBe(starts.get(t));
    expect(result.verdicts.find((v) => v.invariant === "no-loss")?.holds).toBe(true);
  });

  it("a batch longer than max.poll.interval gets the member removed from the group", () => {
    const { history: h } = runScenario(loadScenarioText(yaml("    maxPollInterval: 5s\n    processing: { batch: { time: 8s } }"), "t.yaml"), { seed: 1, file: "t.yaml" });
    let left = 0;
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.MemberLeft) left++;
    expect(left).toBeGreaterThan(0);
  });

  it("refuses batch with concurrency, and a batch without a time", () => {
    expect(() => loadScenarioText(yaml("    processing: { batch: { time: 1s }, concurrency: 4 }"), "t.yaml")).toThrow(/batch processing runs each poll's records together/);
    expect(() => loadScenarioText(yaml("    processing: { batch: {} }"), "t.yaml")).toThrow(/batch/);
  });
});
