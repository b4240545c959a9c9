// User-facing distributions (already resolved to numbers, e.g. microseconds) and samplers over an Rng.
import type { Rng } from "./rng.ts";

export type DistributionSpec =
  | { constant: number }
  | { uniform: { min: number; max: number } }
  | { exponential: { mean: number } }
  | { normal: { mean: number; sd: number } }
  | { lognormal: { median: number; sigma: number } }
  | { pareto: { scale: number; shape: number } }
  | { empirical: { values: number[]; weights?: number[] } };

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

export function makeSampler(spec: DistributionSpec, rng: Rng): () => number {
  if ("constant" in spec) {
    const v = spec.constant;
    return () => v;
  }
  if ("uniform" in spec) {
    const { min, max } = spec.uniform;
    check(min <= max, `uniform: min (${min}) must not exceed max (${max})`);
    return () => rng.uniform(min, max);
  }
  if ("exponential" in spec) {
    const { mean } = spec.exponential;
    check(mean >= 0, `exponential: mean must be >= 0, got ${mean}`);
    return () => rng.exponential(mean);
  }
  if ("normal" in spec) {
    const { mean, sd } = spec.normal;
    check(sd >= 0, `normal: sd must be >= 0, got ${sd}`);
    return () => rng.normal(mean, sd);
  }
  if ("lognormal" in spec) {
    const { median, sigma } = spec.lognormal;
    check(median > 0 && sigma >= 0, `lognormal: median must be > 0 and sigma >= 0`);
    return () => rng.lognormal(median, sigma);
  }
  if ("pareto" in spec) {
    const { scale, shape } = spec.pareto;
    check(scale > 0 && shape > 0, `pareto: scale and shape must be > 0`);
    return () => rng.pareto(scale, shape);
  }
  const { values, weights } = spec.empirical;
  check(values.length > 0, "empirical: needs at least one value");
  if (!weights) return () => values[rng.int(values.length)];
  check(weights.length === values.length, `empirical: ${weights.length} weights for ${values.length} values`);
  const cdf: number[] = [];
  let total = 0;
  for (const w of weights) {
    check(w >= 0, "empirical: weights must be >= 0");
    total += w;
    cdf.push(total);
  }
  check(total > 0, "empirical: weights must not all be 0");
  return () => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
}

/** Analytic mean where it is finite; Infinity for a Pareto with shape <= 1. */
export function distributionMean(spec: DistributionSpec): number {
  if ("constant" in spec) return spec.constant;
  if ("uniform" in spec) return (spec.uniform.min + spec.uniform.max) / 2;
  if ("exponential" in spec) return spec.exponential.mean;
  if ("normal" in spec) return spec.normal.mean;
  if ("lognormal" in spec) return spec.lognormal.median * Math.exp((spec.lognormal.sigma * spec.lognormal.sigma) / 2);
  if ("pareto" in spec) {
    const { scale, shape } = spec.pareto;
    return shape <= 1 ? Infinity : (shape * scale) / (shape - 1);
  }
  const { values, weights } = spec.empirical;
  if (!weights) return values.reduce((a, b) => a + b, 0) / values.length;
  const total = weights.reduce((a, b) => a + b, 0);
  return values.reduce((acc, v, i) => acc + v * weights[i], 0) / total;
}
