// The resilience4j CircuitBreaker state machine (semantics.md §10): CLOSED, OPEN, HALF_OPEN, with a count- or
// time-based sliding window. Rules kept exactly: rates exist only once the window holds ≥ minimumNumberOfCalls
// (capped at the window size when count-based); it trips when failureRate ≥ threshold OR slowCallRate ≥
// threshold; OPEN rejects with CallNotPermitted, which is recorded as neither success nor failure; after the
// wait it turns HALF_OPEN lazily on the next permission request (or by timer when automatic transition is on);
// HALF_OPEN admits exactly the permitted number of calls and decides once they are all recorded.

export const enum BreakerState {
  Closed = 0,
  Open = 1,
  HalfOpen = 2,
}

export const BREAKER_STATE_NAMES = ["closed", "open", "half-open"] as const;

export interface CircuitBreakerConfig {
  slidingWindowType: "count" | "time";
  /** Calls (count-based) or seconds (time-based). */
  slidingWindowSize: number;
  minimumNumberOfCalls: number;
  failureRateThreshold: number;
  slowCallRateThreshold: number;
  slowCallDurationUs: number;
  waitDurationInOpenStateUs: number;
  permittedNumberOfCallsInHalfOpenState: number;
  automaticTransitionFromOpenToHalfOpen: boolean;
}

export const RESILIENCE4J_DEFAULTS: CircuitBreakerConfig = {
  slidingWindowType: "count",
  slidingWindowSize: 100,
  minimumNumberOfCalls: 100,
  failureRateThreshold: 50,
  slowCallRateThreshold: 100,
  slowCallDurationUs: 60_000_000,
  waitDurationInOpenStateUs: 60_000_000,
  permittedNumberOfCallsInHalfOpenState: 10,
  automaticTransitionFromOpenToHalfOpen: false,
};

/** Outcomes in a window: calls, failures and slow calls. */
interface Window {
  record(nowUs: number, failed: boolean, slow: boolean): void;
  totals(nowUs: number): { calls: number; failed: number; slow: number };
}

/** The last N calls, in a ring. */
class CountWindow implements Window {
  private readonly failedRing: Uint8Array;
  private readonly slowRing: Uint8Array;
  private head = 0;
  private calls = 0;
  private failed = 0;
  private slow = 0;
  constructor(private readonly size: number) {
    this.failedRing = new Uint8Array(size);
    this.slowRing = new Uint8Array(size);
  }
  record(_nowUs: number, failed: boolean, slow: boolean): void {
    if (this.calls === this.size) {
      this.failed -= this.failedRing[this.head];
      this.slow -= this.slowRing[this.head];
    } else this.calls++;
    this.failedRing[this.head] = failed ? 1 : 0;
    this.slowRing[this.head] = slow ? 1 : 0;
    this.failed += failed ? 1 : 0;
    this.slow += slow ? 1 : 0;
    this.head = (this.head + 1) % this.size;
  }
  totals(): { calls: number; failed: number; slow: number } {
    return { calls: this.calls, failed: this.failed, slow: this.slow };
  }
}

/** The calls of the last N epoch seconds, one bucket per second, as resilience4j aggregates them. */
class TimeWindow implements Window {
  private readonly second: Float64Array;
  private readonly calls: Int32Array;
  private readonly failed: Int32Array;
  private readonly slow: Int32Array;
  constructor(private readonly seconds: number) {
    this.second = new Float64Array(seconds).fill(-1);
    this.calls = new Int32Array(seconds);
    this.failed = new Int32Array(seconds);
    this.slow = new Int32Array(seconds);
  }
  record(nowUs: number, failed: boolean, slow: boolean): void {
    const s = Math.floor(nowUs / 1e6);
    const i = s % this.seconds;
    if (this.second[i] !== s) {
      this.second[i] = s;
      this.calls[i] = this.failed[i] = this.slow[i] = 0;
    }
    this.calls[i]++;
    if (failed) this.failed[i]++;
    if (slow) this.slow[i]++;
  }
  totals(nowUs: number): { calls: number; failed: number; slow: number } {
    const s = Math.floor(nowUs / 1e6);
    let calls = 0, failed = 0, slow = 0;
    for (let i = 0; i < this.seconds; i++) {
      if (this.second[i] < 0 || s - this.second[i] >= this.seconds) continue;
      calls += this.calls[i];
      failed += this.failed[i];
      slow += this.slow[i];
    }
    return { calls, failed, slow };
  }
}

export interface BreakerTransition {
  atUs: number;
  from: BreakerState;
  to: BreakerState;
  /** Why, in resilience4j's terms (e.g. "failure rate 60% ≥ 50% over 10 calls"). */
  reason: string;
}

export class CircuitBreaker {
  state = BreakerState.Closed;
  private window: Window;
  private openedAtUs = 0;
  private halfOpenPermits = 0;
  private halfOpenRecorded = 0;
  private halfOpenFailed = 0;
  private halfOpenSlow = 0;
  readonly minimumCalls: number;
  /** Rejections while OPEN or beyond the half-open permits (CallNotPermittedException): not failures. */
  rejected = 0;

  constructor(
    readonly config: CircuitBreakerConfig,
    /** Told of every transition (the runner records it in the history). */
    private readonly onTransition: (t: BreakerTransition) => void = () => undefined,
  ) {
    this.minimumCalls =
      config.slidingWindowType === "count" ? Math.min(config.minimumNumberOfCalls, config.slidingWindowSize) : config.minimumNumberOfCalls;
    this.window = this.freshWindow();
  }

  private freshWindow(): Window {
    return this.config.slidingWindowType === "count" ? new CountWindow(this.config.slidingWindowSize) : new TimeWindow(this.config.slidingWindowSize);
  }

  private transition(nowUs: number, to: BreakerState, reason: string): void {
    const from = this.state;
    this.state = to;
    if (to === BreakerState.Open) this.openedAtUs = nowUs;
    if (to === BreakerState.HalfOpen) {
      this.halfOpenPermits = this.halfOpenRecorded = this.halfOpenFailed = this.halfOpenSlow = 0;
    }
    if (to === BreakerState.Closed) this.window = this.freshWindow();
    this.onTransition({ atUs: nowUs, from, to, reason });
  }

  /** When an OPEN breaker may turn HALF_OPEN (automatic transition schedules a timer for it). */
  get openUntilUs(): number {
    return this.openedAtUs + this.config.waitDurationInOpenStateUs;
  }

  /** The automatic-transition timer fired. */
  wake(nowUs: number): void {
    if (this.state === BreakerState.Open && nowUs >= this.openUntilUs) this.transition(nowUs, BreakerState.HalfOpen, "wait in open state elapsed (automatic)");
  }

  /** tryAcquirePermission: false means CallNotPermittedException (counted in `rejected`, not a failure). */
  tryAcquirePermission(nowUs: number): boolean {
    if (this.state === BreakerState.Open) {
      if (nowUs >= this.openUntilUs) this.transition(nowUs, BreakerState.HalfOpen, "wait in open state elapsed");
      else {
        this.rejected++;
        return false;
      }
    }
    if (this.state === BreakerState.HalfOpen) {
      if (this.halfOpenPermits >= this.config.permittedNumberOfCallsInHalfOpenState) {
        this.rejected++;
        return false;
      }
      this.halfOpenPermits++;
    }
    return true;
  }

  /** A permitted call ended; a call that ran longer than slowCallDuration is slow (successful or not). */
  onResult(nowUs: number, durationUs: number, failed: boolean): void {
    const slow = durationUs > this.config.slowCallDurationUs;
    if (this.state === BreakerState.HalfOpen) {
      this.halfOpenRecorded++;
      if (failed) this.halfOpenFailed++;
      if (slow) this.halfOpenSlow++;
      // Half-open metrics are a count window of the permitted calls, so its minimum is capped at that size too:
      // by default (100 vs 10) the decision waits for every trial call.
      const n = Math.min(this.config.permittedNumberOfCallsInHalfOpenState, this.config.minimumNumberOfCalls);
      if (this.halfOpenRecorded < n) return;
      const verdict = this.exceeded(this.halfOpenRecorded, this.halfOpenFailed, this.halfOpenSlow);
      if (verdict) this.transition(nowUs, BreakerState.Open, `half-open trial: ${verdict}`);
      else this.transition(nowUs, BreakerState.Closed, `half-open trial: ${this.halfOpenRecorded} call(s) below the thresholds`);
      return;
    }
    if (this.state !== BreakerState.Closed) return; // a call permitted before the breaker opened
    this.window.record(nowUs, failed, slow);
    const t = this.window.totals(nowUs);
    if (t.calls < this.minimumCalls) return;
    const verdict = this.exceeded(t.calls, t.failed, t.slow);
    if (verdict) this.transition(nowUs, BreakerState.Open, verdict);
  }

  /** The reason it trips, or undefined. Rates in percent, compared with ≥ as resilience4j does. */
  private exceeded(calls: number, failed: number, slow: number): string | undefined {
    const failureRate = (failed * 100) / calls;
    const slowRate = (slow * 100) / calls;
    if (failureRate >= this.config.failureRateThreshold) return `failure rate ${round1(failureRate)}% ≥ ${this.config.failureRateThreshold}% over ${calls} call(s)`;
    if (slowRate >= this.config.slowCallRateThreshold) return `slow-call rate ${round1(slowRate)}% ≥ ${this.config.slowCallRateThreshold}% over ${calls} call(s)`;
    return undefined;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
