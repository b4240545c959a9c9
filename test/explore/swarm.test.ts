import { describe, expect, it } from "vitest";
import { loadForSeed } from "../../src/explore/run-seed.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

const SWARM = `name: swarm
description: Swarm values in several shapes.
duration: { range: [2s, 4s] }
drain: 1s
topics:
  - name: t
    partitions: { oneOf: [3, 12, 48] }
producers:
  - name: p
    topic: t
    rate: { range: [100/s, 300/s] }
    keys: { count: { range: [10, 20] } }
consumerGroups:
  - { name: g, topic: t, members: { oneOf: [1, { range: [2, 4] }] } }
`;

const load = (seed: number, text = SWARM) => loadForSeed({ text, file: "swarm.yaml", seed });

describe("swarm mode", () => {
  it("draws the same configuration for the same seed", () => {
    expect(load(7).draws).toEqual(load(7).draws);
    expect(load(7).scenario).toEqual(load(7).scenario);
  });

  it("draws different configurations across seeds", () => {
    const partitions = new Set(Array.from({ length: 30 }, (_, s) => load(s).scenario.topics[0]!.partitions));
    expect([...partitions].sort((a, b) => a - b)).toEqual([3, 12, 48]);
  });

  it("keeps integer ranges integral and inside both bounds", () => {
    for (let s = 0; s < 30; s++) {
      const count = load(s).scenario.producers[0]!.keys.count;
      expect(Number.isInteger(count)).toBe(true);
      expect(count).toBeGreaterThanOrEqual(10);
      expect(count).toBeLessThanOrEqual(20);
    }
  });

  it("draws a duration range in the unit it is written in", () => {
    const draw = load(3).draws.find((d) => d.path === "duration")!;
    expect(draw.value).toMatch(/^[234]s$/);
    expect(load(3).scenario.duration).toBe(Number.parseInt(String(draw.value)) * 1e6);
  });

  it("draws rates between their bounds", () => {
    for (let s = 0; s < 20; s++) {
      const rate = load(s).scenario.producers[0]!.rate;
      expect(rate).toBeGreaterThanOrEqual(100);
      expect(rate).toBeLessThanOrEqual(300);
    }
  });

  it("draws swarm values nested inside a chosen alternative", () => {
    const members = new Set(Array.from({ length: 40 }, (_, s) => load(s).scenario.consumerGroups[0]!.members));
    expect([...members].sort()).toEqual([1, 2, 3, 4]);
  });

  it("lists the draws in document order by field path", () => {
    expect(load(1).draws.map((d) => d.path)).toEqual([
      "duration", "topics[0].partitions", "producers[0].rate", "producers[0].keys.count", "consumerGroups[0].members",
    ]);
  });

  it("does not change what one field draws when another swarm value is added", () => {
    const more = SWARM.replace("drain: 1s", "drain: { oneOf: [1s, 2s] }");
    for (const s of [1, 2, 3]) expect(load(s, more).scenario.topics[0]!.partitions).toBe(load(s).scenario.topics[0]!.partitions);
  });

  it("leaves a scenario without swarm values untouched and reports no draws", () => {
    const plain = SWARM.replace("{ oneOf: [3, 12, 48] }", "4").replace("{ range: [2s, 4s] }", "2s").replace("{ range: [100/s, 300/s] }", "100/s")
      .replace("{ range: [10, 20] }", "10").replace("{ oneOf: [1, { range: [2, 4] }] }", "2");
    expect(load(5, plain).draws).toEqual([]);
  });

  it("reports a malformed range at its file:line:col", () => {
    const bad = SWARM.replace("{ range: [10, 20] }", "{ range: [20] }");
    try {
      load(1, bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      const issue = (err as ScenarioError).issues[0]!;
      expect(issue.path).toBe("producers[0].keys.count.range");
      expect(`${issue.file}:${issue.line}`).toBe("swarm.yaml:12");
      expect(issue.message).toMatch(/exactly two bounds/);
    }
  });

  it("reports a reversed range and an empty oneOf with hints", () => {
    const bad = SWARM.replace("{ range: [2s, 4s] }", "{ range: [4s, 2s] }").replace("[3, 12, 48]", "[]");
    const err = (() => { try { load(1, bad); } catch (e) { return e as ScenarioError; } })()!;
    expect(err.issues.map((i) => i.path)).toEqual(["duration.range", "topics[0].partitions.oneOf"]);
    expect(err.format()).toMatch(/swarm\.yaml:3:\d+ .*above the high bound/);
  });

  it("reports a drawn value the schema rejects at the swarm value's position", () => {
    const bad = SWARM.replace("[3, 12, 48]", "[0]");
    const err = (() => { try { load(1, bad); } catch (e) { return e as ScenarioError; } })()!;
    expect(err.issues[0]!.path).toBe("topics[0].partitions");
    expect(err.issues[0]!.line).toBe(7);
  });
});
