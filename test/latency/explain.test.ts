import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { collectLatencyRecords, retriesPerMessage } from "../../src/latency/phases.ts";
import { explainTail } from "../../src/latency/explain.ts";
import type { FaultWindow } from "../../src/report/result-types.ts";

const MS = 1000;

/** n records on partition p with key k, each taking `lat` ms, mostly waiting in the log. */
function records(b: HistoryBuilder, n: number, opts: { p: number; key: (i: number) => string; fromMs: number; latMs: number; fetchedEarly?: boolean }) {
  const h = b.h;
  const g = h.actor("billing", "group");
  const c = h.actor("billing-0", "consumer");
  for (let i = 0; i < n; i++) {
    const t = opts.fromMs + i;
    const m = b.send("checkout", opts.key(i), "orders", t * MS);
    b.append(m, opts.p, m, (t + 1) * MS);
    b.ack(m, opts.p, m, (t + 2) * MS);
    h.record(Op.Deliver, (t + (opts.fetchedEarly ? 3 : opts.latMs - 2)) * MS, m, c, opts.p, m, g);
    h.record(Op.ProcessStart, (t + opts.latMs - 1) * MS, m, c, opts.p, m, g);
    h.record(Op.ProcessEnd, (t + opts.latMs) * MS, m, c, opts.p, m, g);
  }
}

function sortOps(b: HistoryBuilder): void {
  // Hand-made histories are written record by record; the real log is in time order.
  const h = b.h;
  const idx = Array.from({ length: h.opCount }, (_, i) => i).sort((x, y) => h.opTimeUs[x] - h.opTimeUs[y] || x - y);
  for (const col of [h.opKind, h.opTimeUs, h.opMsg, h.opActor, h.opAux, h.opPartition, h.opOffset] as const) {
    const copy = col.slice(0, h.opCount);
    idx.forEach((from, to) => (col[to] = copy[from]));
  }
}

function explain(b: HistoryBuilder, boundMs: number, faults: FaultWindow[] = []) {
  sortOps(b);
  const [rec] = collectLatencyRecords(b.h);
  return explainTail({ h: b.h, records: rec, subject: "group billing", bound: `p99 <= ${boundMs}ms`, actualUs: 0, boundUs: boundMs * MS, faults, retries: retriesPerMessage(b.h) });
}

describe("explaining a latency miss", () => {
  it("names a hot key and its partition when the slow records crowd on them and nothing failed", () => {
    const b = new HistoryBuilder();
    records(b, 80, { p: 0, key: (i) => `k${i % 8}`, fromMs: 0, latMs: 10 });
    records(b, 20, { p: 1, key: () => "hot", fromMs: 0, latMs: 500 });
    const e = explain(b, 100);
    expect(e.slow).toBe(20);
    expect(e.total).toBe(100);
    expect(e.phases[0].phase).toBe("log");
    expect(e.partitions[0]).toEqual({ name: "orders/1", count: 20, tailShare: 1, allShare: 0.2 });
    expect(e.keys[0]).toMatchObject({ name: "hot", count: 20, tailShare: 1, allShare: 0.2 });
    expect(e.causes[0]).toBe("hot key hot: 100% of the slow records, 20% of all");
    expect(e.summary).toMatch(/^p99 0s > 100ms: 20 of 100 records slower, sent 0s–19ms; in the log before fetch \d+% of their latency/);
  });

  it("says load, not failure, when nothing stands out and nothing happened", () => {
    const b = new HistoryBuilder();
    records(b, 10, { p: 0, key: (i) => `k${i}`, fromMs: 0, latMs: 500, fetchedEarly: true });
    const e = explain(b, 100);
    expect(e.phases[0].phase).toBe("consumer");
    expect(e.causes).toEqual(["no fault, ISR change, election or rebalance while they waited: the records queued behind the load (capacity, not a failure)"]);
  });

  it("blames a dead broker that stayed in the ISR, measured from its crash, ahead of the fault itself", () => {
    const b = new HistoryBuilder();
    records(b, 10, { p: 0, key: (i) => `k${i}`, fromMs: 1000, latMs: 8000 });
    const h = b.h;
    const broker = h.actor("broker-2", "broker");
    h.record(Op.IsrShrink, 8500 * MS, -1, broker, 0, 2, h.actorId("orders")!);
    const e = explain(b, 1000, [{ label: "crash broker-2", startUs: 1000 * MS, endUs: 20_000 * MS }]);
    const isr = e.causes.findIndex((c) => c.startsWith("broker-2, dead since 1s, stayed in the ISR of orders/0 until 8.5s (7.5s later)"));
    const fault = e.causes.indexOf("fault: crash broker-2 (1s–20s)");
    expect(isr).toBeGreaterThanOrEqual(0);
    expect(fault).toBeGreaterThan(isr);
  });

  it("finds the longest time the group fetched nothing from a slow partition", () => {
    const b = new HistoryBuilder();
    records(b, 5, { p: 0, key: (i) => `k${i}`, fromMs: 0, latMs: 3000 });
    const e = explain(b, 1000);
    expect(e.phases[0].phase).toBe("log");
    expect(e.causes[0]).toBe("billing fetched nothing from orders/0 for 2.998s (0s–2.998s) while records waited there");
  });

  it("counts the slow records their producer re-sent", () => {
    const b = new HistoryBuilder();
    records(b, 4, { p: 0, key: (i) => `k${i}`, fromMs: 0, latMs: 3000 });
    const h = b.h;
    h.record(Op.ProduceRetry, 500 * MS, 1, h.actorId("checkout")!, 0, -1, 2);
    const e = explain(b, 1000);
    expect(e.causes).toContain("1 of the slow records were re-sent by their producer (produce retries)");
  });

  it("names the visibility timeouts that sent slow queue messages back", () => {
    const b = new HistoryBuilder();
    const h = b.h;
    const p = h.actor("web", "producer");
    const q = h.actor("jobs", "queue");
    const c = h.actor("worker-0", "consumer");
    for (let i = 0; i < 4; i++) {
      const m = h.newMessage(p, h.key(`k${i}`), q, i * MS);
      h.record(Op.QueueSend, i * MS, m, p, -1, -1, q);
      h.record(Op.QueueEnqueue, (i + 1) * MS, m, q, -1, i);
      h.record(Op.QueueDeliver, (i + 2) * MS, m, c, 1, 1, q);
      if (i === 0) {
        h.record(Op.QueueReturn, 1000 * MS, m, q, 0, 1);
        h.record(Op.QueueDeliver, 1001 * MS, m, c, 2, 2, q);
      }
      h.record(Op.QueueAck, (i === 0 ? 1005 : i + 5) * MS, m, c, 1, 1, q);
    }
    sortOps(b);
    const rec = collectLatencyRecords(h).find((r) => r.kind === "queue")!;
    const e = explainTail({ h, records: rec, subject: "queue jobs", bound: "p99 <= 100ms", actualUs: 0, boundUs: 100 * MS, faults: [], retries: retriesPerMessage(h) });
    expect(e.slow).toBe(1);
    expect(e.phases[0].phase).toBe("redeliveries");
    expect(e.causes).toContain("1 of the slow messages went back to jobs 1 time(s) (visibility timeout expired) and waited to be delivered again");
  });
});
