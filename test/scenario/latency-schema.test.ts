import { describe, expect, it } from "vitest";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";

const BASE = [
  "name: x",
  "description: d.",
  "duration: 2s",
  "topics: [{ name: t, partitions: 3 }]",
  "producers: [{ name: p, topic: t, rate: 200/s }]",
  "consumerGroups: [{ name: billing, topic: t, members: 2 }]",
  "queues: [{ name: jobs, kind: sqs-standard }]",
  "queueProducers: [{ name: web, queue: jobs, rate: 10/s }]",
  "queueConsumers: [{ name: worker, queue: jobs }]",
].join("\n");

function load(expectBlock: string) {
  return loadScenarioText(`${BASE}\nexpect:\n${expectBlock}\n`, "x.yaml");
}

function problem(expectBlock: string): string {
  try {
    load(expectBlock);
  } catch (err) {
    if (err instanceof ScenarioError) return err.format();
    throw err;
  }
  return "";
}

describe("expect.latency per group and per queue", () => {
  it("keeps the pooled form valid and adds groups and queues with lag bounds", () => {
    const s = load("  latency:\n    p99: 2s\n    groups: { billing: { p99: 500ms, maxLag: 1000, lagAtEnd: 0 } }\n    queues: { jobs: { max: 3s, violated: true } }");
    expect(s.expect.latency).toEqual({
      p99: 2_000_000,
      groups: { billing: { p99: 500_000, maxLag: 1000, lagAtEnd: 0, violated: false } },
      queues: { jobs: { max: 3_000_000, violated: true } },
    });
  });

  it("refuses a group that does not exist, at its line, with the groups declared and a did-you-mean", () => {
    const msg = problem("  latency:\n    groups:\n      biling: { p99: 1s }");
    expect(msg).toMatch(/x\.yaml:13/);
    expect(msg).toMatch(/no consumer group named "biling"/);
    expect(msg).toMatch(/did you mean `billing`\?/);
  });

  it("refuses a queue that does not exist", () => {
    const msg = problem("  latency:\n    queues: { nosuch: { p99: 1s } }");
    expect(msg).toMatch(/x\.yaml:12/);
    expect(msg).toMatch(/no queue named "nosuch"/);
    expect(msg).toMatch(/hint: latency\.queues bounds a queue by its name/);
    try {
      load("  latency:\n    queues: { nosuch: { p99: 1s } }");
    } catch (err) {
      expect((err as ScenarioError).issues[0]).toMatchObject({ path: "expect.latency.queues.nosuch", expected: "one of the queues declared under queues: jobs", code: "E_REFERENCE" });
    }
    expect.assertions(4);
  });

  it("refuses an unknown bound, a lag bound on a queue, a negative lag and a latency that is not a duration", () => {
    expect(problem("  latency:\n    groups: { billing: { p98: 1s } }")).toMatch(/x\.yaml:12.*\n?.*p98/);
    expect(problem("  latency:\n    queues: { jobs: { maxLag: 10 } }")).toMatch(/maxLag/);
    expect(problem("  latency:\n    groups: { billing: { maxLag: -1 } }")).toMatch(/maxLag/);
    expect(problem("  latency:\n    groups: { billing: { p99: fast } }")).toMatch(/duration/);
  });
});
