import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op } from "../../src/history/history.ts";

// An exactly-once counter emitting every update, read by a read_committed group: its records become visible
// only when the processor's transaction commits, every commitInterval.
const run = (commitInterval: string | undefined) => {
  const scenario = loadScenarioText(
    `name: t
description: commit.interval under exactly_once_v2.
duration: 6s
drain: 3s
topics: [{ name: in, partitions: 2 }, { name: out, partitions: 2 }]
producers:
  - { name: p, topic: in, rate: 50/s, keys: { count: 4 } }
processors:
  - applicationId: app
    processingGuarantee: exactly_once_v2
    ${commitInterval ? `commitInterval: ${commitInterval}` : ""}
    topology: [{ source: in }, { aggregate: { window: { tumbling: 1s }, grace: 5s } }, { sink: out }]
consumerGroups:
  - { name: reader, topic: out, members: 1, isolationLevel: read_committed }
`,
    "t.yaml",
  );
  const { history: h, result } = runScenario(scenario, { seed: 1, file: "t.yaml" });
  const producer = h.actorId("app-0-producer");
  let commits = 0;
  const waits: number[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === Op.TxnCommit && h.opActor[i] === producer) commits++;
    if (h.opKind[i] === Op.ProcessStart && h.actorNames[h.opActor[i]].startsWith("reader")) waits.push(h.opTimeUs[i] - h.msgCreatedUs[h.opMsg[i]]);
  }
  waits.sort((a, b) => a - b);
  const holds = (inv: string) => result.verdicts.find((v) => v.invariant === inv)!.holds;
  return { commits, p50Us: waits[waits.length >> 1], read: waits.length, exact: holds("window-results-match") };
};

describe("commitInterval under exactly_once_v2", () => {
  it("commits every interval (100 ms by default), not per batch, and a read_committed reader waits longer as it grows", () => {
    const byDefault = run(undefined);
    const tenth = run("100ms");
    const second = run("1s");
    const fiveSeconds = run("5s");
    // The default is Kafka Streams' 100 ms under exactly-once: the same run as an explicit 100ms.
    expect(byDefault).toEqual(tenth);
    // About one transaction per interval over the ~6 s of input (never one per poll batch, of which there are far more).
    expect(tenth.commits).toBeGreaterThanOrEqual(40);
    expect(tenth.commits).toBeLessThan(80);
    expect(second.commits).toBeGreaterThanOrEqual(5);
    expect(second.commits).toBeLessThanOrEqual(9);
    expect(fiveSeconds.commits).toBeLessThanOrEqual(2);
    // Results are visible only once their transaction commits: on average half an interval later.
    expect(tenth.p50Us).toBeLessThan(100_000);
    expect(second.p50Us).toBeGreaterThan(300_000);
    expect(second.p50Us).toBeLessThan(1_000_000);
    expect(fiveSeconds.p50Us).toBeGreaterThan(1_500_000);
    for (const r of [tenth, second]) {
      expect(r.read).toBe(tenth.read);
      expect(r.exact).toBe(true);
    }
    // With 5 s the transaction open when the run ends has not committed: its results are still invisible.
    expect(fiveSeconds.read).toBeLessThan(tenth.read);
    expect(fiveSeconds.exact).toBe(false);
  });
});
