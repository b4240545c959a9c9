// The produce step: a two-stage pipeline where stage one's handler writes each record to another topic through a
// normal Kafka producer (waiting for the ack), and a second group reads that topic.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op } from "../../../src/history/history.ts";

const yaml = (producer = "{ acks: all }", extra = "") => `name: t
description: A test.
duration: 5s
drain: 15s
topics: [{ name: orders, partitions: 3 }, { name: enriched, partitions: 3 }]
producers: [{ name: p, topic: orders, rate: 100/s, keys: { count: 30 } }]
consumerGroups:
  - name: enrich
    topic: orders
    members: 2
    handler:
      - process: 2ms
      - produce: { topic: enriched, producer: ${producer} }
  - name: ship
    topic: enriched
    members: 2
${extra}`;

describe("produce step", () => {
  it("feeds a second group through the output topic; each handler ends after its record's ack", () => {
    const { history: h, result } = runScenario(loadScenarioText(yaml(), "t.yaml"), { seed: 1, file: "t.yaml" });
    const enrich = h.actorId("enrich")!, ship = h.actorId("ship")!;
    const enrichedTopic = h.actorId("enriched")!;
    let inputs = 0, outputs = 0, shipped = 0;
    const ackAt = new Map<number, number>();
    const outByMember: number[] = [];
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i], m = h.opMsg[i];
      if (k === Op.ProcessEnd && h.opAux[i] === enrich) inputs++;
      if (k === Op.ProcessEnd && h.opAux[i] === ship) shipped++;
      if (k === Op.Ack && m >= 0 && h.msgTopic[m] === enrichedTopic) ackAt.set(m, h.opTimeUs[i]);
      if (k === Op.ProduceAttempt && m >= 0 && h.msgTopic[m] === enrichedTopic) {
        outputs++;
        outByMember.push(m);
      }
    }
    expect(inputs).toBeGreaterThan(400);
    expect(outputs).toBe(inputs);
    expect(shipped).toBe(outputs);
    // The handler (AppHandlerDone) never finishes before its output was acknowledged.
    let checked = 0;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] !== Op.AppHandlerDone || h.opAux[i] !== enrich) continue;
      const out = outByMember[checked++];
      expect(ackAt.get(out)).toBeLessThanOrEqual(h.opTimeUs[i]);
    }
    expect(checked).toBe(inputs);
    // Keys carry through the stage.
    expect(h.keyOf(outByMember[0])).toMatch(/^key-/);
    for (const inv of ["no-loss", "per-key-order"]) expect(result.verdicts.find((v) => v.invariant === inv)?.holds).toBe(true);
  });

  it("refuses an unknown output topic and bad producer settings, with their place", () => {
    const bad = (producer: string, topicFix = (s: string) => s) => () => loadScenarioText(topicFix(yaml(producer)), "t.yaml");
    expect(bad("{ acks: all }", (s) => s.replace("produce: { topic: enriched", "produce: { topic: enrichd"))).toThrow(/no topic named "enrichd"[\s\S]*did you mean `enriched`/);
    expect(bad("{ acks: 2 }")).toThrow(/handler\[1\]\.produce\.producer\.acks/);
    expect(bad("{ lingerMs: 5, colour: red }")).toThrow(/producer setting/);
  });

  it("links each output record to its input: an AppProduced row per send, and the dead-letter rows of the next stage", () => {
    const text = yaml("{ acks: all }").replace("  - name: ship\n    topic: enriched\n    members: 2\n", "  - name: ship\n    topic: enriched\n    members: 2\n    handler:\n      - fail: { keys: [key-3] }\n");
    const { history: h, result } = runScenario(loadScenarioText(text, "t.yaml"), { seed: 1, file: "t.yaml" });
    const orders = h.actorId("orders")!, enriched = h.actorId("enriched")!;
    const handled = new Set<number>();
    const inputOf = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.ProcessStart && h.msgTopic[h.opMsg[i]] === orders) handled.add(h.opMsg[i]);
      if (h.opKind[i] !== Op.AppProduced) continue;
      const out = h.opMsg[i], input = h.opOffset[i];
      expect(h.msgTopic[out]).toBe(enriched);
      expect(h.opAux[i]).toBe(enriched);
      expect(h.actorNames[h.opActor[i]]).toMatch(/^enrich-\d$/);
      expect(handled.has(input)).toBe(true); // produced while its input was being handled
      expect(h.keyOf(out)).toBe(h.keyOf(input));
      inputOf.set(out, input);
    }
    expect(inputOf.size).toBeGreaterThan(400);
    // The second stage dead-letters key-3: each DLT row names the stage-one input its record was made from.
    const dead = result.metrics.app!.deadLetters;
    expect(dead.length).toBeGreaterThan(0);
    for (const d of dead) {
      expect(d.key).toBe("key-3");
      expect(d.producedFrom).toBe(inputOf.get(d.msg));
    }
  });

  it("a member's crash takes its producer with it: batches still lingering are never sent; after the restart a new producer sends", () => {
    const text = yaml("{ acks: all, lingerMs: 1500ms }", "faults:\n  - { at: 2500ms, crash: enrich-0, for: 1s }\n").replace("    members: 2\n    handler:", "    members: 2\n    staticMembership: true\n    handler:");
    const { history: h } = runScenario(loadScenarioText(text, "t.yaml"), { seed: 1, file: "t.yaml" });
    const appended = new Map<number, number>();
    const produced: [number, number][] = [];
    const member = h.actorId("enrich-0")!;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.Append && !appended.has(h.opMsg[i])) appended.set(h.opMsg[i], h.opTimeUs[i]);
      if (h.opKind[i] === Op.AppProduced && h.opActor[i] === member) produced.push([h.opMsg[i], h.opTimeUs[i]]);
    }
    // Nothing the old process handed its producer reaches the log after the crash (beyond a request already on
    // the wire), and what was still lingering in the accumulator never does.
    const before = produced.filter(([, t]) => t < 2_500_000);
    expect(before.length).toBeGreaterThan(0);
    for (const [m] of before) if (appended.has(m)) expect(appended.get(m)!).toBeLessThan(2_550_000);
    expect(before.filter(([m]) => !appended.has(m)).length).toBeGreaterThan(0);
    // The restarted member produces again through a new instance, and those records reach the log.
    const after = produced.filter(([, t]) => t >= 3_500_000 && t < 18_000_000); // the last may still linger at the end
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter(([m]) => appended.has(m)).length).toBe(after.length);
  });
});
