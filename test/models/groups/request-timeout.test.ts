// A crashed broker is silent in this model (no connection reset): a member's fetch to it stalls until the consumer's
// request.timeout.ms, which `requestTimeout` sets. A shorter timeout must shorten the stall, nothing else.
import "../../../src/scenario/schema.ts";
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";

const yaml = (group: string): string => `name: t
description: a broker crash with a consumer request timeout
duration: 12s
drain: 40s
cluster: { brokers: 3 }
topics:
  - { name: payments, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 }
producers:
  - { name: checkout, topic: payments, rate: 200/s, acks: all, keys: { count: 50 } }
consumerGroups:
  - { name: billing, topic: payments, members: 3${group} }
faults:
  - { at: 4s, crash: broker-2, for: 60s }
`;

const run = (group: string) => runScenario(loadScenarioText(yaml(group), "t.yaml"), { seed: 1, file: "t.yaml" }).result;

describe("consumer requestTimeout", () => {
  it("bounds how long a fetch to a crashed broker stalls: 30 s by default, 3 s when set", () => {
    const slow = run("");
    const fast = run(", requestTimeout: 3s");
    expect(slow.metrics.endToEndLatencyUs.max).toBeGreaterThan(25_000_000);
    expect(fast.metrics.endToEndLatencyUs.max).toBeLessThan(15_000_000);
    expect(fast.metrics.endToEndLatencyUs.count).toBe(slow.metrics.endToEndLatencyUs.count);
  });

  it("refuses a zero request timeout with the field named", () => {
    expect(() => loadScenarioText(yaml(", requestTimeout: 0s"), "t.yaml")).toThrow(/requestTimeout/);
  });
});
