// no-undecodable and no-silent-defaults on tiny hand-made histories, with and without their anomaly.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { noUndecodable } from "../../src/checkers/no-undecodable.ts";
import { noSilentDefaults } from "../../src/checkers/no-silent-defaults.ts";

const scenario = loadScenarioText(
  `name: t
description: Hand-made histories for the schema checkers.
duration: 1s
topics: [{ name: orders }]
producers: [{ name: p, topic: orders, rate: 10/s }]
consumerGroups: [{ name: g, topic: orders }]
schemaRegistry:
  compatibility: NONE
  schemas:
    v1: { type: record, name: Order, fields: [{ name: id, type: long }, { name: customer, type: string, default: "" }, { name: amount, type: double }] }
    v2: { type: record, name: Order, fields: [{ name: id, type: long }, { name: buyer, type: string, default: "" }] }
  producers: [{ producer: p, schema: v1 }]
  consumers: [{ group: g, schema: v1 }]
`,
  "inline.yaml",
);

/** v1 registered as id 1 (version 1), v2 as id 2 (version 2), one message appended at orders/0@0. */
function base() {
  const b = new HistoryBuilder();
  const m = b.send("p", "k", "orders", 0);
  b.append(m, 0, 0, 10).ack(m, 0, 0, 20);
  const h = b.h;
  const p = h.actorId("p")!;
  const topic = h.actorId("orders")!;
  h.record(Op.SchemaRegistered, 1, -2 - topic, p, 1, 1, 0);
  h.record(Op.SchemaRegistered, 2, -2 - topic, p, 2, 2, 1);
  const g = h.actor("g", "group");
  const c = h.actor("g-0", "consumer");
  return { b, h, m, g, c };
}

describe("no-undecodable", () => {
  it("holds when every received record decoded and its schemas resolve", () => {
    const { h, m, g, c } = base();
    h.record(Op.Decoded, 30, m, c, 0, 1, g);
    const v = noUndecodable(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("names the writer id and version, the reader version and the resolution error of a failed decode", () => {
    const { h, m, g, c } = base();
    h.record(Op.DecodeFailed, 30, m, c, 0, 2, g);
    h.record(Op.UndecodableHandled, 30, m, c, 0, -1, g);
    const v = noUndecodable(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies).toHaveLength(1);
    const a = v.anomalies[0]!;
    expect(a.kind).toBe("undecodable");
    expect(a.offsets).toEqual([0]);
    expect(a.explanation).toContain('written with "v2" (id 2, orders-value version 2)');
    expect(a.explanation).toContain('read with "v1" (orders-value version 1)');
    expect(a.explanation).toContain("Order.amount READER_FIELD_MISSING_DEFAULT_VALUE");
    expect(a.explanation).toContain("the member crashed");
  });

  it("reports a record decoded although its schemas do not resolve (a model bug, not hidden)", () => {
    const { h, m, g, c } = base();
    h.record(Op.Decoded, 30, m, c, 0, 2, g);
    const v = noUndecodable(h, scenario);
    expect(v.anomalies.map((a) => a.kind)).toEqual(["decoded-unresolvable"]);
  });

  it("says what the application's error handling did with a record handed to it", () => {
    const { h, m, g, c } = base();
    h.record(Op.DecodeFailed, 30, m, c, 0, 2, g);
    h.record(Op.UndecodableHandled, 30, m, c, 3, -1, g);
    h.record(Op.AppDeadLetter, 31, m, c, 0, 1, h.actor("orders.DLT", "topic"));
    const v = noUndecodable(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0]!.explanation).toMatch(/handed to the application's error handling \(not retryable\): dead-lettered to orders\.DLT at /);
  });

  it("says when the application had not decided about a record handed to it by the end", () => {
    const { h, m, g, c } = base();
    h.record(Op.DecodeFailed, 30, m, c, 0, 2, g);
    h.record(Op.UndecodableHandled, 30, m, c, 3, -1, g);
    expect(noUndecodable(h, scenario).anomalies[0]!.explanation).toContain("had not decided by the end of the run");
  });

  it("explains a value that is not in the wire format", () => {
    const { h, m, g, c } = base();
    h.record(Op.DecodeFailed, 30, m, c, 0, -1, g);
    expect(noUndecodable(h, scenario).anomalies[0]!.explanation).toMatch(/not in the wire format/);
  });
});

describe("no-silent-defaults", () => {
  it("holds when the reader found every field in the data", () => {
    const { h, m, g, c } = base();
    h.record(Op.Decoded, 30, m, c, 0, 1, g);
    expect(noSilentDefaults(h, scenario).holds).toBe(true);
  });

  it("flags a v1 reader of v2 data: customer came out as its default (renamed to buyer without alias)", () => {
    const { h, m, g, c, b } = base();
    // Reader v1 with writer v2 does not resolve (amount), so use a reader that does: v2 reading v1 data.
    h.record(Op.Decoded, 30, m, c, 1, 1, g);
    const m2 = b.send("p", "k", "orders", 40);
    b.append(m2, 0, 1, 41);
    h.record(Op.Decoded, 50, m2, c, 1, 1, g);
    const v = noSilentDefaults(h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0]!.messageIds).toEqual([m, m2]);
    expect(v.anomalies[0]!.explanation).toMatch(/group g read 2 record\(s\) written with "v1" \(id 1, orders-value version 1\) using "v2" \(orders-value version 2\).*field "buyer"/);
  });
});
