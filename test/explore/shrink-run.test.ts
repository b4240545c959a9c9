import { describe, expect, it } from "vitest";
// Loads the schema before the models: schema-groups.ts and schema.ts import each other, and under vitest the
// cycle only resolves when schema.ts is entered first.
import "../../src/scenario/schema.ts";
import { failureShape, shrinkScenario } from "../../src/explore/shrink-run.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";

// A slow consumer misses its latency bound; the second topic, its producer and the rate steps are noise.
const TEXT = `name: slow
description: A slow consumer misses its latency bound, among things that do not matter.
duration: 4s
drain: 10s
topics: [{ name: t, partitions: 4 }, { name: other, partitions: 2 }]
producers:
  - { name: p, topic: t, rate: 400/s, keys: { count: 50 }, schedule: [{ at: 1s, rate: 500/s }, { at: 2s, rate: 400/s }] }
  - { name: q, topic: other, rate: 50/s }
consumerGroups: [{ name: g, topic: t, members: 1, processing: { time: 3ms } }]
expect:
  latency: { p99: 100ms }
`;

describe("shrinking a real scenario", () => {
  it("removes what the failure does not need and keeps the same expectation failing the same way", () => {
    const r = shrinkScenario({ text: TEXT, file: "slow.yaml", seed: 1 }, undefined, { maxRuns: 60 });
    expect(r.target).toBe("latency p99 <= 100ms");
    expect(r.changes.some((c) => c.startsWith("producers: 2 → 1"))).toBe(true);
    expect(r.yaml).toMatch(/^# Shrunk by brokersim from slow\.yaml with seed 1: still fails "latency p99 <= 100ms"\./);
    const again = runScenario(loadScenarioText(r.yaml, "min.yaml"), { seed: 1, file: "min.yaml" }).result;
    const e = again.expectations.find((x) => x.expectation === r.target)!;
    expect(e.met).toBe(false);
    expect(failureShape(e.detail)).toBe(failureShape(r.original.expectations[0]!.detail));
    expect((again.scenario.resolved as { topics: unknown[] }).topics).toHaveLength(1);
  });

  it("treats a latency bound broken by excess and one broken because nothing was processed as different failures", () => {
    expect(failureShape("exceeded: p99 1.2s > 200ms")).toBe(failureShape("exceeded: p99 640ms > 200ms"));
    expect(failureShape("exceeded: p99: no message was processed")).not.toBe(failureShape("exceeded: p99 1.2s > 200ms"));
    expect(failureShape("expected to hold, but 1 message lost")).toBe(failureShape("expected to hold, but 3 messages lost"));
  });
});

describe("what the shrunk scenario says about itself", () => {
  // The second group only reads the noise topic: shrinking drops the topic, its producer and the group, and
  // per-key-order would then hold over nothing for a group that no longer exists... unless it is dropped.
  const WITH_HOLD = `name: slowhold
description: A slow consumer misses its latency bound; a second pipeline is noise.
duration: 4s
drain: 10s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 400/s, keys: { count: 50 } }]
consumerGroups: [{ name: g, topic: t, members: 1, processing: { time: 3ms } }]
queues: [{ name: jobs, kind: sqs-standard }]
queueProducers: [{ name: qp, queue: jobs, rate: 20/s }]
queueConsumers: [{ name: w, queue: jobs }]
expect:
  hold: [queue-duplicates]
  latency: { p99: 100ms }
`;

  it("is named <name>-shrunk, describes itself, and drops hold entries left with nothing to check", () => {
    const r = shrinkScenario({ text: WITH_HOLD, file: "slowhold.yaml", seed: 1 }, undefined, { maxRuns: 60 });
    const s = loadScenarioText(r.yaml, "min.yaml");
    expect(s.name).toBe("slowhold-shrunk");
    expect(s.description).toContain('still fails "latency p99 <= 100ms"');
    expect(s.description).not.toContain("second pipeline");
    expect(s.queues).toHaveLength(0);
    expect(s.expect.hold).not.toContain("queue-duplicates");
    expect(r.changes.some((c) => c.startsWith("expect.hold: dropped queue-duplicates"))).toBe(true);
    expect(r.yaml).toContain("#   expect.hold: dropped queue-duplicates");
  });
});
