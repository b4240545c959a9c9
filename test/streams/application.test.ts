import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";

const scenario = (processor: string, extra = "") =>
  loadScenarioText(
    `name: t
description: A stream processor under test.
duration: 12s
drain: 8s
topics: [{ name: in, partitions: 2 }, { name: out, partitions: 2 }]
producers:
  - { name: p, topic: in, rate: 100/s, keys: { count: 4 }, eventTime: { skew: { uniform: { min: 0ms, max: 500ms } } } }
processors:
  - applicationId: app
    sessionTimeout: 3s
    heartbeatInterval: 1s
    commitInterval: 2s
    ${processor}
    topology: [{ source: in }, { aggregate: { window: { tumbling: 2s }, grace: 1s } }, { sink: out }]
${extra}`,
    "t.yaml",
  );

function rows(h: History, op: Op): number[] {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === op) out.push(i);
  return out;
}

describe("a Kafka Streams application on the simulated cluster", () => {
  it("with no faults and grace above the disorder, emits every window as the batch computes it", () => {
    const { result, history: h } = runScenario(scenario("instances: 2"), { seed: 3, file: "t.yaml" });
    const v = result.verdicts.find((x) => x.invariant === "window-results-match")!;
    expect(v.holds).toBe(true);
    expect(v.checked).toBeGreaterThan(10);
    // The producer stamps every record it sends; results go to the sink as ordinary records.
    expect(rows(h, Op.WindowResult).length).toBeGreaterThan(0);
    const sinkAppends = rows(h, Op.Append).filter((i) => h.actorNames[h.msgTopic[h.opMsg[i]]] === "out");
    expect(sinkAppends.length).toBe(rows(h, Op.WindowResult).length);
    expect(result.metrics.processors?.[0].changelogRecords.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("after an instance crash, restores the moved tasks from the changelog and counts uncommitted records twice", () => {
    const { result, history: h } = runScenario(scenario("instances: 2", "faults: [{ at: 5s, crash: app-1 }]"), { seed: 3, file: "t.yaml" });
    const restores = rows(h, Op.RestoreStart);
    expect(restores.length).toBeGreaterThan(0);
    expect(h.actorNames[h.opActor[restores[0]]]).toBe("app-0");
    expect(h.opOffset[restores[0]]).toBeGreaterThan(0);
    expect(rows(h, Op.RestoreEnd).length).toBe(restores.length);
    const v = result.verdicts.find((x) => x.invariant === "window-results-match")!;
    expect(v.holds).toBe(false);
    expect(v.anomalies.some((a) => a.kind === "window-double-count" && a.explanation.includes("after the crash of app-1 at 5.000s"))).toBe(true);
  });

  it("with a standby replica, the surviving instance restores nothing", () => {
    const { history: h } = runScenario(scenario("instances: 2\n    numStandbyReplicas: 1", "faults: [{ at: 5s, crash: app-1 }]"), { seed: 3, file: "t.yaml" });
    const restores = rows(h, Op.RestoreStart);
    expect(restores.length).toBeGreaterThan(0);
    for (const i of restores) expect(h.opOffset[i]).toBe(0);
  });

  it("is deterministic: the same seed gives the same run", () => {
    const a = runScenario(scenario("instances: 2", "faults: [{ at: 5s, crash: app-1 }]"), { seed: 9, file: "t.yaml" });
    const b = runScenario(scenario("instances: 2", "faults: [{ at: 5s, crash: app-1 }]"), { seed: 9, file: "t.yaml" });
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
  });
});
