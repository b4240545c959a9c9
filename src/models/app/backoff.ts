// Retry back-off with the four jitter modes of the AWS Architecture Blog's "Exponential Backoff And Jitter"
// (semantics.md §10). Attempt n = 1 is the first retry, as in the post's reference simulator, so the un-jittered
// sleep before it is min(cap, base·2). Decorrelated jitter grows from the previous sleep, not from n. Every
// uniform draw comes from the caller's seeded stream, so a run replays exactly.
import type { Rng } from "../../kernel/rng.ts";

export type JitterMode = "none" | "full" | "equal" | "decorrelated";

export interface BackoffPolicy {
  baseUs: number;
  capUs: number;
  jitter: JitterMode;
}

/** The plain exponential sleep min(cap, base·2^n). */
export function exponentialUs(p: BackoffPolicy, n: number): number {
  return Math.min(p.capUs, p.baseUs * 2 ** n);
}

/**
 * The sleep before retry n (n ≥ 1). `previousUs` is the sleep before retry n-1 (decorrelated jitter only;
 * for the first retry pass the base, the post's s_0). Whole microseconds, never negative.
 */
export function backoffUs(p: BackoffPolicy, n: number, previousUs: number, rng: Rng): number {
  switch (p.jitter) {
    case "none":
      return Math.round(exponentialUs(p, n));
    case "full":
      return Math.round(rng.uniform(0, exponentialUs(p, n)));
    case "equal": {
      const v = exponentialUs(p, n);
      return Math.round(v / 2 + rng.uniform(0, v / 2));
    }
    case "decorrelated": {
      const hi = Math.max(p.baseUs, 3 * previousUs);
      return Math.round(Math.min(p.capUs, rng.uniform(p.baseUs, hi)));
    }
  }
}

/** One caller's sequence of sleeps: keeps the previous sleep that decorrelated jitter needs. */
export class Backoff {
  private previousUs: number;
  private n = 0;
  constructor(
    private readonly policy: BackoffPolicy,
    private readonly rng: Rng,
  ) {
    this.previousUs = policy.baseUs;
  }
  /** The sleep before the next retry. */
  next(): number {
    this.n++;
    const s = backoffUs(this.policy, this.n, this.previousUs, this.rng);
    this.previousUs = s;
    return s;
  }
}
