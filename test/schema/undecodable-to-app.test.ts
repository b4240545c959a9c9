// An undecodable record in a group with application error handling: the application's failure entry point
// takes it (a deserialization error, not retryable) instead of the local onUndecodable policy.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";

const V1 = "{ type: record, name: Order, fields: [{ name: id, type: long }, { name: amount, type: double }] }";
const V2_NO_AMOUNT = "{ type: record, name: Order, fields: [{ name: id, type: long }] }";

/** 50/s for 4s on one partition; the producer upgrades to a schema v1 readers cannot read at 2s (100 records). */
function run(errorHandling: string | undefined, onUndecodable = "crash-loop") {
  const s = loadScenarioText(
    `name: t
description: A NONE-mode upgrade met by application error handling.
duration: 4s
drain: 4s
network: { latency: 2ms }
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 50/s, arrivals: constant }]
consumerGroups:
  - name: g
    topic: orders
    members: 1
    sessionTimeout: 3s
    heartbeatInterval: 1s
    handler: [{ process: 1ms }]
    recovery: { lagThreshold: 10 }
${errorHandling === undefined ? "" : `    errorHandling: ${errorHandling}\n`}schemaRegistry:
  compatibility: NONE
  schemas: { v1: ${V1}, v2: ${V2_NO_AMOUNT} }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1, onUndecodable: ${onUndecodable}, restartBackoff: 500ms }]
  upgrades: [{ at: 2s, producer: p, schema: v2 }]
`,
    "t.yaml",
  );
  return runScenario(s, { seed: 1, file: "t.yaml" });
}

const rows = (h: History, op: Op) => {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === op) out.push(i);
  return out;
};
const msgs = (h: History, op: Op) => rows(h, op).map((i) => h.opMsg[i]).sort((a, b) => a - b);

describe("an undecodable record with the application's error handling", () => {
  it("is dead-lettered to <topic>.DLT with the decode error, the group moves on and its lag drains", () => {
    const { result, history: h } = run("{ mode: blocking }");
    const failed = msgs(h, Op.DecodeFailed);
    expect(failed).toHaveLength(100);
    expect(rows(h, Op.UndecodableHandled).every((i) => h.opPartition[i] === 3)).toBe(true);
    // No crash loop: the member never dies, and nothing is retried in place (not retryable).
    expect(rows(h, Op.ConsumerCrashed)).toHaveLength(0);
    const dlt = rows(h, Op.AppDeadLetter);
    expect(dlt.map((i) => h.opMsg[i]).sort((a, b) => a - b)).toEqual(failed);
    expect(dlt.every((i) => h.actorNames[h.opAux[i]] === "orders.DLT" && h.opOffset[i] === 1)).toBe(true);
    // Every record, decodable or not, was processed once: the committed offsets move past the dead letters.
    expect(msgs(h, Op.ProcessEnd)).toHaveLength(200);
    const verdict = (n: string) => result.verdicts.find((v) => v.invariant === n)!;
    expect(verdict("liveness-lag-drains").holds).toBe(true);
    expect(verdict("no-loss").holds).toBe(true);
    // Still undecodable records, and the anomaly says what the application did with each.
    const nu = verdict("no-undecodable");
    expect(nu.holds).toBe(false);
    expect(nu.anomalies[0]!.explanation).toContain("dead-lettered to orders.DLT");
    // The dead-letter accounting (report, `brokersim dlq`) shows the cause as deserialize.
    const app = result.metrics.app!;
    expect(app.deadLetterCount).toBe(100);
    expect(app.deadLetters.every((d) => d.destination === "orders.DLT" && d.step === "-1:deserialize")).toBe(true);
    expect(app.deadLetters[0]!.exception).toMatch(/^DeserializationException \(RESOLUTION\): /);
    expect(new Set(app.triage.map((t) => t.cause)).size).toBe(1);
    expect(app.triage[0]!.cause).toMatch(/^-1:deserialize: DeserializationException/);
  });

  it("retry-topics sends it straight to <topic>-dlt, skipping the retry topics", () => {
    const { history: h } = run("{ mode: retry-topics }");
    expect(rows(h, Op.AppRetryTopic)).toHaveLength(0);
    const dlt = rows(h, Op.AppDeadLetter);
    expect(dlt).toHaveLength(100);
    expect(h.actorNames[h.opAux[dlt[0]!]]).toBe("orders-dlt");
  });

  it("skip passes over it, lost by policy, and the anomaly says so", () => {
    const { result, history: h } = run("{ mode: skip }");
    expect(rows(h, Op.AppSkipped)).toHaveLength(100);
    expect(rows(h, Op.ConsumerCrashed)).toHaveLength(0);
    expect(result.metrics.app!.skipped).toBe(100);
    expect(result.verdicts.find((v) => v.invariant === "no-undecodable")!.anomalies[0]!.explanation).toContain("skipped (lost by policy)");
  });

  it("stop stalls the member at the first one: nothing after it is processed", () => {
    const { result, history: h } = run("{ mode: stop }");
    const stalled = rows(h, Op.AppStalled);
    expect(stalled).toHaveLength(1);
    expect(h.opMsg[stalled[0]!]).toBe(msgs(h, Op.DecodeFailed)[0]);
    expect(msgs(h, Op.ProcessEnd)).toHaveLength(100);
    expect(rows(h, Op.ConsumerCrashed)).toHaveLength(0);
    expect(result.verdicts.find((v) => v.invariant === "liveness-lag-drains")!.holds).toBe(false);
    expect(result.verdicts.find((v) => v.invariant === "no-undecodable")!.anomalies[0]!.explanation).toContain("the member stopped at it");
  });

  it("without errorHandling the local policy stays: a handler alone does not catch a failing poll", () => {
    const { history: h } = run(undefined);
    expect(rows(h, Op.AppDeadLetter)).toHaveLength(0);
    expect(rows(h, Op.ConsumerCrashed).length).toBeGreaterThanOrEqual(2);
    expect(rows(h, Op.UndecodableHandled).every((i) => h.opPartition[i] === 0)).toBe(true);
  });
});
