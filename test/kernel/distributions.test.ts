import { describe, expect, it } from "vitest";
import { Rng } from "../../src/kernel/rng.ts";
import { distributionMean, makeSampler, type DistributionSpec } from "../../src/kernel/distributions.ts";

const N = 100_000;

function sampleMean(spec: DistributionSpec, seed = 42): number {
  const draw = makeSampler(spec, new Rng(seed).fork("dist"));
  let sum = 0;
  for (let i = 0; i < N; i++) sum += draw();
  return sum / N;
}

describe("distribution samplers", () => {
  // Tolerances are about 4 standard errors at 10^5 draws for each distribution's spread.
  const cases: Array<[string, DistributionSpec, number]> = [
    ["constant", { constant: 250 }, 0],
    ["uniform", { uniform: { min: 100, max: 300 } }, 0.005],
    ["exponential", { exponential: { mean: 2000 } }, 0.015],
    ["normal", { normal: { mean: 500, sd: 50 } }, 0.002],
    ["lognormal", { lognormal: { median: 2000, sigma: 0.5 } }, 0.01],
    ["pareto (shape 3, finite variance)", { pareto: { scale: 100, shape: 3 } }, 0.01],
    ["empirical, unweighted", { empirical: { values: [1, 2, 3, 10] } }, 0.02],
    ["empirical, weighted", { empirical: { values: [1, 2, 3, 10], weights: [5, 3, 1, 1] } }, 0.02],
  ];
  for (const [name, spec, relTol] of cases) {
    it(`${name}: the mean of 10^5 draws is within ${relTol * 100}% of the analytic mean`, () => {
      const analytic = distributionMean(spec);
      const observed = sampleMean(spec);
      expect(Math.abs(observed - analytic)).toBeLessThanOrEqual(relTol * analytic);
    });
  }

  it("gives analytic means, including Infinity for a Pareto without a mean", () => {
    expect(distributionMean({ uniform: { min: 2, max: 4 } })).toBe(3);
    expect(distributionMean({ lognormal: { median: 1, sigma: 0 } })).toBe(1);
    expect(distributionMean({ pareto: { scale: 10, shape: 2 } })).toBe(20);
    expect(distributionMean({ pareto: { scale: 10, shape: 1 } })).toBe(Infinity);
    expect(distributionMean({ empirical: { values: [0, 10], weights: [3, 1] } })).toBe(2.5);
  });

  it("never draws an empirical value whose weight is zero", () => {
    const draw = makeSampler({ empirical: { values: [1, 2, 3], weights: [0, 1, 0] } }, new Rng(1));
    for (let i = 0; i < 1000; i++) expect(draw()).toBe(2);
  });

  it("treats an exponential with mean 0 as no delay", () => {
    const draw = makeSampler({ exponential: { mean: 0 } }, new Rng(1));
    expect(Object.is(draw(), 0)).toBe(true);
  });

  it("is deterministic for a seed", () => {
    const spec: DistributionSpec = { lognormal: { median: 5, sigma: 1 } };
    const a = makeSampler(spec, new Rng(3));
    const b = makeSampler(spec, new Rng(3));
    for (let i = 0; i < 100; i++) expect(a()).toBe(b());
  });

  it("rejects bad parameters with a RangeError that names the field", () => {
    const rng = new Rng(1);
    const bad: Array<[unknown, RegExp]> = [
      [{ normal: { mean: 1, sd: -1 } }, /normal\.sd/],
      [{ uniform: { min: 5, max: 1 } }, /uniform\.min/],
      [{ exponential: { mean: -3 } }, /exponential\.mean/],
      [{ lognormal: { median: 0, sigma: 1 } }, /lognormal\.median/],
      [{ pareto: { scale: 1, shape: 0 } }, /pareto\.shape/],
      [{ empirical: { values: [] } }, /empirical\.values/],
      [{ empirical: { values: [1, 2], weights: [1] } }, /empirical\.weights/],
      [{ empirical: { values: [1, 2], weights: [0, 0] } }, /empirical\.weights/],
      [{ empirical: { values: [1, 2], weights: [1, -1] } }, /empirical\.weights\[1\]/],
      [{ constant: NaN }, /constant/],
      [{}, /exactly one of the keys/],
      [{ constant: 1, uniform: { min: 0, max: 1 } }, /exactly one of the keys/],
      [{ gamma: { k: 2 } }, /exactly one of the keys/],
    ];
    for (const [spec, message] of bad) {
      expect(() => makeSampler(spec as DistributionSpec, rng)).toThrow(RangeError);
      expect(() => makeSampler(spec as DistributionSpec, rng)).toThrow(message);
      expect(() => distributionMean(spec as DistributionSpec)).toThrow(RangeError);
    }
  });
});
