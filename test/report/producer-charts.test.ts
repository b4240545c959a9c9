import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { chartedProducers, producerChartSpecs, producerMetrics, MAX_PRODUCERS_CHARTED, type ProducerRunMetrics } from "../../src/report/producer-charts.ts";
import { buildFixtureResult } from "./fixture.ts";

const S = 1_000_000;

/** Two producers over 4 one-second buckets: "checkout" stalls in second 1 (its acks come in second 2). */
function stalledHistory() {
  const b = new HistoryBuilder();
  const h = b.h;
  const a = b.send("checkout", "k1", "orders", 0.1 * S);
  b.append(a, 0, 0, 0.102 * S).ack(a, 0, 0, 0.105 * S);
  const m1 = b.send("checkout", "k2", "orders", 1.1 * S);
  const m2 = b.send("checkout", "k3", "orders", 1.2 * S);
  const p = h.actorId("checkout")!;
  h.record(Op.ProduceError, 1.5 * S, m1, p, 0, -1, 7);
  h.record(Op.ProduceRetry, 1.6 * S, m1, p, 0, -1, 2);
  b.append(m1, 0, 1, 2.3 * S).ack(m1, 0, 1, 2.4 * S);
  b.append(m2, 0, 2, 2.3 * S).ack(m2, 0, 2, 2.6 * S);
  // An ack seen twice (a duplicate) counts once.
  b.ack(m2, 0, 2, 2.7 * S);
  const other = b.send("audit", "k9", "orders", 0.2 * S);
  b.append(other, 0, 3, 0.21 * S);
  h.record(Op.ProduceFail, 3.5 * S, other, h.actorId("audit")!);
  return h;
}

describe("producer metrics from the history", () => {
  it("measures send → ack per bucket of the ack, retries, errors and records awaiting an answer", () => {
    const [checkout, audit] = producerMetrics(stalledHistory(), S, 4);
    expect(checkout.producer).toBe("checkout");
    expect(checkout.ackWaitP50Us).toEqual([5_000, null, 1.3 * S, null]);
    expect(checkout.ackWaitP99Us).toEqual([5_000, null, 1.4 * S, null]);
    expect(checkout.retries).toEqual([0, 1, 0, 0]);
    expect(checkout.errors).toEqual([0, 1, 0, 0]);
    // The stall is where it happens: two records wait through second 1 and are answered in second 2.
    expect(checkout.inFlight).toEqual([0, 2, 0, 0]);
    expect(checkout.acknowledged).toBe(3);
    expect(checkout.maxAckWaitUs).toBe(1.4 * S);
    expect(checkout.maxInFlight).toBe(2);
    // A failed send ends the wait without an ack time.
    expect(audit.inFlight).toEqual([1, 1, 1, 0]);
    expect(audit.acknowledged).toBe(0);
    expect(audit.ackWaitP99UsOverall).toBeNull();
  });

  it("is empty for a history without producer rows", () => {
    expect(producerMetrics(new HistoryBuilder().h, S, 4)).toEqual([]);
  });

  it("charts at most a few producers, the ones with the highest peak in flight, in their own order", () => {
    const list = Array.from({ length: MAX_PRODUCERS_CHARTED + 2 }, (_, i) => ({ producer: `p${i}`, maxInFlight: i % 4 }) as ProducerRunMetrics);
    const shown = chartedProducers(list);
    expect(shown).toHaveLength(MAX_PRODUCERS_CHARTED);
    expect(shown.map((p) => p.producer)).toEqual(["p1", "p2", "p3", "p5", "p6", "p7"]);
    expect(shown.map((p) => list.indexOf(p))).toEqual([...shown.map((p) => list.indexOf(p))].sort((a, b) => a - b));
  });

  it("builds three time charts with a legend entry per producer series", () => {
    const result = buildFixtureResult();
    const n = result.metrics.series.t.length;
    const base = producerMetrics(stalledHistory(), S, 4)[0];
    const stretch = <T>(xs: T[]) => Array.from({ length: n }, (_, i) => xs[i % xs.length]);
    result.metrics.producers = [{ ...base, ackWaitP50Us: stretch(base.ackWaitP50Us), ackWaitP99Us: stretch(base.ackWaitP99Us), retries: stretch(base.retries), errors: stretch(base.errors), inFlight: stretch(base.inFlight) }];
    const specs = producerChartSpecs(result, (o) => o);
    expect(Object.keys(specs)).toEqual(["producer-ack-wait", "producer-retries", "producer-in-flight"]);
    const ack = specs["producer-ack-wait"] as { series: { label: string }[]; rows: Record<string, number | null>[] };
    expect(ack.series.map((s) => s.label)).toEqual(["checkout p50", "checkout p99"]);
    expect(ack.rows[2]).toMatchObject({ a0: 1300, b0: 1400 });
    expect(producerChartSpecs(buildFixtureResult(), (o) => o)).toEqual({});
  });
});
