import { Rng, searchCdf } from "./rng.ts";

/**
 * A distribution as a scenario states it, with units already resolved (durations in microseconds). Samples are
 * raw doubles: callers that need a duration round it and apply their own floor (a normal can go negative).
 * Key popularity (Zipf) is not here: it is a distribution over ranks, see Rng.zipf.
 */
export type DistributionSpec =
  | { constant: number }
  | { uniform: { min: number; max: number } }
  | { exponential: { mean: number } }
  | { normal: { mean: number; sd: number } }
  | { lognormal: { median: number; sigma: number } }
  | { pareto: { scale: number; shape: number } }
  | { empirical: { values: number[]; weights?: number[] } };

export type DistributionName = "constant" | "uniform" | "exponential" | "normal" | "lognormal" | "pareto" | "empirical";

const NAMES: readonly DistributionName[] = [
  "constant",
  "uniform",
  "exponential",
  "normal",
  "lognormal",
  "pareto",
  "empirical",
];

/** Which distribution a spec names; throws if it names none or several. */
export function distributionName(spec: DistributionSpec): DistributionName {
  if (spec === null || typeof spec !== "object") {
    throw new RangeError(`a distribution must be an object such as { exponential: { mean: 1000 } }, got ${String(spec)}`);
  }
  const keys = Object.keys(spec);
  if (keys.length !== 1 || !NAMES.includes(keys[0] as DistributionName)) {
    throw new RangeError(
      `a distribution must have exactly one of the keys ${NAMES.join(", ")}; got ${keys.length === 0 ? "none" : keys.join(", ")}`,
    );
  }
  return keys[0] as DistributionName;
}

function finite(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: unknown): number {
  const x = finite(name, value);
  if (!(x > 0)) throw new RangeError(`${name} must be > 0, got ${x}`);
  return x;
}

function nonNegative(name: string, value: unknown): number {
  const x = finite(name, value);
  if (!(x >= 0)) throw new RangeError(`${name} must be >= 0, got ${x}`);
  return x;
}

interface Empirical {
  values: Float64Array;
  /** Normalised cumulative weights, or null when all values are equally likely. */
  cdf: Float64Array | null;
  mean: number;
}

function checkEmpirical(spec: { values: number[]; weights?: number[] }): Empirical {
  const { values: raw, weights } = spec;
  if (!Array.isArray(raw) || raw.length === 0) throw new RangeError("empirical.values must be a non-empty array");
  const values = Float64Array.from(raw, (v, i) => finite(`empirical.values[${i}]`, v));
  if (weights === undefined) {
    return { values, cdf: null, mean: values.reduce((a, b) => a + b, 0) / values.length };
  }
  if (!Array.isArray(weights) || weights.length !== values.length) {
    throw new RangeError(
      `empirical.weights must have one weight per value (${values.length}), got ${Array.isArray(weights) ? weights.length : String(weights)}`,
    );
  }
  const cdf = new Float64Array(values.length);
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < values.length; i++) {
    const w = nonNegative(`empirical.weights[${i}]`, weights[i]);
    total += w;
    weighted += w * values[i];
    cdf[i] = total;
  }
  if (!(total > 0)) throw new RangeError("empirical.weights must not all be zero");
  for (let i = 0; i < cdf.length; i++) cdf[i] /= total;
  // Rounding must never leave a draw past the last positive weight.
  for (let i = cdf.length - 1; i >= 0 && cdf[i] >= cdf[cdf.length - 1]; i--) cdf[i] = 1;
  return { values, cdf, mean: weighted / total };
}

/**
 * The largest sample a sampler returns: 2^50 (as µs, about 35.7 years, the longest duration a scenario may
 * write, so "beyond the end of any run"). Heavy tails (a lognormal with a huge sigma, a Pareto with a tiny
 * shape) and long means can draw values past what a double holds as an exact integer, or Infinity; such a
 * sample is clamped to this value, which means "does not happen within the run". Callers may add a few of
 * these to the clock and stay below 2^53.
 */
export const MAX_SAMPLE = 2 ** 50;

/** Validates every parameter, then returns a closure that draws from rng (one or two draws per sample). */
export function makeSampler(spec: DistributionSpec, rng: Rng): () => number {
  switch (distributionName(spec)) {
    case "constant": {
      const c = finite("constant", (spec as { constant: number }).constant);
      return () => c;
    }
    case "uniform": {
      const { min, max } = (spec as { uniform: { min: number; max: number } }).uniform;
      finite("uniform.min", min);
      finite("uniform.max", max);
      if (!(min <= max)) throw new RangeError(`uniform.min (${min}) must be <= uniform.max (${max})`);
      const width = max - min;
      return () => min + width * rng.next();
    }
    case "exponential": {
      const mean = nonNegative("exponential.mean", (spec as { exponential: { mean: number } }).exponential.mean);
      // -0 * log(u) would be -0; a zero mean is a valid "no delay".
      if (mean === 0) return () => 0;
      return () => Math.min(rng.exponential(mean), MAX_SAMPLE);
    }
    case "normal": {
      const { mean, sd } = (spec as { normal: { mean: number; sd: number } }).normal;
      finite("normal.mean", mean);
      nonNegative("normal.sd", sd);
      return () => Math.min(rng.normal(mean, sd), MAX_SAMPLE);
    }
    case "lognormal": {
      const { median, sigma } = (spec as { lognormal: { median: number; sigma: number } }).lognormal;
      positive("lognormal.median", median);
      nonNegative("lognormal.sigma", sigma);
      return () => Math.min(rng.lognormal(median, sigma), MAX_SAMPLE);
    }
    case "pareto": {
      const { scale, shape } = (spec as { pareto: { scale: number; shape: number } }).pareto;
      positive("pareto.scale", scale);
      positive("pareto.shape", shape);
      return () => Math.min(rng.pareto(scale, shape), MAX_SAMPLE);
    }
    case "empirical": {
      const { values, cdf } = checkEmpirical((spec as { empirical: { values: number[]; weights?: number[] } }).empirical);
      if (cdf === null) return () => values[Math.floor(rng.next() * values.length)];
      return () => values[searchCdf(cdf, rng.next())];
    }
  }
}

/**
 * The analytic mean, for reports and sanity checks: Infinity for a Pareto with shape <= 1, whose mean does not
 * exist. Validates like makeSampler.
 */
export function distributionMean(spec: DistributionSpec): number {
  switch (distributionName(spec)) {
    case "constant":
      return finite("constant", (spec as { constant: number }).constant);
    case "uniform": {
      const { min, max } = (spec as { uniform: { min: number; max: number } }).uniform;
      finite("uniform.min", min);
      finite("uniform.max", max);
      if (!(min <= max)) throw new RangeError(`uniform.min (${min}) must be <= uniform.max (${max})`);
      return (min + max) / 2;
    }
    case "exponential":
      return nonNegative("exponential.mean", (spec as { exponential: { mean: number } }).exponential.mean);
    case "normal": {
      const { mean, sd } = (spec as { normal: { mean: number; sd: number } }).normal;
      nonNegative("normal.sd", sd);
      return finite("normal.mean", mean);
    }
    case "lognormal": {
      const { median, sigma } = (spec as { lognormal: { median: number; sigma: number } }).lognormal;
      positive("lognormal.median", median);
      nonNegative("lognormal.sigma", sigma);
      return median * Math.exp((sigma * sigma) / 2);
    }
    case "pareto": {
      const { scale, shape } = (spec as { pareto: { scale: number; shape: number } }).pareto;
      positive("pareto.scale", scale);
      positive("pareto.shape", shape);
      return shape > 1 ? (shape * scale) / (shape - 1) : Infinity;
    }
    case "empirical":
      return checkEmpirical((spec as { empirical: { values: number[]; weights?: number[] } }).empirical).mean;
  }
}
