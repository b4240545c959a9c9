import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { joinCompleteness } from "../../src/checkers/join-completeness.ts";
import { tableAsOf } from "../../src/checkers/table-join-completeness.ts";

const scenario = (type: string) =>
  loadScenarioText(
    `name: t
description: A test of stream–table join outputs.
duration: 30s
topics: [{ name: orders, partitions: 1 }, { name: customers, partitions: 1 }, { name: enriched, partitions: 1 }]
producers: [{ name: shop, topic: orders, rate: 1/s }, { name: crm, topic: customers, rate: 1/s }]
processors:
  - applicationId: enrich
    topology:
      - source: orders
      - join: { with: customers, table: true, type: ${type} }
      - sink: enriched
`,
    "t.yaml",
  );

/** A record with event time tsMs, appended at appendMs and processed by the application at processMs. */
function rec(b: HistoryBuilder, producer: string, topic: string, key: string, tsMs: number, appendMs: number, offset: number, processMs?: number): number {
  const m = b.send(producer, key, topic, tsMs * 1000);
  b.h.record(Op.EventTime, tsMs * 1000, m, b.h.msgProducer[m], -1, tsMs);
  b.append(m, 0, offset, appendMs * 1000);
  if (processMs !== undefined) b.h.record(Op.ProcessEnd, processMs * 1000, m, b.h.actor("enrich-0", "consumer"), 0, offset, b.h.actor("enrich", "group"));
  return m;
}

function joined(b: HistoryBuilder, stream: number, table: number, atMs: number): void {
  const out = b.send("enrich-0-sink-producer", "k", "enriched", atMs * 1000);
  b.h.record(Op.JoinResult, atMs * 1000, out, b.h.actor("enrich", "group"), stream, 0, table);
}

describe("join-completeness for a stream–table join", () => {
  it("the batch answer is the latest table update stamped at or before the stream record (the last appended on a tie)", () => {
    const t = (msg: number, key: string, ts: number, appendUs: number) => ({ msg, key, ts, appendUs });
    const m = tableAsOf(
      [{ msg: 10, key: "k", ts: 100 }, { msg: 11, key: "k", ts: 99 }, { msg: 12, key: "x", ts: 100 }, { msg: 13, key: "k", ts: 49 }],
      [t(1, "k", 100, 5), t(2, "k", 50, 1), t(3, "k", 100, 2), t(4, "k", 101, 0)],
    );
    expect([...m]).toEqual([[10, 1], [11, 2], [12, -1], [13, -1]]);
  });

  it("holds when every stream record met the table as of its event time", () => {
    const b = new HistoryBuilder();
    const c1 = rec(b, "crm", "customers", "k", 100, 101, 0, 102);
    const c2 = rec(b, "crm", "customers", "k", 300, 301, 1, 302);
    const o1 = rec(b, "shop", "orders", "k", 200, 201, 0, 203);
    const o2 = rec(b, "shop", "orders", "k", 400, 401, 1, 402);
    rec(b, "shop", "orders", "q", 400, 401, 2, 402); // no value for q: an inner join owes nothing
    joined(b, o1, c1, 203);
    joined(b, o2, c2, 402);
    const v = joinCompleteness(b.h, scenario("inner"));
    expect(v.anomalies).toEqual([]);
    expect(v.checked).toBe(3);
  });

  it("names the update a stream record should have met when the table side lagged behind", () => {
    const b = new HistoryBuilder();
    const c1 = rec(b, "crm", "customers", "k", 100, 101, 0, 102);
    const c2 = rec(b, "crm", "customers", "k", 300, 2300, 1, 2301); // stamped 300 but reaches Kafka 2 s later
    const o = rec(b, "shop", "orders", "k", 400, 401, 0, 402);
    joined(b, o, c1, 402);
    const v = joinCompleteness(b.h, scenario("inner"));
    expect(v.anomalies.map((a) => a.kind)).toEqual(["join-wrong-value"]);
    expect(v.anomalies[0].messageIds).toEqual([o, c2, c1]);
    expect(v.anomalies[0].explanation).toContain(`was joined with ${b.h.messageName(c1)} (event time 100 ms) instead of the table update ${b.h.messageName(c2)} (event time 300 ms)`);
    expect(v.anomalies[0].explanation).toContain("the table side lagged by 1899 ms");
    expect(v.anomalies[0].explanation).toContain("reached the table topic only at 2300 ms, after the stream record was processed at 402 ms");
  });

  it("a left join's null value, and an inner join's missing output, while the table was still restoring", () => {
    const b = new HistoryBuilder();
    const c = rec(b, "crm", "customers", "k", 100, 101, 0, 900);
    const o = rec(b, "shop", "orders", "k", 200, 201, 0, 500);
    const app = b.h.actor("enrich", "group");
    b.h.record(Op.RestoreStart, 300_000, -1, b.h.actor("enrich-0", "consumer"), 0, 50, app);
    b.h.record(Op.RestoreEnd, 950_000, -1, b.h.actor("enrich-0", "consumer"), 0, 50, app);
    const inner = joinCompleteness(b.h, scenario("inner"));
    expect(inner.anomalies.map((a) => a.kind)).toEqual(["join-miss"]);
    expect(inner.anomalies[0].explanation).toContain("the table was still restoring (task 0 restored its store from 300 ms to 950 ms)");
    expect(inner.anomalies[0].explanation).toContain("processed only at 900 ms, 400 ms after the stream record");
    joined(b, o, -1, 500);
    const left = joinCompleteness(b.h, scenario("left"));
    expect(left.anomalies.map((a) => a.kind)).toEqual(["join-wrong-value"]);
    expect(left.anomalies[0].explanation).toContain(`was joined with no table value (null) instead of the table update ${b.h.messageName(c)}`);
  });

  it("flags a value joined before the key had one at the record's event time, and a record joined twice", () => {
    const b = new HistoryBuilder();
    const early = rec(b, "crm", "customers", "k", 500, 100, 0, 101); // stamped after the order, processed before it
    const o = rec(b, "shop", "orders", "k", 200, 201, 0, 202);
    joined(b, o, early, 202);
    const inner = joinCompleteness(b.h, scenario("inner"));
    expect(inner.anomalies.map((a) => a.kind)).toEqual(["join-spurious"]);
    expect(inner.anomalies[0].explanation).toContain("key k had no value yet at its event time");
    const left = joinCompleteness(b.h, scenario("left"));
    expect(left.anomalies.map((a) => a.kind)).toEqual(["join-wrong-value"]);
    expect(left.anomalies[0].explanation).toContain("the table ran ahead of the stream");
    joined(b, o, early, 9000);
    expect(joinCompleteness(b.h, scenario("inner")).anomalies.map((a) => a.kind)).toEqual(["join-duplicate", "join-spurious"]);
  });
});
