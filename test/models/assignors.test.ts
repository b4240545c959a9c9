import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  assign,
  rangeAssign,
  roundRobinAssign,
  sortMembers,
  stickyAssign,
  tpKey,
  type Assignment,
  type AssignorMember,
} from "../../src/models/groups/assignors.ts";

const tp = (topic: string, partition: number) => ({ topic, partition });
const twoByThree = new Map([
  ["t0", 3],
  ["t1", 3],
]);
const c0c1 = [
  { memberId: "C1", topics: ["t0", "t1"] },
  { memberId: "C0", topics: ["t0", "t1"] },
];

describe("range assignor", () => {
  it("gives member 0 every topic's extra partition (semantics.md worked example)", () => {
    const a = rangeAssign(c0c1, twoByThree);
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

  it("splits each topic only among the members subscribed to it", () => {
    const a = rangeAssign(
      [
        { memberId: "a", topics: ["x"] },
        { memberId: "b", topics: ["x", "y"] },
      ],
      new Map([
        ["x", 2],
        ["y", 2],
      ]),
    );
    expect(a.get("a")).toEqual([tp("x", 0)]);
    expect(a.get("b")).toEqual([tp("x", 1), tp("y", 0), tp("y", 1)]);
  });

  it("orders members by plain string comparison, static members first", () => {
    const sorted = sortMembers([
      { memberId: "m-10", topics: [] },
      { memberId: "m-2", topics: [] },
      { memberId: "Z", topics: [] },
      { memberId: "z", groupInstanceId: "b", topics: [] },
      { memberId: "y", groupInstanceId: "a", topics: [] },
    ]);
    // "Z" (U+005A) sorts before "m" (U+006D) in UTF-16 order, unlike a locale-aware compare.
    expect(sorted.map((m) => m.memberId)).toEqual(["y", "z", "Z", "m-10", "m-2"]);
  });
});

describe("roundrobin assignor", () => {
  it("deals partitions in topic then partition order on one cursor (semantics.md worked example)", () => {
    const a = roundRobinAssign(c0c1, twoByThree);
    expect(a.get("C0")).toEqual([tp("t0", 0), tp("t0", 2), tp("t1", 1)]);
    expect(a.get("C1")).toEqual([tp("t0", 1), tp("t1", 0), tp("t1", 2)]);
  });

  it("carries the cursor across topics and skips members not subscribed to a topic", () => {
    const a = roundRobinAssign(
      [
        { memberId: "a", topics: ["t0", "t1"] },
        { memberId: "b", topics: ["t0"] },
        { memberId: "c", topics: ["t0", "t1"] },
      ],
      new Map([
        ["t0", 1],
        ["t1", 3],
      ]),
    );
    // t0-0 → a; cursor at b, who does not read t1, so t1-0 → c; then a, then (skip b) c.
    expect(a.get("a")).toEqual([tp("t0", 0), tp("t1", 1)]);
    expect(a.get("b")).toEqual([]);
    expect(a.get("c")).toEqual([tp("t1", 0), tp("t1", 2)]);
  });
});

describe("sticky assignors", () => {
  it("keep every prior owner when the membership did not change", () => {
    const members = [
      { memberId: "a", topics: ["t"], owned: [tp("t", 0), tp("t", 3)] },
      { memberId: "b", topics: ["t"], owned: [tp("t", 1), tp("t", 2)] },
    ];
    const a = stickyAssign(members, new Map([["t", 4]]));
    expect(a.get("a")).toEqual([tp("t", 0), tp("t", 3)]);
    expect(a.get("b")).toEqual([tp("t", 1), tp("t", 2)]);
  });

  it("move only what a new member needs (balance, then stickiness)", () => {
    const members = [
      { memberId: "a", topics: ["t"], owned: [0, 1, 2].map((p) => tp("t", p)) },
      { memberId: "b", topics: ["t"], owned: [3, 4, 5].map((p) => tp("t", p)) },
      { memberId: "c", topics: ["t"] },
    ];
    const a = stickyAssign(members, new Map([["t", 6]]));
    expect(a.get("a")).toEqual([tp("t", 0), tp("t", 1)]);
    expect(a.get("b")).toEqual([tp("t", 3), tp("t", 4)]);
    expect(a.get("c")).toEqual([tp("t", 2), tp("t", 5)]);
  });

  it("let the higher generation win a conflicting claim, and both lose on equal generations", () => {
    const p = new Map([["t", 2]]);
    const higher = stickyAssign(
      [
        { memberId: "a", topics: ["t"], owned: [tp("t", 0)], generation: 3 },
        { memberId: "b", topics: ["t"], owned: [tp("t", 0), tp("t", 1)], generation: 4 },
      ],
      p,
    );
    expect(higher.get("b")).toContainEqual(tp("t", 0));
    const equal = assign(
      "cooperative-sticky",
      [
        { memberId: "a", topics: ["t"], owned: [tp("t", 0)], generation: 4 },
        { memberId: "b", topics: ["t"], owned: [tp("t", 0)], generation: 4 },
      ],
      p,
    );
    // Nobody holds a valid claim on t-0, so nothing waits for a revocation.
    expect(equal.pending).toEqual([]);
  });

  it("cooperative-sticky leaves a moved partition unassigned in the first round", () => {
    const { assignment, pending } = assign(
      "cooperative-sticky",
      [
        { memberId: "a", topics: ["t"], owned: [0, 1, 2, 3].map((p) => tp("t", p)) },
        { memberId: "b", topics: ["t"] },
      ],
      new Map([["t", 4]]),
    );
    expect(assignment.get("a")).toEqual([tp("t", 0), tp("t", 1)]);
    expect(assignment.get("b")).toEqual([]);
    expect(pending.map((m) => [m.tp.partition, m.from, m.to])).toEqual([
      [2, "a", "b"],
      [3, "a", "b"],
    ]);
  });
});

// ---------- properties ----------

const TOPICS = ["a", "b", "c"];
const scenarioArb = fc.record({
  counts: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 3, maxLength: 3 }),
  members: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9-]{1,6}$/), { minLength: 1, maxLength: 8 }),
  subs: fc.array(fc.subarray(TOPICS, { minLength: 1 }), { minLength: 8, maxLength: 8 }),
  equal: fc.boolean(),
});

function build(s: { counts: number[]; members: string[]; subs: string[][]; equal: boolean }) {
  const topics = new Map(TOPICS.map((t, i) => [t, s.counts[i]]));
  const members: AssignorMember[] = s.members.map((memberId, i) => ({ memberId, topics: s.equal ? TOPICS : s.subs[i] }));
  return { topics, members };
}

function checkCompleteAndExclusive(a: Assignment, members: AssignorMember[], topics: Map<string, number>): void {
  const seen = new Set<string>();
  for (const m of members) {
    for (const p of a.get(m.memberId)!) {
      expect(m.topics).toContain(p.topic);
      expect(seen.has(tpKey(p))).toBe(false);
      seen.add(tpKey(p));
    }
  }
  const wanted = TOPICS.filter((t) => members.some((m) => m.topics.includes(t))).reduce((n, t) => n + topics.get(t)!, 0);
  expect(seen.size).toBe(wanted);
}

/** Kafka's "balanced": no member could take a partition from one holding two or more more than it. */
function checkBalanced(a: Assignment, members: AssignorMember[]): void {
  for (const m of members) {
    for (const o of members) {
      const diff = a.get(o.memberId)!.length - a.get(m.memberId)!.length;
      if (diff < 2) continue;
      expect(a.get(o.memberId)!.some((p) => m.topics.includes(p.topic))).toBe(false);
    }
  }
}

const PARAMS = { seed: 4242, numRuns: 300 };

describe("assignor properties (fast-check, pinned seed)", () => {
  it("every assignor gives every subscribed partition to exactly one subscribed member", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { topics, members } = build(s);
        for (const fn of [rangeAssign, roundRobinAssign, stickyAssign]) checkCompleteAndExclusive(fn(members, topics), members, topics);
      }),
      PARAMS,
    );
  });

  it("roundrobin and sticky balance equal subscriptions to floor/ceil(P/C), with P mod C members at the ceiling", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { topics, members } = build({ ...s, equal: true });
        const total = s.counts.reduce((x, y) => x + y, 0);
        for (const fn of [roundRobinAssign, stickyAssign]) {
          const sizes = [...fn(members, topics).values()].map((l) => l.length);
          const atMax = sizes.filter((n) => n === Math.ceil(total / members.length)).length;
          expect(sizes.every((n) => n === Math.floor(total / members.length) || n === Math.ceil(total / members.length))).toBe(true);
          if (total % members.length !== 0) expect(atMax).toBe(total % members.length);
        }
      }),
      PARAMS,
    );
  });

  it("sticky is balanced for any subscriptions", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { topics, members } = build(s);
        checkBalanced(stickyAssign(members, topics), members);
      }),
      PARAMS,
    );
  });

  it("sticky keeps prior ownership where balance allows, after members join or leave", () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 7 }), fc.boolean(), (s, pick, join) => {
        const { topics, members } = build({ ...s, equal: true });
        const before = stickyAssign(members, topics);
        // Change the membership by one: a member leaves, or a new one joins.
        let next: AssignorMember[] = members.map((m) => ({ ...m, owned: before.get(m.memberId)!, generation: 1 }));
        if (join) next.push({ memberId: "zz-new", topics: TOPICS });
        else if (next.length > 1) next = next.filter((_, i) => i !== pick % next.length);
        const after = stickyAssign(next, topics);
        checkCompleteAndExclusive(after, next, topics);
        const total = s.counts.reduce((x, y) => x + y, 0);
        const minQuota = Math.floor(total / next.length);
        let kept = 0;
        let bound = 0;
        for (const m of next) {
          const owned = new Set((m.owned ?? []).map(tpKey));
          kept += after.get(m.memberId)!.filter((p) => owned.has(tpKey(p))).length;
          bound += Math.min(owned.size, minQuota);
        }
        // Each member keeps at least as much of what it had as its lower quota allows.
        expect(kept).toBeGreaterThanOrEqual(bound);
        // And an unchanged membership changes nothing.
        const same = stickyAssign(members.map((m) => ({ ...m, owned: before.get(m.memberId)! })), topics);
        expect([...same.entries()]).toEqual([...before.entries()]);
      }),
      PARAMS,
    );
  });

  it("sticky keeps prior ownership with unequal subscriptions when the prior assignment is still balanced", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { topics, members } = build(s);
        const before = stickyAssign(members, topics);
        const again = stickyAssign(members.map((m) => ({ ...m, owned: before.get(m.memberId)! })), topics);
        expect([...again.entries()]).toEqual([...before.entries()]);
      }),
      PARAMS,
    );
  });
});

describe("cooperative rounds (fast-check, pinned seed)", () => {
  it("never revokes a partition that stays with its owner, and round 1 plus the pending moves is the sticky target", () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, join) => {
        const { topics, members } = build({ ...s, equal: true });
        const before = stickyAssign(members, topics);
        const next: AssignorMember[] = members.map((m) => ({ ...m, owned: before.get(m.memberId)!, generation: 1 }));
        if (join) next.push({ memberId: "zz-new", topics: TOPICS });
        else if (next.length > 1) next.pop();
        const target = stickyAssign(next, topics);
        const { assignment, pending } = assign("cooperative-sticky", next, topics);
        for (const m of next) {
          const owned = new Set((m.owned ?? []).map(tpKey));
          const kept = target.get(m.memberId)!.filter((p) => owned.has(tpKey(p)));
          // What a member keeps is in its round-1 assignment: unmoved partitions never pause.
          for (const p of kept) expect(assignment.get(m.memberId)!.map(tpKey)).toContain(tpKey(p));
        }
        const round1 = [...assignment.values()].flat().map(tpKey);
        const moved = pending.map((p) => tpKey(p.tp));
        expect([...round1, ...moved].sort()).toEqual([...target.values()].flat().map(tpKey).sort());
        // A pending move always leaves a member that owned the partition for one that did not.
        for (const p of pending) expect(next.find((m) => m.memberId === p.from)!.owned!.map(tpKey)).toContain(tpKey(p.tp));
      }),
      PARAMS,
    );
  });
});
