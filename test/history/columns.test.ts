import { describe, expect, it } from "vitest";
import { History, Op } from "../../src/history/history.ts";

// The history's columns start narrow and widen on the first value that does not fit: readers must see exactly
// the values a full-width column would hold, whatever was recorded.
describe("history columns", () => {
  it("start narrow for small values", () => {
    const h = new History();
    const m = h.newMessage(0, 0, 1, 5);
    h.record(Op.QueueSend, 10, m, 0, -1, -1, 1);
    expect(h.opActor).toBeInstanceOf(Int8Array);
    expect(h.opTimeUs).toBeInstanceOf(Uint32Array);
    expect(h.opOffset).toBeInstanceOf(Int32Array);
    expect(h.msgCreatedUs).toBeInstanceOf(Uint32Array);
  });

  it("widen on the value that does not fit and keep every earlier row", () => {
    const h = new History();
    const rows: [number, number, number, number, number, number][] = [];
    const values = [
      [10, 1, 2, 3, -1, 4],
      [20, 300, 2, 3, 7, 4], // actor past 8 bits
      [30, 1, 70_000, 3, 7, 4], // aux past 16 bits
      [2 ** 33, 1, 2, -5, 7, 4], // time past 32 bits
      [40, 1, 2, 3, 4.32e10, 4], // a 12-hour timeout in µs as offset
      [50.5, 1, 2, -40_000, 0.25, 4], // fractions, a negative partition past 16 bits
      [60, 1, 2, 3, 5, 4],
    ];
    for (const [t, actor, aux, partition, offset, msg] of values) {
      h.record(Op.QueueDeliver, t, msg, actor, partition, offset, aux);
      rows.push([t, actor, aux, partition, offset, msg]);
    }
    for (const v of [1, 2, 3, 4]) h.record(Op.Commit, 70 + v, -1, v, v, v, v);
    rows.push(...[1, 2, 3, 4].map((v) => [70 + v, v, v, v, v, -1] as [number, number, number, number, number, number]));
    rows.forEach(([t, actor, aux, partition, offset, msg], i) => {
      expect([h.opTimeUs[i], h.opActor[i], h.opAux[i], h.opPartition[i], h.opOffset[i], h.opMsg[i]]).toEqual([t, actor, aux, partition, offset, msg]);
    });
    expect(h.opPartition).toBeInstanceOf(Int32Array);
    expect(h.opOffset).toBeInstanceOf(Float64Array);
  });

  it("wrap a value past 32 bits in an Int32 column as a full-width Int32 column does", () => {
    const h = new History();
    h.record(Op.Commit, 1, -1, 2 ** 40 + 3, -1, -1, -1);
    expect(h.opActor[0]).toBe(new Int32Array([2 ** 40 + 3])[0]);
    h.record(Op.Commit, 2, -1, 5, -1, -1, -1);
    expect(h.opActor[1]).toBe(5);
  });

  it("hold per-key sequences, keys and creation times past their first width across growth", () => {
    const h = new History();
    const n = 100_000;
    for (let i = 0; i < n; i++) h.newMessage(i % 3, i % 2 === 0 ? 0 : 40_000, 7, i * 50_000);
    for (const i of [0, 1, 255, 256, 70_001, n - 1]) {
      expect(h.msgProducer[i]).toBe(i % 3);
      expect(h.msgKey[i]).toBe(i % 2 === 0 ? 0 : 40_000);
      expect(h.msgCreatedUs[i]).toBe(i * 50_000);
    }
    // Sequences count per (producer, key): message i is the k-th of its pair.
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const pair = `${i % 3}/${i % 2}`;
      const k = seen.get(pair) ?? 0;
      seen.set(pair, k + 1);
      if (i % 997 === 0 || i === n - 1) expect(h.msgKeySeq[i]).toBe(k);
    }
  });
});
