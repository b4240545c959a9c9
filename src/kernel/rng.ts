import seedrandom from "seedrandom";

/**
 * The one source of randomness in a run. Pinned to seedrandom's `alea`: measured here at ~6.5 ns per draw
 * against ~11.6 ns for `tychei` and ~12.3 ns for `xor4096`. Changing the algorithm changes every run's
 * results, so test/kernel/rng.test.ts pins known answers for seed 42.
 *
 * `next()` has 32 bits of resolution (alea's native output); that is ample for simulation draws and twice
 * as fast as `double()`.
 */
export class Rng {
  /** The seed string this stream was built from: the root seed, then each fork label, joined by "/". */
  readonly seedPath: string;
  private readonly draw: seedrandom.PRNG;

  constructor(seed: number | string) {
    if (typeof seed === "number" && !Number.isFinite(seed)) {
      throw new RangeError(`Rng seed must be a finite number or a string, got ${seed}`);
    }
    this.seedPath = String(seed);
    this.draw = seedrandom.alea(this.seedPath);
  }

  /**
   * A child stream seeded from this stream's seed path plus `label`, never from this stream's current state:
   * drawing more from one fork, or from the parent, leaves every other fork's sequence unchanged.
   * Paths compose, so `fork("a").fork("b")` is the same stream as `fork("a/b")`.
   */
  fork(label: string): Rng {
    if (label.length === 0) throw new RangeError("Rng.fork label must be a non-empty string");
    return new Rng(`${this.seedPath}/${label}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Uniform integer in [0, n). Above 2^32, 32 bits of resolution would leave gaps, so it draws 53 bits. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isSafeInteger(n)) {
      throw badArgument("Rng.int(n) needs a positive safe integer n", n);
    }
    return Math.floor((n <= 4294967296 ? this.draw() : this.draw.double()) * n);
  }

  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw badArgument("Rng.bernoulli(p) needs 0 <= p <= 1", p);
    return this.draw() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Rng.pick needs a non-empty array");
    return items[Math.floor(this.draw() * items.length)];
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    if (!(a <= b)) throw badArgument("Rng.uniform(a, b) needs a <= b", a, b);
    return a + (b - a) * this.draw();
  }

  exponential(mean: number): number {
    // 1 - u lies in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.draw());
  }

  /**
   * Box–Muller, using one of its two outputs. Keeping the other would make the draw count per call depend on
   * call parity, so a model inserting one normal draw would shift every later value.
   */
  normal(mean: number, sd: number): number {
    return mean + sd * this.standardNormal();
  }

  /** median * exp(sigma * N(0, 1)); the median, not the mean, is exp(mu). */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.standardNormal());
  }

  /** Pareto type I: scale * U^(-1/shape), so every value is >= scale. */
  pareto(scale: number, shape: number): number {
    return scale * Math.pow(1 - this.draw(), -1 / shape);
  }

  /**
   * A sampler of ranks 0..n-1 with P(k) proportional to 1/(k+1)^s. The CDF is built once (O(n) memory);
   * each sample is one draw from this stream and a binary search.
   */
  zipf(n: number, s: number): ZipfSampler {
    if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`Rng.zipf needs n >= 1 (integer), got ${n}`);
    if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`Rng.zipf needs a finite exponent s >= 0, got ${s}`);
    const cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      total += Math.pow(k + 1, -s);
      cdf[k] = total;
    }
    for (let k = 0; k < n; k++) cdf[k] /= total;
    cdf[n - 1] = 1; // rounding must never leave a draw above the last bucket
    return new ZipfSampler(this, cdf, s);
  }

  /** Fisher–Yates in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.draw() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  private standardNormal(): number {
    const u1 = 1 - this.draw(); // in (0, 1]
    const u2 = this.draw();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/**
 * Messages are built out of line: a template literal in a hot method's throw branch was compiled into an eager
 * number-to-string conversion on every call (see sim.ts).
 */
function badArgument(message: string, ...got: unknown[]): RangeError {
  return new RangeError(`${message}, got ${got.map(String).join(", ")}`);
}

export class ZipfSampler {
  readonly n: number;

  constructor(
    private readonly rng: Rng,
    private readonly cdf: Float64Array,
    readonly s: number,
  ) {
    this.n = cdf.length;
  }

  /** A rank in 0..n-1; rank 0 is the most frequent. */
  sample(): number {
    return searchCdf(this.cdf, this.rng.next());
  }

  /** P(rank = k), for reports and tests. */
  probability(k: number): number {
    if (k < 0 || k >= this.n) return 0;
    return k === 0 ? this.cdf[0] : this.cdf[k] - this.cdf[k - 1];
  }
}

/** The first index whose cumulative probability exceeds u (u in [0, 1)). */
export function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
