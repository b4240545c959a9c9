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
});
