/**
 * The run fingerprint: a rolling hash over (timeUs, kind, id) of every dispatched event, in dispatch order.
 * Two independent 32-bit lanes (different multipliers, different word orders) give a 64-bit result without
 * BigInt, which would allocate on every event. Each lane sees every input word, so any single difference
 * perturbs both.
 *
 * The constants and word order are part of the output format: result.json stores fingerprints, so changing
 * anything here changes every stored fingerprint. test/kernel/sim.test.ts pins one.
 */

export const FINGERPRINT_SEED_A = 0x243f6a88 | 0;
export const FINGERPRINT_SEED_B = 0x85a308d3 | 0;

/** timeUs is split into low and high 32-bit words because simulated time passes 2^32 µs after ~72 minutes. */
export function foldLaneA(a: number, timeLo: number, timeHi: number, kind: number, id: number): number {
  a = Math.imul(a ^ timeLo, 0xcc9e2d51);
  a = (a << 15) | (a >>> 17);
  a = Math.imul(a ^ timeHi, 0x1b873593);
  a = (a << 13) | (a >>> 19);
  a = Math.imul(a ^ kind, 0xe6546b64);
  a = (a << 15) | (a >>> 17);
  return Math.imul(a ^ id, 0x85ebca6b);
}

export function foldLaneB(b: number, timeLo: number, timeHi: number, kind: number, id: number): number {
  b = Math.imul(b ^ id, 0xc2b2ae35);
  b = (b << 13) | (b >>> 19);
  b = Math.imul(b ^ kind, 0x27d4eb2f);
  b = (b << 15) | (b >>> 17);
  b = Math.imul(b ^ timeHi, 0x165667b1);
  b = (b << 13) | (b >>> 19);
  return Math.imul(b ^ timeLo, 0x9e3779b1);
}

/** murmur3's finalizer: the rolling lanes are not avalanched on their own. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

/** 16 lowercase hex chars. The event count is mixed in so that traces of different lengths never tie trivially. */
export function formatFingerprint(a: number, b: number, events: number): string {
  const countLo = events >>> 0;
  const countHi = Math.floor(events / 4294967296) >>> 0;
  const fa = fmix32(a ^ countLo ^ Math.imul(b, 0x9e3779b1));
  const fb = fmix32(b ^ countHi ^ Math.imul(fa, 0x85ebca6b));
  return hex8(fa) + hex8(fb);
}

/**
 * Folds one event into a standalone fingerprint; for replay tools that recompute a fingerprint from a
 * recorded trace and need to agree with Simulation.fingerprint().
 */
export class FingerprintAccumulator {
  private a = FINGERPRINT_SEED_A;
  private b = FINGERPRINT_SEED_B;
  private count = 0;

  add(timeUs: number, kind: number, id: number): void {
    const lo = timeUs >>> 0;
    const hi = (timeUs - lo) / 4294967296;
    this.a = foldLaneA(this.a, lo, hi, kind, id);
    this.b = foldLaneB(this.b, lo, hi, kind, id);
    this.count++;
  }

  digest(): string {
    return formatFingerprint(this.a, this.b, this.count);
  }
}
