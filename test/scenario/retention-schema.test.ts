// The retention, offsets-retention and metadata fields of a scenario: Kafka's defaults, -1 for "no limit",
// and errors that name the file, line and field.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";

const load = (topic: string, extra = "") =>
  loadScenarioText(
    `name: t
description: A test.
duration: 10s
topics:
  - { name: t${topic} }
producers: [{ name: p, topic: t, rate: 10/s }]
consumerGroups: [{ name: g, topic: t }]
${extra}`,
    "t.yaml",
  );

const H = 3600 * 1_000_000;

describe("retention fields", () => {
  it("default to Kafka's: 7 days, no size limit, 7-day / 1 GiB segments, checks every 5 and 10 minutes, metadata every 5", () => {
    const s = load("");
    expect(s.topics[0]).toMatchObject({ retentionMs: 168 * H, retentionBytes: -1, segmentMs: 168 * H, segmentBytes: 2 ** 30 });
    expect(s.cluster).toMatchObject({ logRetentionCheckInterval: 300e6, offsetsRetention: 168 * H, offsetsRetentionCheckInterval: 600e6 });
    expect(s.producers[0].metadataMaxAge).toBe(300e6);
    expect(s.consumerGroups[0].metadataMaxAge).toBe(300e6);
  });

  it("take -1 for keep forever / no limit", () => {
    expect(load(", retentionMs: -1, retentionBytes: -1").topics[0]).toMatchObject({ retentionMs: -1, retentionBytes: -1 });
    expect(load(", retentionBytes: 10MiB").topics[0].retentionBytes).toBe(10 * 2 ** 20);
  });

  it("reject a bare number of milliseconds, at its line and column", () => {
    expect(() => load(", retentionMs: 5000")).toThrowError(/t\.yaml:5:\d+.*retentionMs/s);
  });

  it("reject 0 and other negative values, saying -1 is the way to write no limit", () => {
    expect(() => load(", retentionBytes: 0")).toThrowError(/or -1 for no limit/);
    expect(() => load(", retentionMs: -5s")).toThrowError(/t\.yaml:5/);
  });

  it("reject a zero check interval", () => {
    expect(() => load("", "cluster: { logRetentionCheckInterval: 0 }")).toThrowError(/logRetentionCheckInterval/);
  });
});
