// The application-layer checkers on tiny hand-made histories, with and without their anomaly.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { exactlyOnceEffects, effectsNoLoss } from "../../src/checkers/app/exactly-once-effects.ts";
import { downstreamLoad } from "../../src/checkers/app/downstream-load.ts";

function scenario(dedup: string | undefined, extra = "") {
  return loadScenarioText(
    `name: t
description: test.
duration: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
stores: [{ name: ledger }]
services: [{ name: payments }]
consumerGroups:
  - name: billing
    topic: orders
    handler:
${dedup ? `      - dedup: ${dedup}\n` : ""}      - effect: { store: ledger }
${extra}`,
    "t.yaml",
  );
}

/** One acknowledged message m on orders, delivered to billing-0. */
function base() {
  const b = new HistoryBuilder();
  const m = b.send("p", "k1", "orders", 0);
  b.append(m, 0, 0, 100).ack(m, 0, 0, 200);
  const h = b.h;
  const g = h.actor("billing", "group");
  const c0 = h.actor("billing-0", "consumer");
  const c1 = h.actor("billing-1", "consumer");
  const store = h.actor("ledger", "store");
  const deliver = (c: number, t: number) => {
    h.record(Op.Deliver, t, m, c, 0, 0, g);
    h.record(Op.ProcessStart, t, m, c, 0, 0, g);
  };
  const effect = (c: number, t: number, mode = 0) => h.record(Op.AppEffect, t, m, c, g, mode, store);
  return { b, h, m, g, c0, c1, store, deliver, effect };
}

describe("exactly-once-effects", () => {
  it("holds when the acknowledged message's effect is applied once", () => {
    const x = base();
    x.deliver(x.c0, 1000);
    x.effect(x.c0, 2000);
    const v = exactlyOnceEffects(x.h, scenario(undefined));
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("names both applications and 'no dedup step' when there is none", () => {
    const x = base();
    x.deliver(x.c0, 1000);
    x.effect(x.c0, 2000);
    x.deliver(x.c1, 5000);
    x.effect(x.c1, 6000);
    const v = exactlyOnceEffects(x.h, scenario(undefined));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("duplicate-effect");
    expect(v.anomalies[0].explanation).toMatch(/by billing-0 at 0\.002s and by billing-1 at 0\.006s; the handler has no dedup step/);
    // At-least-once effects accept the duplicate.
    expect(effectsNoLoss(x.h, scenario(undefined)).holds).toBe(true);
  });

  it("says the TTL expired when the redelivery's dedup check found an expired key", () => {
    const x = base();
    x.deliver(x.c0, 1000);
    x.h.record(Op.AppDedupMiss, 1100, x.m, x.c0, x.g, 0, x.store);
    x.effect(x.c0, 2000, 1);
    x.h.record(Op.AppDedupMark, 2000, x.m, x.c0, x.g, 2000 + 1_000_000, x.store);
    x.deliver(x.c1, 5_000_000);
    x.h.record(Op.AppDedupMiss, 5_000_100, x.m, x.c1, x.g, 1, x.store);
    x.effect(x.c1, 5_001_000, 1);
    const v = exactlyOnceEffects(x.h, scenario("{ store: ledger, ttl: 1s, atomic: true }"));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/TTL \(1\.000s\) ran out .* 4\.998s after it was written/);
  });

  it("says the member's memory table was lost in its crash", () => {
    const x = base();
    x.deliver(x.c0, 1000);
    x.h.record(Op.AppDedupMiss, 1100, x.m, x.c0, x.g, 0, -1);
    x.effect(x.c0, 2000, 2);
    x.h.record(Op.AppDedupMark, 2100, x.m, x.c0, x.g, 1e12, -1);
    x.h.record(Op.ConsumerCrashed, 3000, -1, x.c0, -1, 1, x.g);
    x.deliver(x.c0, 9000);
    x.h.record(Op.AppDedupMiss, 9100, x.m, x.c0, x.g, 0, -1);
    x.effect(x.c0, 9500, 2);
    const v = exactlyOnceEffects(x.h, scenario("{ store: memory }"));
    expect(v.anomalies[0].explanation).toMatch(/in billing-0's memory and was lost when it crashed at 0\.003s/);
  });

  it("says check-then-act gap when the effect committed but the key was never written", () => {
    const x = base();
    x.deliver(x.c0, 1000);
    x.h.record(Op.AppDedupMiss, 1100, x.m, x.c0, x.g, 0, x.store);
    x.effect(x.c0, 2000, 2);
    x.h.record(Op.ConsumerCrashed, 2500, -1, x.c0, -1, 1, x.g);
    x.deliver(x.c1, 9000);
    x.h.record(Op.AppDedupMiss, 9100, x.m, x.c1, x.g, 0, x.store);
    x.effect(x.c1, 9500, 2);
    const v = exactlyOnceEffects(x.h, scenario("{ store: ledger }"));
    expect(v.anomalies[0].explanation).toMatch(/check-then-act gap: the effect committed at 0\.002s .*billing-0 crashed at 0\.003s/);
  });

  it("names a missing effect's fate: dead-lettered, skipped, or lost upstream", () => {
    const dlt = base();
    dlt.deliver(dlt.c0, 1000);
    dlt.h.record(Op.AppHandlerFailed, 1500, dlt.m, dlt.c0, 0, 1, dlt.g);
    dlt.h.record(Op.AppDeadLetter, 2000, dlt.m, dlt.c0, 0, 10, dlt.h.actor("orders.DLT", "topic"));
    const v = exactlyOnceEffects(dlt.h, scenario(undefined));
    expect(v.anomalies[0].kind).toBe("missing-effect");
    expect(v.anomalies[0].explanation).toMatch(/dead-lettered to orders\.DLT after 10 attempt\(s\)/);
    expect(effectsNoLoss(dlt.h, scenario(undefined)).holds).toBe(false);

    const skip = base();
    skip.deliver(skip.c0, 1000);
    skip.h.record(Op.AppSkipped, 2000, skip.m, skip.c0, 0, 1, skip.g);
    expect(effectsNoLoss(skip.h, scenario(undefined)).anomalies[0].explanation).toMatch(/skipped by the error handler .*lost by policy/);

    const lost = base();
    expect(effectsNoLoss(lost.h, scenario(undefined)).anomalies[0].explanation).toMatch(/never delivered to billing \(lost upstream\)/);
  });
});

describe("downstream-load", () => {
  const sc = (bound: string) =>
    loadScenarioText(
      `name: t
description: test.
duration: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
services: [{ name: payments }]
expect: { downstream: { payments: ${bound} } }
`,
      "t.yaml",
    );
  function calls(times: [number, number][]) {
    const b = new HistoryBuilder();
    const m = b.send("p", "k", "orders", 0);
    const svc = b.h.actor("payments", "service");
    const c = b.h.actor("billing-0", "consumer");
    for (const [t, attempt] of times) b.h.record(Op.AppCallStart, t, m, c, attempt, -1, svc);
    return b.h;
  }

  it("holds when no window exceeds the bound", () => {
    const h = calls([[0, 1], [1_000_000, 1], [2_000_000, 1]]);
    expect(downstreamLoad(h, sc("{ maxRate: 1/s, window: 1s }")).holds).toBe(true);
  });

  it("names the peak, when, and the calls by attempt number", () => {
    const h = calls([[0, 1], [100_000, 2], [200_000, 2], [300_000, 3], [5_000_000, 1]]);
    const v = downstreamLoad(h, sc("{ maxRate: 2/s, window: 1s }"));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/offered 4 call\(s\) in the 1\.000s ending at 0\.300s .*bound 2\/s.*3 of them retries: 1 first attempt\(s\), 2 attempt #2, 1 attempt #3/);
  });
});
