import { describe, expect, it } from "vitest";
import { StreamTableJoin } from "../../src/streams/table-join.ts";

describe("stream–table join", () => {
  it("joins a stream record with the table's current value; table updates only change the store", () => {
    const j = new StreamTableJoin("inner");
    expect(j.process("right", "k", 100, 1)).toEqual({ events: [], changes: [{ storeKey: "k", entry: { kind: "table", key: "k", msg: 1, ts: 100 }, streamTimeMs: 100 }] });
    expect(j.process("left", "k", 150, 2).events).toEqual([{ kind: "pair", left: 2, right: 1, key: "k", ts: 150 }]);
    j.process("right", "k", 200, 3);
    // A plain (unversioned) table: the stream record at 150 meets the update stamped 200 if it was processed first.
    expect(j.process("left", "k", 150, 4).events).toEqual([{ kind: "pair", left: 4, right: 3, key: "k", ts: 150 }]);
  });

  it("inner: a key with no value yet produces nothing; left: the record goes out at once with a null value", () => {
    expect(new StreamTableJoin("inner").process("left", "k", 10, 1).events).toEqual([]);
    expect(new StreamTableJoin("left").process("left", "k", 10, 1).events).toEqual([{ kind: "unmatched", side: "left", msg: 1, key: "k", ts: 10 }]);
  });

  it("never drops a stream record as late, and rebuilds its table from the changelog", () => {
    const j = new StreamTableJoin("inner");
    const changes = [...j.process("right", "a", 5000, 1).changes, ...j.process("right", "b", 10, 2).changes, ...j.process("right", "a", 6000, 3).changes];
    expect(j.process("left", "b", 0, 4).events).toEqual([{ kind: "pair", left: 4, right: 2, key: "b", ts: 0 }]);
    const restored = new StreamTableJoin("inner");
    restored.restore(changes);
    expect(restored.streamTimeMs).toBe(6000);
    expect(restored.process("left", "a", 1, 5).events).toEqual([{ kind: "pair", left: 5, right: 3, key: "a", ts: 1 }]);
  });
});
