import { describe, expect, it } from "vitest";
import { BareHeap, bareHold } from "../../bench/reference-heap.ts";
import { Rng } from "../../src/kernel/rng.ts";

// The kernel benchmark divides by this yardstick's rate, so it has to be a real heap doing the same work.
describe("bench yardstick: bare heap", () => {
  it("pops every pushed time in ascending order", () => {
    const rng = new Rng(3);
    const heap = new BareHeap(500);
    const times = Array.from({ length: 500 }, () => rng.int(50));
    for (const t of times) heap.push(t);
    const popped = times.map(() => heap.pop());
    expect(popped).toEqual([...times].sort((a, b) => a - b));
  });

  it("under the hold model, pops never go back in time and the pending count holds", () => {
    const rng = new Rng(4);
    const heap = new BareHeap(101);
    for (let i = 0; i < 100; i++) heap.push(rng.int(1000));
    let now = 0;
    for (let e = 0; e < 10_000; e++) {
      const t = heap.pop();
      expect(t).toBeGreaterThanOrEqual(now);
      now = t;
      heap.push(now + Math.floor(rng.exponential(1000)));
    }
    expect(heap.pending).toBe(100);
    expect(() => bareHold(new Rng(5), 100, 1000)(1000)).not.toThrow();
  });
});
