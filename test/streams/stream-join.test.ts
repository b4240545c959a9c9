import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { StreamStreamJoin, type JoinEvent, type JoinType } from "../../src/streams/stream-join.ts";
import { batchJoin } from "../../src/streams/batch.ts";

describe("stream–stream join", () => {
  it("matches a left record with right records in [t − before, t + after], both ends inclusive", () => {
    const j = new StreamStreamJoin("inner", 10, 10, 100);
    j.process("right", "k", 100, 1);
    j.process("right", "k", 111, 2);
    const { events } = j.process("left", "k", 110, 3);
    expect(events).toEqual([{ kind: "pair", left: 3, right: 1, key: "k", ts: 110 }, { kind: "pair", left: 3, right: 2, key: "k", ts: 111 }]);
    expect(j.process("left", "k", 89, 4).events).toEqual([]); // 100 − 89 = 11 > 10
  });

  it("drops a record whose window + grace is behind the shared stream time", () => {
    const j = new StreamStreamJoin("inner", 10, 10, 5);
    j.process("left", "a", 100, 1);
    expect(j.process("right", "k", 84, 2).events).toEqual([{ kind: "drop", msg: 2, key: "k", ts: 84, streamTimeMs: 100 }]);
    expect(j.process("right", "k", 85, 3).events).toEqual([]);
  });

  it("emits an unmatched left record alone only once its window + grace has closed (left join)", () => {
    const j = new StreamStreamJoin("left", 10, 10, 0);
    expect(j.process("left", "k", 100, 1).events).toEqual([]);
    expect(j.process("left", "x", 110, 2).events).toEqual([]);
    expect(j.process("left", "x", 111, 3).events).toEqual([{ kind: "unmatched", side: "left", msg: 1, key: "k", ts: 100 }]);
  });

  it("an outer join also emits unmatched right records; an inner join emits none", () => {
    const outer = new StreamStreamJoin("outer", 1, 1, 0);
    const inner = new StreamStreamJoin("inner", 1, 1, 0);
    for (const j of [outer, inner]) j.process("right", "k", 0, 1);
    expect(outer.process("left", "z", 5, 2).events).toEqual([{ kind: "unmatched", side: "right", msg: 1, key: "k", ts: 0 }]);
    expect(inner.process("left", "z", 5, 2).events).toEqual([]);
  });

  it("with grace ≥ the disorder, emits exactly the batch pairs once, and the unmatched the join type wants (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ side: fc.constantFrom("left" as const, "right" as const), key: fc.constantFrom("a", "b"), gap: fc.integer({ min: 0, max: 5 }), skew: fc.integer({ min: 0, max: 10 }) }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom<JoinType>("inner", "left", "outer"),
        (draws, d, type) => {
          let t = 50;
          const recs = draws.map((x, i) => ({ ...x, msg: i, ts: (t += x.gap) - x.skew }));
          let maxTs = -1;
          let disorder = 0;
          for (const r of recs) (disorder = Math.max(disorder, maxTs - r.ts)), (maxTs = Math.max(maxTs, r.ts));
          const j = new StreamStreamJoin(type, d, d, disorder);
          const events: JoinEvent[] = [];
          for (const r of recs) events.push(...j.process(r.side, r.key, r.ts, r.msg).events);
          events.push(...j.process("left", "~end", maxTs + 10_000, 9999).events);
          const pairs = events.flatMap((e) => (e.kind === "pair" ? [`${e.left}-${e.right}`] : [])).sort();
          const alone = events.flatMap((e) => (e.kind === "unmatched" && e.key !== "~end" ? [e.msg] : [])).sort((a, b) => a - b);
          expect(events.filter((e) => e.kind === "drop")).toEqual([]);
          const batch = batchJoin(recs.filter((r) => r.side === "left"), recs.filter((r) => r.side === "right"), d);
          expect(pairs).toEqual(batch.pairs.map(([l, r]) => `${l.msg}-${r.msg}`).sort());
          const wantAlone = type === "inner" ? [] : type === "left" ? batch.leftAlone : [...batch.leftAlone, ...batch.rightAlone];
          expect(alone).toEqual(wantAlone.map((x) => x.msg).sort((a, b) => a - b));
        },
      ),
      { seed: 14, numRuns: 300 },
    );
  });
});
