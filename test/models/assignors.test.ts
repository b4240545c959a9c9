import { describe, expect, it } from "vitest";
import { rangeAssign, sortMembers } from "../../src/models/assignors.ts";

const tp = (topic: string, partition: number) => ({ topic, partition });

describe("range assignor", () => {
  it("gives member 0 every topic's extra partition (semantics.md worked example)", () => {
    const a = rangeAssign(
      [
        { memberId: "C1", topics: ["t0", "t1"] },
        { memberId: "C0", topics: ["t0", "t1"] },
      ],
      new Map([
        ["t0", 3],
        ["t1", 3],
      ]),
    );
    expect(a.get("C0")).toEqual([tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)]);
    expect(a.get("C1")).toEqual([tp("t0", 2), tp("t1", 2)]);
  });

  it("leaves members beyond the partition count idle", () => {
    const a = rangeAssign(
      ["a", "b", "c"].map((memberId) => ({ memberId, topics: ["t"] })),
      new Map([["t", 2]]),
    );
    expect([...a.values()].map((l) => l.length)).toEqual([1, 1, 0]);
  });

  it("orders members by plain string comparison, static members first", () => {
    const sorted = sortMembers([
      { memberId: "m-10", topics: [] },
      { memberId: "m-2", topics: [] },
      { memberId: "z", groupInstanceId: "b", topics: [] },
      { memberId: "y", groupInstanceId: "a", topics: [] },
    ]);
    expect(sorted.map((m) => m.memberId)).toEqual(["y", "z", "m-10", "m-2"]);
  });
});
