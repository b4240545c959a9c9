import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/kernel/rng.ts";
import { Backoff, backoffUs, exponentialUs, type BackoffPolicy } from "../../../src/models/app/backoff.ts";

// The AWS post's simulator: base 5, cap 2000 (here in µs units, the formulas are unit-free).
const p = (jitter: BackoffPolicy["jitter"]): BackoffPolicy => ({ baseUs: 5, capUs: 2000, jitter });

describe("exponential back-off with jitter (AWS formulas)", () => {
  it("without jitter sleeps min(cap, base·2^n), n = 1 for the first retry", () => {
    const rng = new Rng(1);
    expect([1, 2, 3, 4, 8, 9].map((n) => backoffUs(p("none"), n, 5, rng))).toEqual([10, 20, 40, 80, 1280, 2000]);
    expect(exponentialUs(p("none"), 20)).toBe(2000);
  });

  it("full jitter draws U(0, min(cap, base·2^n)) from the seeded stream", () => {
    const a = new Rng(42), b = new Rng(42);
    for (let n = 1; n <= 10; n++) {
      const v = exponentialUs(p("full"), n);
      expect(backoffUs(p("full"), n, 5, a)).toBe(Math.round(b.uniform(0, v)));
    }
  });

  it("equal jitter keeps half the exponential sleep and draws the other half", () => {
    const a = new Rng(7), b = new Rng(7);
    for (let n = 1; n <= 10; n++) {
      const v = exponentialUs(p("equal"), n);
      const s = backoffUs(p("equal"), n, 5, a);
      expect(s).toBe(Math.round(v / 2 + b.uniform(0, v / 2)));
      expect(s).toBeGreaterThanOrEqual(Math.floor(v / 2));
      expect(s).toBeLessThanOrEqual(v);
    }
  });

  it("decorrelated jitter draws min(cap, U(base, 3·previous)) from the previous sleep, not n", () => {
    const a = new Rng(3), b = new Rng(3);
    const seq = new Backoff(p("decorrelated"), a);
    let prev = 5;
    for (let i = 0; i < 12; i++) {
      const want = Math.round(Math.min(2000, b.uniform(5, Math.max(5, 3 * prev))));
      const got = seq.next();
      expect(got).toBe(want);
      expect(got).toBeGreaterThanOrEqual(5);
      expect(got).toBeLessThanOrEqual(2000);
      prev = got;
    }
  });

  it("the same seed gives the same sleeps, another seed others", () => {
    const run = (seed: number) => {
      const b = new Backoff({ baseUs: 100_000, capUs: 10_000_000, jitter: "full" }, new Rng(seed));
      return Array.from({ length: 8 }, () => b.next());
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });
});
