import { describe, expect, it } from "vitest";
import { BreakerState, CircuitBreaker, RESILIENCE4J_DEFAULTS, type BreakerTransition, type CircuitBreakerConfig } from "../../../src/models/app/circuit-breaker.ts";

const cfg = (over: Partial<CircuitBreakerConfig>): CircuitBreakerConfig => ({ ...RESILIENCE4J_DEFAULTS, ...over });

function calls(b: CircuitBreaker, outcomes: boolean[], atUs = 0, durationUs = 1000): void {
  for (const failed of outcomes) {
    expect(b.tryAcquirePermission(atUs)).toBe(true);
    b.onResult(atUs, durationUs, failed);
  }
}

describe("resilience4j circuit breaker", () => {
  it("has resilience4j's defaults: window 100, minimum calls 100, 50% failures, 60 s open, 10 half-open permits", () => {
    const b = new CircuitBreaker(RESILIENCE4J_DEFAULTS);
    expect(b.minimumCalls).toBe(100);
    // 99 failures: below the minimum no rate exists, so it stays closed.
    calls(b, Array(99).fill(true));
    expect(b.state).toBe(BreakerState.Closed);
    calls(b, [true]);
    expect(b.state).toBe(BreakerState.Open);
  });

  it("caps minimumNumberOfCalls at the window size when count-based", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 10, minimumNumberOfCalls: 100 }));
    expect(b.minimumCalls).toBe(10);
    const t = new CircuitBreaker(cfg({ slidingWindowType: "time", slidingWindowSize: 10, minimumNumberOfCalls: 100 }));
    expect(t.minimumCalls).toBe(100);
  });

  it("trips when the failure rate reaches the threshold exactly at the minimum number of calls (≥, not >)", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50 }));
    calls(b, [true, true, true, true, false, false, false, false, false]);
    expect(b.state).toBe(BreakerState.Closed); // 9 calls: no rate yet
    calls(b, [true]); // 5 of 10 = 50%
    expect(b.state).toBe(BreakerState.Open);
  });

  it("stays closed just under the threshold", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50 }));
    calls(b, [true, true, true, true, false, false, false, false, false, false]);
    expect(b.state).toBe(BreakerState.Closed);
  });

  it("trips on the slow-call rate too", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 4, minimumNumberOfCalls: 4, slowCallRateThreshold: 50, slowCallDurationUs: 1_000_000 }));
    calls(b, [false, false], 0, 2_000_000);
    calls(b, [false], 0, 10);
    expect(b.state).toBe(BreakerState.Closed);
    calls(b, [false], 0, 10);
    expect(b.state).toBe(BreakerState.Open);
  });

  it("rejects while open without counting rejections as failures, then goes half-open lazily after the wait", () => {
    const seen: BreakerTransition[] = [];
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenStateUs: 5_000_000, permittedNumberOfCallsInHalfOpenState: 2 }), (t) => seen.push(t));
    calls(b, [true, true], 1_000_000);
    expect(b.state).toBe(BreakerState.Open);
    expect(b.tryAcquirePermission(3_000_000)).toBe(false);
    expect(b.tryAcquirePermission(5_999_999)).toBe(false);
    expect(b.rejected).toBe(2);
    expect(b.state).toBe(BreakerState.Open); // no timer: still open until asked
    expect(b.tryAcquirePermission(6_000_000)).toBe(true);
    expect(b.state).toBe(BreakerState.HalfOpen);
    expect(b.tryAcquirePermission(6_000_000)).toBe(true);
    expect(b.tryAcquirePermission(6_000_000)).toBe(false); // only the permitted number
    b.onResult(6_100_000, 10, false);
    expect(b.state).toBe(BreakerState.HalfOpen); // waits for every trial call
    b.onResult(6_100_000, 10, false);
    expect(b.state).toBe(BreakerState.Closed);
    expect(seen.map((t) => t.to)).toEqual([BreakerState.Open, BreakerState.HalfOpen, BreakerState.Closed]);
  });

  it("goes back to open when the half-open trial calls fail at the threshold", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenStateUs: 1000, permittedNumberOfCallsInHalfOpenState: 2 }));
    calls(b, [true, true], 0);
    expect(b.tryAcquirePermission(1000)).toBe(true);
    expect(b.tryAcquirePermission(1000)).toBe(true);
    b.onResult(1000, 10, true);
    b.onResult(1000, 10, false); // 50% ≥ 50%
    expect(b.state).toBe(BreakerState.Open);
  });

  it("half-open decides after min(minimumNumberOfCalls, permitted) trial calls, like resilience4j's half-open window", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenStateUs: 1000, permittedNumberOfCallsInHalfOpenState: 5 }));
    calls(b, [true, true], 0);
    for (let i = 0; i < 5; i++) expect(b.tryAcquirePermission(1000)).toBe(true);
    b.onResult(1000, 10, false);
    expect(b.state).toBe(BreakerState.HalfOpen);
    b.onResult(1000, 10, false); // 2 calls reach the (capped) minimum: 0% failures
    expect(b.state).toBe(BreakerState.Closed);
  });

  it("starts closed with fresh metrics after half-open", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 4, minimumNumberOfCalls: 4, waitDurationInOpenStateUs: 1000, permittedNumberOfCallsInHalfOpenState: 1 }));
    calls(b, [true, true, true, true], 0);
    expect(b.tryAcquirePermission(1000)).toBe(true);
    b.onResult(1000, 10, false);
    expect(b.state).toBe(BreakerState.Closed);
    calls(b, [true, true, true], 2000); // old failures are gone: 3 calls < minimum 4
    expect(b.state).toBe(BreakerState.Closed);
  });

  it("automatic transition: wake() after the wait turns it half-open without a call", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenStateUs: 1000, automaticTransitionFromOpenToHalfOpen: true }));
    calls(b, [true, true], 0);
    b.wake(999);
    expect(b.state).toBe(BreakerState.Open);
    b.wake(b.openUntilUs);
    expect(b.state).toBe(BreakerState.HalfOpen);
  });

  it("time-based window counts only the calls of the last N seconds", () => {
    const b = new CircuitBreaker(cfg({ slidingWindowType: "time", slidingWindowSize: 2, minimumNumberOfCalls: 4 }));
    calls(b, [true, true, true], 0);
    // Three seconds later the old failures have left the window: 1 call, below the minimum.
    calls(b, [true], 3_000_000);
    expect(b.state).toBe(BreakerState.Closed);
    calls(b, [true, true, true], 3_500_000);
    expect(b.state).toBe(BreakerState.Open);
  });
});
