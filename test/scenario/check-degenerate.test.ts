import { describe, expect, it } from "vitest";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { parseDurationUs, UnitError } from "../../src/scenario/units.ts";
import { MAX_SAMPLE, makeSampler } from "../../src/kernel/distributions.ts";
import { Rng } from "../../src/kernel/rng.ts";

const BASE = {
  name: "x", description: "d.", duration: "2s", drain: "2s",
  topics: "[{ name: t, partitions: 3 }]",
  producers: "[{ name: p, topic: t, rate: 200/s }]",
  consumerGroups: "[{ name: g, topic: t, members: 2 }]",
} as Record<string, string | undefined>;

function text(extra: Record<string, string | undefined>): string {
  return Object.entries({ ...BASE, ...extra }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n";
}

function problems(extra: Record<string, string | undefined>): string {
  try {
    loadScenarioText(text(extra), "x.yaml");
  } catch (err) {
    if (err instanceof ScenarioError) return err.format();
    throw err;
  }
  return "";
}

describe("degenerate values are refused at validation", () => {
  it.each([
    ["heartbeatInterval: 0s", /heartbeatInterval: a heartbeat interval of 0s would repeat/],
    ["protocol: consumer, consumerHeartbeatInterval: 0s", /consumerHeartbeatInterval: a heartbeat interval of 0s/],
    ["maxPollInterval: 0s", /maxPollInterval: a poll interval of 0s/],
    ["fetchMaxWait: 0s", /fetchMaxWait: a fetch wait/],
    ["commit: { mode: auto, interval: 0s }", /commit\.interval: an auto-commit interval of 0s/],
    ["events: [{ at: 1s, slowdown: { factor: 1e300, for: 1s } }]", /slowdown\.factor: a slowdown factor of 1e\+300/],
    ["events: [{ at: 1s, slowdown: { factor: 2, for: 0s } }]", /slowdown\.for: a slowdown of 0s/],
    ["processing: { time: { uniform: { min: 5ms, max: 1ms } } }", /uniform\.max: uniform max \(1ms\) is below min \(5ms\)/],
    ["processing: { time: { empirical: { values: [1ms, 2ms, 3ms], weights: [1, 2] } } }", /2 weights for 3 values/],
    ["processing: { time: { empirical: { values: [1ms, 2ms], weights: [0, 0] } } }", /every weight is 0/],
  ])("a group with %s", (fields, message) => {
    expect(problems({ consumerGroups: `[{ name: g, topic: t, ${fields} }]` })).toMatch(message);
  });

  it("refuses zero retry backoffs, and distributions anywhere (network latency)", () => {
    expect(problems({ producers: "[{ name: p, topic: t, rate: 200/s, retryBackoff: 0s }]" })).toMatch(/retryBackoff: a retry backoff of 0s/);
    expect(problems({ network: "{ latency: { uniform: { min: 2ms, max: 1ms } } }" })).toMatch(/network\.latency\.uniform\.max/);
  });

  it("refuses random injectors that cannot inject, with their bounds in the wrong order", () => {
    expect(problems({ faults: "[{ random: crash, targets: [g-0], rate: 0/s }]" })).toMatch(/faults\[0\]\.rate: a random injector with rate 0\/s/);
    expect(problems({ faults: "[{ random: crash, targets: [g-0], rate: 1/min, minDuration: 10s, maxDuration: 1s }]" }))
      .toMatch(/maxDuration \(1s\) is below minDuration \(10s\)\n.*hint: fault durations are drawn uniformly/);
    expect(problems({ faults: "[{ random: crash, targets: [g-0], rate: 1/min, start: 2s, stop: 1s }]" })).toMatch(/injection starts at 2s but stops at 1s/);
  });

  it("refuses SQS short polling without a pause between empty answers", () => {
    const q = { topics: undefined, producers: undefined, consumerGroups: undefined, queues: "[{ name: q, kind: sqs-standard }]", queueProducers: "[{ name: qp, queue: q, rate: 1/s }]" };
    expect(problems({ ...q, queueConsumers: "[{ name: c, queue: q, waitTime: 0s, emptyPollDelay: 0s }]" })).toMatch(/emptyPollDelay: a short-polling pause of 0s/);
    expect(problems({ ...q, queueConsumers: "[{ name: c, queue: q, waitTime: 0s, emptyPollDelay: 1us }]" })).toBe("");
  });

  it("refuses durations beyond the simulated time range", () => {
    expect(() => parseDurationUs("2000000h")).toThrow(UnitError);
    expect(parseDurationUs("312749h")).toBe(312749 * 3600e6);
    expect(problems({ drain: "1000000h" })).toMatch(/drain: expected a duration of at most 312749h/);
  });
});

describe("cross-references", () => {
  it("refuses expect.queueWait on a queue that does not exist", () => {
    expect(problems({ expect: "{ queueWait: [{ queue: nosuch, mean: 5ms }] }" })).toMatch(/expect\.queueWait\[0\]\.queue: no queue named "nosuch"/);
  });

  it("accepts a fault on a member a scale event adds, once it has joined", () => {
    const groups = "[{ name: g, topic: t, members: 2, events: [{ at: 1s, scale: 4 }] }]";
    expect(problems({ consumerGroups: groups, faults: "[{ at: 1.5s, crash: g-3 }]" })).toBe("");
    expect(problems({ consumerGroups: groups, faults: "[{ at: 0.5s, crash: g-3 }]" })).toMatch(/g-3 joins its group at 1s \(a scale event\); this fault is at 500ms, before it exists/);
    expect(problems({ consumerGroups: groups, faults: "[{ at: 1.5s, crash: g-4 }]" })).toMatch(/no fault target named "g-4"/);
  });

  it("names members created by scaling in and out again in creation order", () => {
    const groups = "[{ name: g, topic: t, members: 2, events: [{ at: 1s, scale: 1 }, { at: 2s, scale: 2 }] }]";
    expect(problems({ consumerGroups: groups, faults: "[{ at: 3s, crash: g-2 }]" })).toBe("");
  });

  it("reports addPartitions on a missing topic, partition 99 of 3, an event after the end, and an event of two kinds", () => {
    expect(problems({ faults: "[{ at: 1s, addPartitions: { topic: nosuch, count: 6 } }]" })).toMatch(/addPartitions\.topic: no topic named "nosuch"/);
    expect(problems({ consumerGroups: "[{ name: g, topic: t, events: [{ at: 1s, pausePartitions: { partitions: [99], for: 1s } }] }]" }))
      .toMatch(/topic t has no partition 99/);
    expect(problems({ consumerGroups: "[{ name: g, topic: t, events: [{ at: 1h, scale: 3 }] }]" })).toMatch(/after the run ends/);
    expect(problems({ consumerGroups: "[{ name: g, topic: t, events: [{ at: 1s, scale: 3, slowdown: { factor: 2, for: 1s } }] }]" }))
      .toMatch(/exactly one of scale, slowdown, pausePartitions/);
  });
});

describe("samples beyond the simulated time range", () => {
  it("are clamped to MAX_SAMPLE (beyond the end of any run), never Infinity", () => {
    const rng = new Rng(1);
    for (const spec of [{ lognormal: { median: 1000, sigma: 1000 } }, { pareto: { scale: 1000, shape: 0.001 } }, { exponential: { mean: 2 ** 52 } }]) {
      const draw = makeSampler(spec, rng);
      for (let i = 0; i < 200; i++) {
        const x = draw();
        expect(x).toBeLessThanOrEqual(MAX_SAMPLE);
        expect(Number.isFinite(x)).toBe(true);
      }
    }
  });
});
