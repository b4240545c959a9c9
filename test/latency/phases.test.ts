import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { collectLatencyRecords } from "../../src/latency/phases.ts";

/** A record's life written as times in ms: send, append, ack, fetch, start, end (ack may be omitted). */
function kafkaRecord(b: HistoryBuilder, t: { send: number; append: number; ack?: number; fetch: number; start: number; end: number }, key = "k"): number {
  const h = b.h;
  const m = b.send("checkout", key, "orders", t.send * 1000);
  b.append(m, 0, m, t.append * 1000);
  if (t.ack !== undefined) b.ack(m, 0, m, t.ack * 1000);
  const g = h.actor("billing", "group");
  const c = h.actor("billing-0", "consumer");
  h.record(Op.Deliver, t.fetch * 1000, m, c, 0, m, g);
  h.record(Op.ProcessStart, t.start * 1000, m, c, 0, m, g);
  h.record(Op.ProcessEnd, t.end * 1000, m, c, 0, m, g);
  return m;
}

const phasesOf = (r: ReturnType<typeof collectLatencyRecords>[number], i: number) => Array.from(r.phases.subarray(i * r.phaseCount, (i + 1) * r.phaseCount));

describe("latency phases of a consumed record", () => {
  it("cuts send → append → ack → fetch → start → end into phases that sum to the end-to-end latency", () => {
    const b = new HistoryBuilder();
    kafkaRecord(b, { send: 0, append: 3, ack: 10, fetch: 25, start: 40, end: 42 });
    const [g] = collectLatencyRecords(b.h);
    expect(g).toMatchObject({ kind: "group", name: "billing" });
    expect(Array.from(g.latencyUs)).toEqual([42_000]);
    // to-leader, acks, log, consumer, processing
    expect(phasesOf(g, 0)).toEqual([3_000, 7_000, 15_000, 15_000, 2_000]);
  });

  it("ends the acks phase at the fetch when a consumer read the record before the producer heard its ack", () => {
    const b = new HistoryBuilder();
    kafkaRecord(b, { send: 0, append: 1, ack: 9, fetch: 4, start: 5, end: 6 });
    const [g] = collectLatencyRecords(b.h);
    expect(phasesOf(g, 0)).toEqual([1_000, 3_000, 0, 1_000, 1_000]);
    expect(phasesOf(g, 0).reduce((a, x) => a + x, 0)).toBe(g.latencyUs[0]);
  });

  it("collapses a missing step (no ack recorded) onto the next one, keeping the sum", () => {
    const b = new HistoryBuilder();
    kafkaRecord(b, { send: 2, append: 5, fetch: 20, start: 21, end: 30 });
    const [g] = collectLatencyRecords(b.h);
    expect(phasesOf(g, 0)).toEqual([3_000, 15_000, 0, 1_000, 9_000]);
    expect(g.latencyUs[0]).toBe(28_000);
  });

  it("keeps one row per processing, per group, in processing-end order", () => {
    const b = new HistoryBuilder();
    kafkaRecord(b, { send: 0, append: 1, ack: 2, fetch: 3, start: 3, end: 4 });
    kafkaRecord(b, { send: 1, append: 2, ack: 3, fetch: 5, start: 6, end: 9 });
    const [g] = collectLatencyRecords(b.h);
    expect(Array.from(g.msg)).toEqual([0, 1]);
    expect(Array.from(g.latencyUs)).toEqual([4_000, 8_000]);
  });
});

describe("latency phases of a queue message", () => {
  it("splits send, queued, redeliveries and in flight, summing to send → ack", () => {
    const b = new HistoryBuilder();
    const h = b.h;
    const p = h.actor("web", "producer");
    const q = h.actor("jobs", "queue");
    const c = h.actor("worker-0", "consumer");
    const m = h.newMessage(p, h.key("k"), q, 0);
    h.record(Op.QueueSend, 0, m, p, -1, -1, q);
    h.record(Op.QueueEnqueue, 1_000, m, q, -1, 0);
    h.record(Op.QueueDeliver, 11_000, m, c, 1, 1, q);
    h.record(Op.QueueReturn, 41_000, m, q, 0, 1);
    h.record(Op.QueueDeliver, 45_000, m, c, 2, 2, q);
    h.record(Op.QueueAck, 50_000, m, c, 2, 2, q);
    const [s] = collectLatencyRecords(h);
    expect(s).toMatchObject({ kind: "queue", name: "jobs" });
    expect(Array.from(s.latencyUs)).toEqual([50_000]);
    expect(phasesOf(s, 0)).toEqual([1_000, 10_000, 34_000, 5_000]);
  });
});
