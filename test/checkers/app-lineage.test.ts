// Pipeline lineage in the effect checkers: a record a stage produced is traced back to the input it came from.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { effectsNoLoss } from "../../src/checkers/app/exactly-once-effects.ts";

const scenario = loadScenarioText(
  `name: t
description: test.
duration: 10s
topics: [{ name: orders, partitions: 1 }, { name: enriched, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
stores: [{ name: ledger }]
consumerGroups:
  - { name: enrich, topic: orders, handler: [{ produce: { topic: enriched } }] }
  - { name: ship, topic: enriched, handler: [{ effect: { store: ledger } }] }
`,
  "t.yaml",
);

/** m0 on orders, handled by enrich-0, which produced m1 on enriched (acknowledged); ship never applies m1. */
function pipeline(withEffect: boolean) {
  const b = new HistoryBuilder();
  const m0 = b.send("p", "k1", "orders", 0);
  b.append(m0, 0, 0, 10).ack(m0, 0, 0, 20);
  const enrich0 = b.h.actor("enrich-0", "consumer");
  const m1 = b.send("enrich-0-producer-0", "k1", "enriched", 100);
  b.h.record(Op.AppProduced, 100, m1, enrich0, 0, m0, b.h.actorId("enriched")!);
  b.append(m1, 0, 0, 110).ack(m1, 0, 0, 120);
  const ship = b.h.actor("ship", "group");
  const ship0 = b.h.actor("ship-0", "consumer");
  b.h.record(Op.Deliver, 200, m1, ship0, 0, 0, ship);
  b.h.record(Op.ProcessStart, 200, m1, ship0, 0, 0, ship);
  if (withEffect) b.h.record(Op.AppEffect, 210, m1, ship0, ship, 0, b.h.actor("ledger", "store"));
  return { h: b.h, m0, m1 };
}

describe("pipeline lineage in effects-no-loss", () => {
  it("holds when the second stage applied the produced record's effect", () => {
    const v = effectsNoLoss(pipeline(true).h, scenario);
    expect(v.holds).toBe(true);
  });
  it("names the stage and the input record a missing effect's record was produced from", () => {
    const { h } = pipeline(false);
    const v = effectsNoLoss(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/^m-1 \(key k1\) was acknowledged at .* but ship never applied its effect: .*; produced by enrich-0 from m-0$/);
  });
});
