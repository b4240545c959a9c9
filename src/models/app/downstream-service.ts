// A downstream service the handlers call (a `services:` entry): `servers` calls served at once, the rest wait in
// FIFO order; each takes a service time drawn from its distribution and fails with the error rate. An optional
// rate limit (a token bucket holding one second of tokens) rejects calls over it at once, and a rejection counts
// as an error. Faults: an outage fails every call at once (mode error) or never answers (mode timeout: the
// caller's timeout fires); a brownout raises the error rate and adds latency; a slowdown multiplies the service
// time. A call answered after the caller gave up still occupied a server: that is how timeouts and retries
// amplify load. Counts per time bucket feed the report's service chart.
import type { Simulation } from "../../kernel/sim.ts";
import type { Rng } from "../../kernel/rng.ts";
import { Deque } from "../queue/deque.ts";

export const enum CallOutcome {
  Ok = 0,
  Error = 1,
  Timeout = 2,
  /** Refused by the service's rate limit (counts as an error). */
  RateLimited = 3,
  /** Not sent: the caller's circuit breaker is open (CallNotPermittedException). */
  NotPermitted = 4,
}

export const CALL_OUTCOME_NAMES = ["ok", "error", "timeout", "rate-limited", "not-permitted"] as const;

export interface DownstreamServiceConfig {
  name: string;
  servers: number;
  serviceTime: () => number;
  errorRate: number;
  /** Calls per second; 0 = unlimited. */
  rateLimitPerS: number;
}

interface PendingCall {
  answer: (outcome: CallOutcome) => void;
  arrivedUs: number;
  /** Answered already (its connection was reset by an outage); the server still finishes the work. */
  answered: boolean;
}

export interface ServiceSeries {
  offered: number[];
  ok: number[];
  errors: number[];
}

export class DownstreamService {
  private busy = 0;
  private readonly waiting = new Deque<PendingCall>();
  private readonly inService = new Set<PendingCall>();
  private tokens: number;
  private tokensAtUs = 0;
  private outage: "error" | "timeout" | undefined;
  private brownout: { errorRate: number; latencyUs: number } | undefined;
  private slowdownFactor = 1;
  private readonly k: number;
  readonly series: ServiceSeries;
  calls = 0;
  errors = 0;

  constructor(
    readonly config: DownstreamServiceConfig,
    readonly actorId: number,
    private readonly sim: Simulation,
    private readonly rng: Rng,
    private readonly bucketUs: number,
    bucketCount: number,
  ) {
    this.tokens = config.rateLimitPerS;
    this.k = sim.registerKind("service.call-end");
    this.series = { offered: new Array(bucketCount).fill(0), ok: new Array(bucketCount).fill(0), errors: new Array(bucketCount).fill(0) };
  }

  get name(): string {
    return this.config.name;
  }

  private bucket(nowUs: number): number {
    return Math.min(this.series.offered.length - 1, Math.floor(nowUs / this.bucketUs));
  }

  /** A call arrives; `answer` runs when the service answers (never, in a timeout outage). */
  call(answer: (outcome: CallOutcome) => void): void {
    const now = this.sim.nowUs;
    this.calls++;
    this.series.offered[this.bucket(now)]++;
    if (this.outage === "timeout") return;
    if (this.outage === "error") return this.answerLater(0, answer, CallOutcome.Error);
    if (this.config.rateLimitPerS > 0 && !this.takeToken(now)) return this.answerLater(0, answer, CallOutcome.RateLimited);
    const call: PendingCall = { answer, arrivedUs: now, answered: false };
    if (this.busy < this.config.servers) this.serve(call);
    else this.waiting.push(call);
  }

  private takeToken(nowUs: number): boolean {
    const r = this.config.rateLimitPerS;
    this.tokens = Math.min(r, this.tokens + ((nowUs - this.tokensAtUs) * r) / 1e6);
    this.tokensAtUs = nowUs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private serve(call: PendingCall): void {
    this.busy++;
    this.inService.add(call);
    const extra = this.brownout?.latencyUs ?? 0;
    const t = Math.max(0, Math.round(this.config.serviceTime() * this.slowdownFactor + extra));
    const p = Math.min(1, this.config.errorRate + (this.brownout?.errorRate ?? 0));
    const failed = p > 0 && this.rng.bernoulli(p);
    this.sim.after(t, () => {
      this.busy--;
      this.inService.delete(call);
      const next = this.waiting.shift();
      if (next !== undefined) this.serve(next);
      if (!call.answered) this.finish(call.answer, failed ? CallOutcome.Error : CallOutcome.Ok);
    }, undefined, this.k, this.actorId);
  }

  private answerLater(delayUs: number, answer: (o: CallOutcome) => void, outcome: CallOutcome): void {
    this.sim.after(delayUs, () => this.finish(answer, outcome), undefined, this.k, this.actorId);
  }

  private finish(answer: (o: CallOutcome) => void, outcome: CallOutcome): void {
    const b = this.bucket(this.sim.nowUs);
    if (outcome === CallOutcome.Ok) this.series.ok[b]++;
    else {
      this.errors++;
      this.series.errors[b]++;
    }
    answer(outcome);
  }

  // ---------- faults ----------

  /** An error outage is a crash: every connection is reset, so the calls in service and waiting fail at once. */
  startOutage(mode: "error" | "timeout"): void {
    this.outage = mode;
    if (mode !== "error") return;
    for (const call of this.inService) {
      call.answered = true;
      this.answerLater(0, call.answer, CallOutcome.Error);
    }
    for (let c = this.waiting.shift(); c !== undefined; c = this.waiting.shift()) this.answerLater(0, c.answer, CallOutcome.Error);
  }
  endOutage(): void {
    this.outage = undefined;
  }
  startBrownout(errorRate: number, latencyUs: number): void {
    this.brownout = { errorRate, latencyUs };
  }
  endBrownout(): void {
    this.brownout = undefined;
  }
  startSlowdown(factor: number): void {
    this.slowdownFactor = factor;
  }
  endSlowdown(): void {
    this.slowdownFactor = 1;
  }

  /** Calls waiting for a server (a queue that grows without bound is an overloaded service). */
  get queued(): number {
    return this.waiting.size;
  }
}
