// Closed forms for the M/M/c queue (Erlang C) and a confidence interval helper: the theory tests and the
// `expect.queueWait` check of a scenario compare simulated queue waits with these.

/** Erlang C: probability an arrival has to wait, c servers, offered load a = λ/μ (a < c). */
export function erlangC(c: number, a: number): number {
  if (!(a < c)) throw new RangeError(`unstable: a = ${a} >= c = ${c}`);
  // Erlang B by its stable recurrence, then C = B / (1 - ρ(1 - B)).
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

/** Mean time in queue (before service) of M/M/c, in the unit of 1/μ. */
export function mmcMeanWait(c: number, lambda: number, mu: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda);
}

/** Two-sided 97.5% Student t quantiles for small degrees of freedom (k - 1 replications). */
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131];

/** Mean and 95% confidence half-width from independent replications. */
export function confidenceInterval(xs: number[]): { mean: number; halfWidth: number } {
  const k = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / k;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (k - 1);
  return { mean, halfWidth: T975[k - 1] * Math.sqrt(variance / k) };
}
