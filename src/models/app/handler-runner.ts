// Runs one attempt of a handler's steps on one record, for one consumer (a group member, a queue consumer, or a
// retry-topic / redrive worker), and reports success or the failure's cause. Dedup with a member's memory table
// or a shared store (checked first; the key written with the effect in one transaction when atomic, else after
// the last step: check, then act); downstream calls with timeout, retries with back-off and a circuit breaker
// per member and service; effects applied to a store; deterministic failures. Every step leaves history rows,
// which the application checkers read. Answers for an incarnation that crashed are dropped.
import { Op, type History } from "../../history/history.ts";
import type { Rng } from "../../kernel/rng.ts";
import type { Simulation } from "../../kernel/sim.ts";
import { makeSampler } from "../../kernel/distributions.ts";
import { Backoff } from "./backoff.ts";
import { CircuitBreaker, RESILIENCE4J_DEFAULTS } from "./circuit-breaker.ts";
import { CALL_OUTCOME_NAMES, CallOutcome } from "./downstream-service.ts";
import { DedupTable } from "./store.ts";
import { DedupMissReason, EffectDedup, type AppRecord, type FailureCause, type HandlerHost, type HandlerResult } from "./handler-types.ts";
import type { AppSystem, HandlerStep } from "./app-system.ts";
import { ProduceStep } from "./produce-step.ts";

interface Attempt {
  rec: AppRecord;
  attempt: number;
  inc: number;
  step: number;
  /** The idempotency key to write when the handler succeeds (check-then-act) or with the effect (atomic). */
  mark?: { key: string; storeName: string; ttlUs: number; atomic: boolean };
  done: (r: HandlerResult) => void;
}

export class HandlerRunner {
  /** The member's own dedup table (store: memory): gone when the process crashes. */
  private readonly memory = new DedupTable();
  private memoryIncarnation: number;
  private readonly breakers = new Map<number, CircuitBreaker>();
  private readonly samplers = new Map<number, () => number>();
  private readonly producers = new Map<number, ProduceStep>();
  private readonly rng: Rng;

  constructor(
    private readonly app: AppSystem,
    private readonly steps: readonly HandlerStep[],
    private readonly host: HandlerHost,
    rng: Rng,
  ) {
    this.rng = rng;
    this.memoryIncarnation = host.incarnation();
    steps.forEach((s, i) => {
      if ("process" in s) this.samplers.set(i, makeSampler(s.process, rng.fork(`process-${i}`)));
      if ("produce" in s && app.kafkaCluster) this.producers.set(i, new ProduceStep(app.world, app.kafkaCluster, host.name, host.actorId, i, s.produce.topic, s.produce.producer));
      if ("call" in s && s.call.circuitBreaker) {
        const cb = s.call.circuitBreaker;
        const service = app.service(s.call.service);
        const breaker = new CircuitBreaker(
          {
            ...RESILIENCE4J_DEFAULTS,
            slidingWindowType: cb.slidingWindowType,
            slidingWindowSize: cb.slidingWindowSize,
            minimumNumberOfCalls: cb.minimumNumberOfCalls,
            failureRateThreshold: cb.failureRateThreshold,
            slowCallRateThreshold: cb.slowCallRateThreshold,
            slowCallDurationUs: cb.slowCallDurationThreshold,
            waitDurationInOpenStateUs: cb.waitDurationInOpenState,
            permittedNumberOfCallsInHalfOpenState: cb.permittedNumberOfCallsInHalfOpenState,
            automaticTransitionFromOpenToHalfOpen: cb.automaticTransitionFromOpenToHalfOpenEnabled,
          },
          (t) => {
            this.h.record(Op.AppBreakerTransition, t.atUs, -1, host.actorId, t.to, t.from, service.actorId);
            app.breakerTransition(host.name, service.name, t);
            if (t.to === 1 && cb.automaticTransitionFromOpenToHalfOpenEnabled) {
              this.sim.at(breaker.openUntilUs, () => breaker.wake(this.sim.nowUs));
            }
          },
        );
        this.breakers.set(i, breaker);
      }
    });
  }

  private get h(): History {
    return this.app.world.history;
  }
  private get sim(): Simulation {
    return this.app.world.sim;
  }

  /** Runs the steps once; `done` gets the result (never called if the process crashes meanwhile). */
  run(rec: AppRecord, attempt: number, done: (r: HandlerResult) => void): void {
    const inc = this.host.incarnation();
    if (inc !== this.memoryIncarnation) {
      // A new process: the in-memory dedup table died with the old one.
      this.memory.clear();
      this.memoryIncarnation = inc;
    }
    this.next({ rec, attempt, inc, step: 0, done });
  }

  private alive(a: Attempt): boolean {
    return this.host.incarnation() === a.inc;
  }

  private fail(a: Attempt, error: string, retryable = true): void {
    // Past the last step: the check-then-act key write failed, which belongs to the dedup step.
    const step = this.steps[a.step] as HandlerStep | undefined;
    const cause: FailureCause = { step: a.step, stepKind: step ? Object.keys(step)[0] : "dedup", error, retryable };
    this.h.record(Op.AppHandlerFailed, this.sim.nowUs, a.rec.msg, this.host.actorId, a.step, a.attempt, this.host.ownerActor);
    a.done({ ok: false, cause });
  }

  private advance(a: Attempt): void {
    a.step++;
    this.next(a);
  }

  private next(a: Attempt): void {
    if (!this.alive(a)) return;
    if (a.step >= this.steps.length) return this.succeed(a);
    const s = this.steps[a.step];
    if ("process" in s) {
      this.host.after(Math.max(0, Math.round(this.samplers.get(a.step)!())), (x: Attempt) => this.advance(x), a);
    } else if ("dedup" in s) this.dedup(a, s.dedup);
    else if ("call" in s) this.call(a, s.call, 1, undefined);
    else if ("effect" in s) this.effect(a, s.effect);
    else if ("produce" in s) this.produce(a, s.produce.topic);
    else {
      const err = this.app.poison(this.host.ownerActor, a.step, s.fail, a.rec, this.sim.nowUs);
      if (err !== undefined) return this.fail(a, err);
      this.advance(a);
    }
  }

  private keyOf(rec: AppRecord, kind: "message-id" | "record-key"): string {
    return kind === "message-id" ? `id:${rec.msg}` : `key:${this.h.keyOf(rec.msg)}`;
  }

  // ---------- dedup ----------

  private dedup(a: Attempt, d: Extract<HandlerStep, { dedup: unknown }>["dedup"]): void {
    const key = this.keyOf(a.rec, d.key);
    const check = (table: DedupTable, storeActor: number): void => {
      const now = this.sim.nowUs;
      const r = table.check(key, now);
      if (r.status === "hit") {
        this.h.record(Op.AppDedupHit, now, a.rec.msg, this.host.actorId, this.host.ownerActor, r.entry!.msg, storeActor);
        // Seen before: the rest of the handler is skipped, the record counts as handled.
        return this.finish(a);
      }
      const reason = r.status === "expired" ? DedupMissReason.Expired : DedupMissReason.Absent;
      this.h.record(Op.AppDedupMiss, now, a.rec.msg, this.host.actorId, this.host.ownerActor, reason, storeActor);
      a.mark = { key, storeName: d.store, ttlUs: d.ttl, atomic: d.atomic };
      this.advance(a);
    };
    if (d.store === "memory") return check(this.memory, -1);
    const store = this.app.store(d.store);
    store.transact(() => undefined, (ok) => {
      if (!this.alive(a)) return;
      if (!ok) return this.fail(a, `store ${d.store} unavailable`);
      check(store.dedup, store.actorId);
    });
  }

  // ---------- effect ----------

  private effect(a: Attempt, e: Extract<HandlerStep, { effect: unknown }>["effect"]): void {
    const store = this.app.store(e.store);
    const atomic = a.mark?.atomic === true && a.mark.storeName === e.store ? a.mark : undefined;
    const dedupMode = atomic ? EffectDedup.Atomic : a.mark ? EffectDedup.CheckThenAct : EffectDedup.None;
    const member = this.host.actorId, owner = this.host.ownerActor, msg = a.rec.msg;
    const effectKey = this.keyOf(a.rec, e.key);
    let duplicate = false;
    store.transact(
      () => {
        // Committed at the database: this holds even if the member died after sending the commit.
        const now = this.sim.nowUs;
        if (atomic) {
          // Same transaction: the key is inserted with the effect, so a handler that raced past the early check
          // (a concurrent redelivery) hits the unique key here and applies nothing.
          const again = store.dedup.check(atomic.key, now);
          if (again.status === "hit") {
            duplicate = true;
            this.h.record(Op.AppDedupHit, now, msg, member, owner, again.entry!.msg, store.actorId);
            return;
          }
        }
        store.applyEffect(effectKey);
        this.h.record(Op.AppEffect, now, msg, member, owner, dedupMode, store.actorId);
        if (atomic) {
          store.dedup.mark(atomic.key, msg, now, atomic.ttlUs);
          this.h.record(Op.AppDedupMark, now, msg, member, owner, now + atomic.ttlUs, store.actorId);
        }
      },
      (ok) => {
        if (!this.alive(a)) return;
        if (!ok) return this.fail(a, `store ${e.store} unavailable`);
        if (atomic) a.mark = undefined;
        if (duplicate) return this.finish(a);
        this.advance(a);
      },
    );
  }

  /** The member's process crashed: its produce steps' producers die with it. */
  crashed(): void {
    for (const p of this.producers.values()) p.crash();
  }

  // ---------- produce ----------

  private produce(a: Attempt, topic: string): void {
    const p = this.producers.get(a.step);
    if (p === undefined) return this.fail(a, `no Kafka producer for ${topic}`, false);
    p.send(a.rec, (ok) => {
      if (!this.alive(a)) return;
      if (!ok) return this.fail(a, `send to ${topic} failed (delivery timeout)`);
      this.advance(a);
    });
  }

  // ---------- call ----------

  private call(a: Attempt, c: Extract<HandlerStep, { call: unknown }>["call"], n: number, backoff: Backoff | undefined): void {
    const service = this.app.service(c.service);
    const breaker = this.breakers.get(a.step);
    const max = c.retry?.maxAttempts ?? 1;
    const member = this.host.actorId;
    const failed = (outcome: CallOutcome): void => {
      if (n >= max) return this.fail(a, `${service.name}: ${CALL_OUTCOME_NAMES[outcome]} after ${n} attempt(s)`);
      const b = backoff ?? new Backoff({ baseUs: c.retry!.base, capUs: c.retry!.cap, jitter: c.retry!.jitter }, this.rng);
      this.host.after(b.next(), (x: Attempt) => this.call(x, c, n + 1, b), a);
    };
    const now = this.sim.nowUs;
    if (breaker && !breaker.tryAcquirePermission(now)) {
      this.h.record(Op.AppCallEnd, now, a.rec.msg, member, CallOutcome.NotPermitted, n, service.actorId);
      return failed(CallOutcome.NotPermitted);
    }
    this.h.record(Op.AppCallStart, now, a.rec.msg, member, n, this.host.ownerActor, service.actorId);
    let settled = false;
    const settle = (outcome: CallOutcome): void => {
      if (settled) return;
      settled = true;
      const t = this.sim.nowUs;
      breaker?.onResult(t, t - now, outcome !== CallOutcome.Ok);
      if (!this.alive(a)) return;
      this.h.record(Op.AppCallEnd, t, a.rec.msg, member, outcome, n, service.actorId);
      if (outcome === CallOutcome.Ok) this.advance(a);
      else failed(outcome);
    };
    service.call(settle);
    this.host.after(c.timeout, () => settle(CallOutcome.Timeout), undefined);
  }

  // ---------- the end ----------

  /** Every step passed: write the idempotency key if check-then-act, then report success. */
  private succeed(a: Attempt): void {
    const m = a.mark;
    if (m === undefined) return this.finish(a);
    const write = (table: DedupTable, storeActor: number): void => {
      const now = this.sim.nowUs;
      table.mark(m.key, a.rec.msg, now, m.ttlUs);
      this.h.record(Op.AppDedupMark, now, a.rec.msg, this.host.actorId, this.host.ownerActor, now + m.ttlUs, storeActor);
    };
    if (m.storeName === "memory") {
      write(this.memory, -1);
      return this.finish(a);
    }
    const store = this.app.store(m.storeName);
    store.transact(() => write(store.dedup, store.actorId), (ok) => {
      if (!this.alive(a)) return;
      if (!ok) return this.fail(a, `store ${m.storeName} unavailable`);
      this.finish(a);
    });
  }

  private finish(a: Attempt): void {
    this.h.record(Op.AppHandlerDone, this.sim.nowUs, a.rec.msg, this.host.actorId, a.rec.partition, a.attempt, this.host.ownerActor);
    a.done({ ok: true });
  }
}
