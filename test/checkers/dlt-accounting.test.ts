// dlt-accounting on tiny hand-made histories: handled, dead-lettered after its attempts, neither, too early.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { dltAccounting } from "../../src/checkers/app/dlt-accounting.ts";

const s = loadScenarioText(
  `name: t
description: test.
duration: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
consumerGroups:
  - name: shipping
    topic: orders
    handler: [{ process: 1ms }, { fail: { keys: [k1] } }]
    errorHandling: { mode: blocking, backOff: { maxRetries: 2 } }
`,
  "t.yaml",
);

function base() {
  const b = new HistoryBuilder();
  const m = b.send("p", "k1", "orders", 0);
  b.append(m, 0, 0, 100).ack(m, 0, 0, 200);
  const h = b.h;
  const g = h.actor("shipping", "group");
  const c = h.actor("shipping-0", "consumer");
  const dlt = h.actor("orders.DLT", "topic");
  h.record(Op.Deliver, 1000, m, c, 0, 0, g);
  const fail = (t: number, attempt: number) => h.record(Op.AppHandlerFailed, t, m, c, 1, attempt, g);
  const deadLetter = (t: number, attempts: number) => h.record(Op.AppDeadLetter, t, m, c, 0, attempts, dlt);
  return { h, m, g, c, fail, deadLetter };
}

describe("dlt-accounting", () => {
  it("holds for a handled record", () => {
    const x = base();
    x.h.record(Op.AppHandlerDone, 2000, x.m, x.c, 0, 1, x.g);
    const v = dltAccounting(x.h, s);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("holds for a record dead-lettered after every attempt", () => {
    const x = base();
    for (let a = 1; a <= 3; a++) x.fail(1000 + a, a);
    x.deadLetter(2000, 3);
    const v = dltAccounting(x.h, s);
    expect(v.holds).toBe(true);
    expect(v.summary).toMatch(/1 dead-lettered/);
  });

  it("names a record neither handled nor dead-lettered", () => {
    const x = base();
    x.fail(1001, 1);
    const v = dltAccounting(x.h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("unaccounted");
    expect(v.anomalies[0].explanation).toMatch(/neither handled it nor sent it to a DLT: it was delivered and its handler failed 1 time/);
  });

  it("names a record dead-lettered before its attempts were spent, or without a failure", () => {
    const x = base();
    x.fail(1001, 1);
    x.deadLetter(2000, 1);
    const v = dltAccounting(x.h, s);
    expect(v.anomalies.map((a) => a.kind)).toEqual(["dead-lettered-early"]);
    expect(v.anomalies[0].explanation).toMatch(/to orders\.DLT at 0\.002s after 1 attempt\(s\); its back-off allows 3/);
    const y = base();
    y.deadLetter(2000, 3);
    expect(dltAccounting(y.h, s).anomalies[0].kind).toBe("dead-lettered-without-failure");
  });
});
