import { describe, expect, it } from "vitest";
import * as hdr from "hdr-histogram-js";
import { HdrTally } from "../../src/latency/hdr-tally.ts";

hdr.initWebAssemblySync();
const histogram = () => hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
const figures = (h: hdr.Histogram) => [h.totalCount, h.mean, h.maxValue, h.minNonZeroValue, ...[0, 1, 50, 90, 99, 99.9, 100].map((p) => h.getValueAtPercentile(p))];

/** A pinned linear congruential sequence in [0, 1). */
function sequence(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe("a tally handed to a histogram a count per slot", () => {
  it("gives the count, mean, min, max and percentiles of recording every value, at every scale", () => {
    const next = sequence(7);
    for (const scale of [1, 10, 3000, 1e5, 1e7, 2e9]) {
      for (let trial = 0; trial < 40; trial++) {
        const direct = histogram();
        const counted = histogram();
        const tally = new HdrTally();
        const n = 1 + Math.floor(next() * 300);
        for (let i = 0; i < n; i++) {
          const v = next() < 0.1 ? 0 : Math.floor(next() * next() * scale);
          direct.recordValue(v);
          tally.record(v);
        }
        tally.addTo(counted);
        expect(figures(counted)).toEqual(figures(direct));
        expect(tally.totalCount).toBe(n);
        direct.destroy();
        counted.destroy();
      }
    }
  });

  it("records a value beyond 2^31 as it is, and forgets everything on reset", () => {
    const tally = new HdrTally();
    tally.record(3);
    tally.record(2 ** 31 + 5);
    const h = histogram();
    tally.addTo(h);
    expect([h.totalCount, h.maxValue, h.minNonZeroValue]).toEqual([2, 2 ** 31 + 5, 3]);
    tally.reset();
    expect(tally.totalCount).toBe(0);
    h.reset();
    tally.record(2500);
    tally.addTo(h);
    expect([h.totalCount, h.maxValue, h.minNonZeroValue]).toEqual([1, 2500, 2500]);
    h.destroy();
  });
});
