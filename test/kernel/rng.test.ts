import { describe, expect, it } from "vitest";
import { Rng } from "../../src/kernel/rng.ts";

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

describe("Rng", () => {
  it("produces pinned values for seed 42, so a change of algorithm or seeding is caught", () => {
    const rng = new Rng(42);
    expect(draws(rng, 4)).toEqual([0.6848634963389486, 0.5463244677521288, 0.8455933185759932, 0.19908552314154804]);
    expect(new Rng("42").next()).toBe(0.6848634963389486);
    const fork = new Rng(42).fork("producer/checkout");
    expect(fork.seedPath).toBe("42/producer/checkout");
    expect(draws(fork, 2)).toEqual([0.7500446930062026, 0.312777535058558]);
  });

  it("repeats the same sequence for the same seed and differs for another seed", () => {
    expect(draws(new Rng(7), 20)).toEqual(draws(new Rng(7), 20));
    expect(draws(new Rng(7), 20)).not.toEqual(draws(new Rng(8), 20));
  });

  it("gives a fork a sequence that extra draws on a sibling fork or the parent do not change", () => {
    const quiet = new Rng(42);
    const expectedB = draws(quiet.fork("b"), 10);

    const busy = new Rng(42);
    const a = busy.fork("a");
    draws(busy, 3); // the parent's own draws
    draws(a, 1000); // a sibling draws a lot
    const b = busy.fork("b");
    draws(a, 5);
    expect(draws(b, 10)).toEqual(expectedB);
  });

  it("gives the same stream for the same label twice and different streams for different labels", () => {
    const root = new Rng(1);
    expect(draws(root.fork("x"), 5)).toEqual(draws(root.fork("x"), 5));
    expect(draws(root.fork("x"), 5)).not.toEqual(draws(root.fork("y"), 5));
    expect(draws(root.fork("x").fork("y"), 5)).toEqual(draws(root.fork("x/y"), 5));
  });

  it("keeps draws in range", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      const k = rng.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
      const x = rng.uniform(-2, 3);
      expect(x >= -2 && x < 3).toBe(true);
      expect(rng.pareto(5, 1.5)).toBeGreaterThanOrEqual(5);
      expect(rng.exponential(10)).toBeGreaterThanOrEqual(0);
    }
  });

  it("draws integers above 2^32 without gaps in the low bits", () => {
    const rng = new Rng(4);
    let odd = 0;
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(2 ** 40);
      expect(Number.isInteger(k) && k >= 0 && k < 2 ** 40).toBe(true);
      odd += k % 2;
    }
    expect(odd).toBeGreaterThan(400); // with 32-bit resolution every draw would be a multiple of 2^8
  });

  it("rejects invalid arguments with RangeError", () => {
    const rng = new Rng(3);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.int(2.5)).toThrow(RangeError);
    expect(() => rng.bernoulli(1.5)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
    expect(() => rng.uniform(2, 1)).toThrow(RangeError);
    expect(() => rng.fork("")).toThrow(RangeError);
    expect(() => new Rng(NaN)).toThrow(RangeError);
    expect(() => rng.zipf(0, 1)).toThrow(RangeError);
  });

  it("draws bernoulli(p) true with frequency p", () => {
    const rng = new Rng(11);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (rng.bernoulli(0.3)) hits++;
    expect(hits / 100_000).toBeCloseTo(0.3, 2);
  });

  it("picks every element and shuffles into a permutation", () => {
    const rng = new Rng(5);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(["a", "b", "c"]));
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle([...xs]);
    expect(shuffled).not.toEqual(xs);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(xs);
  });

  it("has normal and lognormal draws with the requested moments", () => {
    const rng = new Rng(9);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let belowMedian = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal(10, 2);
      sum += x;
      sumSq += x * x;
      if (rng.lognormal(50, 0.8) < 50) belowMedian++;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(2, 1);
    expect(belowMedian / n).toBeCloseTo(0.5, 2);
  });
});

describe("Rng.zipf", () => {
  it("draws ranks 0..n-1 whose frequencies fall with rank", () => {
    const zipf = new Rng(42).zipf(20, 1.1);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 200_000; i++) counts[zipf.sample()]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200_000);
    for (let k = 1; k < 20; k++) expect(counts[k]).toBeLessThan(counts[k - 1]);
  });

  it("matches P(k) proportional to 1/(k+1)^s", () => {
    const zipf = new Rng(1).zipf(4, 1);
    const h = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    expect(zipf.probability(0)).toBeCloseTo(1 / h, 12);
    expect(zipf.probability(3)).toBeCloseTo(1 / 4 / h, 12);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[zipf.sample()]++;
    for (let k = 0; k < 4; k++) expect(counts[k] / 100_000).toBeCloseTo(1 / (k + 1) / h, 2);
  });

  it("is uniform when s = 0", () => {
    const zipf = new Rng(2).zipf(5, 0);
    for (let k = 0; k < 5; k++) expect(zipf.probability(k)).toBeCloseTo(0.2, 12);
  });
});
