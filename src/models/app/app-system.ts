// The application layer of one run: the `stores:` and `services:` of the scenario, a handler (with its error
// handling) for each consumer that declares one, the retry-topic and redrive workers of each group, service
// faults, and the record of dead letters and circuit-breaker transitions the report shows.
import type { z } from "zod";
import { Op } from "../../history/history.ts";
import { makeSampler } from "../../kernel/distributions.ts";
import type { World } from "../../runner/world.ts";
import { downstreamServices, type ConsumerGroupSpec, type Scenario } from "../../scenario/schema.ts";
import type { handlerStepSchema, zErrorHandling, appFaultSchemas } from "../../scenario/schema-app.ts";
import { formatDurationUs } from "../../scenario/units.ts";
import { BREAKER_STATE_NAMES, type BreakerTransition } from "./circuit-breaker.ts";
import { DownstreamService } from "./downstream-service.ts";
import { Store } from "./store.ts";
import { HandlerRunner } from "./handler-runner.ts";
import { ConsumerErrorHandling, SPRING_DEFAULT_ERROR_HANDLING, type FailureTrail } from "./error-handling.ts";
import type { AppRecord, FailureCause, HandlerHost } from "./handler-types.ts";
import { dlqTriage, type DeadLetterRow } from "./dlq-triage.ts";
import type { AppRunMetrics, BreakerRunMetrics } from "./app-metrics.ts";
import type { Cluster } from "../kafka/broker.ts";
import type { QueueBase } from "../queue/queue-base.ts";
import { startQueueRedrive } from "../queue/dlq-redrive-operation.ts";

export type HandlerStep = z.output<ReturnType<typeof handlerStepSchema>>;
export type ErrorHandlingSpec = z.output<typeof zErrorHandling>;
export type AppFaultSpec = z.output<(typeof appFaultSchemas)[number]>;

/** What a consumer asks of its handler: process one record, then say when it may move on. */
export interface AppConsumer {
  process(rec: AppRecord, finished: () => void): void;
  /** The one entry point for a record that failed outside the handler (e.g. it could not be decoded). */
  failRecord(rec: AppRecord, cause: FailureCause, finished: () => void): void;
  /** The member's process crashed: what lives in it (the produce steps' producers) goes with it. */
  crashed?(): void;
}

/** A queue consumer's handler: one attempt per delivery; the queue's own rules (redelivery, DLQ) do the rest. */
export interface QueueHandler {
  run(rec: AppRecord, done: (ok: boolean) => void): void;
}

interface GroupWorker {
  host: HandlerHost;
  handling: ConsumerErrorHandling;
  runner: HandlerRunner;
  spec: ErrorHandlingSpec;
}

export function usesApp(s: Scenario): boolean {
  const hasHandler = (c: object): boolean => (c as { handler?: unknown }).handler !== undefined;
  const redrive = s.faults.some((f) => "redrive" in f);
  return downstreamServices(s).length > 0 || s.stores.length > 0 || s.consumerGroups.some(hasHandler) || s.queueConsumers.some(hasHandler) || redrive;
}

export function isAppFault(f: object): f is AppFaultSpec {
  return "outage" in f || "brownout" in f || "redrive" in f || ("slowdown" in f && typeof (f as { slowdown: unknown }).slowdown === "object");
}

export class AppSystem {
  private readonly stores = new Map<string, Store>();
  private readonly services = new Map<string, DownstreamService>();
  /** Transient failures so far per (owner, step, message): `fail.times` counts across members and retries. */
  private readonly transientFailures = new Map<string, number>();
  private readonly failSeeds = new Map<string, number>();
  private readonly workers = new Map<string, GroupWorker>();
  private readonly breakerLog = new Map<string, BreakerRunMetrics>();
  readonly deadLetters: DeadLetterRow[] = [];
  private skippedCount = 0;
  private stalledCount = 0;
  private redrivenCount = 0;
  private readonly k: number;
  /** Output record → the input record a produce step made it from (pipeline lineage). */
  private readonly inputOf = new Map<number, number>();
  /** The Kafka cluster, for handlers' `produce` steps (known once a consumer group builds its members). */
  kafkaCluster: Cluster | undefined;
  /** The queues, for a redrive whose `from` is a dead-letter queue (set by the runner once they are built). */
  queueSystem: { queues: ReadonlyMap<string, QueueBase> } | undefined;

  constructor(readonly world: World) {
    const { scenario: s, history: h, sim, metrics } = world;
    this.k = sim.registerKind("app.retry");
    for (const st of s.stores) {
      const store = new Store(st.name, h.actor(st.name, "store"), sim, makeSampler(st.commitLatency, world.rng.fork(`app/store/${st.name}`)));
      this.stores.set(st.name, store);
      world.targets.register(store);
    }
    for (const sv of downstreamServices(s)) {
      const rng = world.rng.fork(`app/service/${sv.name}`);
      this.services.set(
        sv.name,
        new DownstreamService(
          { name: sv.name, servers: sv.servers, serviceTime: makeSampler(sv.serviceTime, rng.fork("time")), errorRate: sv.errorRate, rateLimitPerS: sv.rateLimit ?? 0 },
          h.actor(sv.name, "service"),
          sim,
          rng.fork("errors"),
          metrics.bucketUs,
          metrics.bucketCount,
        ),
      );
    }
  }

  store(name: string): Store {
    return this.stores.get(name)!;
  }
  service(name: string): DownstreamService {
    return this.services.get(name)!;
  }

  /** The handler of one consumer-group member, or undefined when the group has no `handler:`. */
  forMember(spec: ConsumerGroupSpec, host: Omit<HandlerHost, "ownerActor">, groupActor: number, cluster?: Cluster): AppConsumer | undefined {
    if (spec.handler === undefined) return undefined;
    this.kafkaCluster ??= cluster;
    const full: HandlerHost = { name: host.name, actorId: host.actorId, ownerActor: groupActor, after: (d, fn, arg) => host.after(d, fn, arg), incarnation: () => host.incarnation() };
    const runner = new HandlerRunner(this, spec.handler, full, this.world.rng.fork(`app/handler/${host.name}`));
    const handling = new ConsumerErrorHandling(this, spec.errorHandling ?? SPRING_DEFAULT_ERROR_HANDLING, runner, full);
    return {
      process: (rec, finished) => handling.process(rec, finished),
      failRecord: (rec, cause, finished) => handling.failRecord(rec, cause, { attempts: 0, firstFailureUs: -1, lastFailureUs: -1 }, undefined, finished),
      crashed: () => runner.crashed(),
    };
  }

  /** The handler of one queue consumer, or undefined without `handler:`. The owner is the queue. */
  forQueueConsumer(steps: readonly HandlerStep[] | undefined, host: HandlerHost): QueueHandler | undefined {
    if (steps === undefined) return undefined;
    const runner = new HandlerRunner(this, steps, host, this.world.rng.fork(`app/handler/${host.name}`));
    let attempts = 0;
    return { run: (rec, done) => runner.run(rec, ++attempts, (r) => done(r.ok)) };
  }

  /** The group's retry-topic and redrive consumer (another listener container: not one of the members). */
  private worker(owner: number): GroupWorker {
    const groupName = this.world.history.actorNames[owner];
    let w = this.workers.get(groupName);
    if (w) return w;
    const spec = this.world.scenario.consumerGroups.find((g) => g.name === groupName)!;
    const sim = this.world.sim;
    const name = `${groupName}-retry`;
    const host: HandlerHost = {
      name,
      actorId: this.world.history.actor(name, "consumer"),
      ownerActor: owner,
      after: (d, fn, arg) => sim.after(d, fn, arg, this.k),
      incarnation: () => 0,
    };
    const runner = new HandlerRunner(this, spec.handler!, host, this.world.rng.fork(`app/handler/${name}`));
    const es = spec.errorHandling ?? SPRING_DEFAULT_ERROR_HANDLING;
    w = { host, runner, spec: es, handling: new ConsumerErrorHandling(this, es, runner, host) };
    this.workers.set(groupName, w);
    return w;
  }

  // ---------- failures ----------

  /** The error a `fail` step throws for this record now, or undefined when it passes. */
  poison(owner: number, step: number, f: Extract<HandlerStep, { fail: unknown }>["fail"], rec: AppRecord, nowUs: number): string | undefined {
    const h = this.world.history;
    let chosen = f.keys.includes(h.keyOf(rec.msg));
    if (!chosen && f.fraction > 0) chosen = this.draw(owner, step, rec.msg) < f.fraction;
    if (!chosen && f.window) chosen = nowUs >= f.window.from && nowUs < f.window.to;
    if (!chosen) return undefined;
    if (f.times === undefined) return f.error;
    const id = `${owner}/${step}/${rec.msg}`;
    const n = this.transientFailures.get(id) ?? 0;
    if (n >= f.times) return undefined;
    this.transientFailures.set(id, n + 1);
    return f.error;
  }

  /** A uniform draw in [0, 1) fixed per (owner, step, message): the same message is chosen on every attempt. */
  private draw(owner: number, step: number, msg: number): number {
    const id = `${owner}/${step}`;
    let seed = this.failSeeds.get(id);
    if (seed === undefined) this.failSeeds.set(id, (seed = this.world.rng.fork(`app/fail/${this.world.history.actorNames[owner]}/${step}`).int(2 ** 31)));
    let x = (Math.imul(msg ^ seed, 0x9e3779b1) ^ (msg >>> 16)) >>> 0;
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
  }

  /** A produce step made record `out` from record `input`. */
  noteProduced(out: number, input: number): void {
    this.inputOf.set(out, input);
  }

  private row(destination: string, rec: AppRecord, cause: FailureCause, trail: FailureTrail, member: string): DeadLetterRow {
    const input = this.inputOf.get(rec.msg);
    return {
      destination,
      msg: rec.msg,
      key: this.world.history.keyOf(rec.msg),
      originalTopic: rec.topic,
      originalPartition: rec.partition,
      originalOffset: rec.offset,
      step: `${cause.step}:${cause.stepKind}`,
      exception: cause.error,
      attempts: trail.attempts,
      firstFailureUs: trail.firstFailureUs,
      lastFailureUs: trail.lastFailureUs,
      atUs: this.world.sim.nowUs,
      member,
      ...(input !== undefined ? { producedFrom: input } : {}),
    };
  }

  /** DeadLetterPublishingRecoverer: same partition number, headers with the original coordinates and the exception. */
  deadLetter(rec: AppRecord, dlt: string, cause: FailureCause, trail: FailureTrail, host: HandlerHost): void {
    const h = this.world.history;
    h.record(Op.AppDeadLetter, this.world.sim.nowUs, rec.msg, host.actorId, rec.partition, trail.attempts, h.actor(dlt, "topic"));
    this.deadLetters.push(this.row(dlt, rec, cause, trail, host.name));
  }

  skipped(rec: AppRecord, cause: FailureCause, trail: FailureTrail, member: string): void {
    this.skippedCount++;
    this.deadLetters.push(this.row("(skipped)", rec, cause, trail, member));
  }

  stalled(rec: AppRecord, cause: FailureCause, trail: FailureTrail, member: string): void {
    this.stalledCount++;
    this.deadLetters.push(this.row("(stalled)", rec, cause, trail, member));
  }

  /** Non-blocking retry: publish to `<topic>-retry-<level>`; the group's retry consumer handles it after the delay. */
  toRetryTopic(rec: AppRecord, level: number, cause: FailureCause, trail: FailureTrail, from: HandlerHost): void {
    const w = this.worker(from.ownerActor);
    const rt = w.spec.retryTopics;
    const h = this.world.history;
    const delayUs = Math.round(rt.delay * rt.multiplier ** level);
    const topic = `${rec.topic}-retry-${level}`;
    h.record(Op.AppRetryTopic, this.world.sim.nowUs, rec.msg, from.actorId, level, delayUs, h.actor(topic, "topic"));
    this.world.sim.after(delayUs, () => {
      w.runner.run(rec, trail.attempts + 1, (r) => {
        trail.attempts++;
        if (r.ok) return;
        const now = this.world.sim.nowUs;
        trail.lastFailureUs = now;
        // attempts counts the main topic's try too: attempts - 1 retry topics in all.
        if (r.cause.retryable && level + 1 < rt.attempts - 1) this.toRetryTopic(rec, level + 1, r.cause, trail, w.host);
        else this.deadLetter(rec, `${rec.topic}-dlt`, r.cause, trail, w.host);
      });
    }, undefined, this.k, rec.msg);
  }

  breakerTransition(member: string, service: string, t: BreakerTransition): void {
    const id = `${member}\u0000${service}`;
    let b = this.breakerLog.get(id);
    if (!b) this.breakerLog.set(id, (b = { member, service, transitions: [] }));
    b.transitions.push({ atUs: t.atUs, state: BREAKER_STATE_NAMES[t.to], reason: t.reason });
  }

  // ---------- faults and operations ----------

  /** Starts a service fault or the redrive operation; returns the window label and how to end it. */
  startFault(f: AppFaultSpec, index: number): { label: string; actor: number; forUs: number | undefined; end: () => void } {
    const h = this.world.history;
    if ("outage" in f) {
      const svc = this.service(f.outage);
      svc.startOutage(f.mode);
      return { label: `outage ${f.outage} (${f.mode})`, actor: svc.actorId, forUs: f.for, end: () => svc.endOutage() };
    }
    if ("brownout" in f) {
      const b = f.brownout;
      const svc = this.service(b.service);
      svc.startBrownout(b.errorRate, b.latency);
      return { label: `brownout ${b.service} (+${Math.round(b.errorRate * 100)}% errors, +${formatDurationUs(b.latency)})`, actor: svc.actorId, forUs: f.for, end: () => svc.endBrownout() };
    }
    if ("slowdown" in f) {
      const svc = this.service(f.slowdown.service);
      svc.startSlowdown(f.slowdown.factor);
      return { label: `slowdown ${f.slowdown.service} ×${f.slowdown.factor}`, actor: svc.actorId, forUs: f.for, end: () => svc.endSlowdown() };
    }
    const r = f.redrive;
    const queues = this.queueSystem?.queues;
    if (queues?.has(r.from)) return { ...startQueueRedrive(this.world, queues, r, index, () => this.redrivenCount++), end: () => undefined };
    const now = this.world.sim.nowUs;
    const until = r.window.to ?? now;
    const picked = this.deadLetters.filter((d) => d.destination === r.from && d.atUs >= r.window.from && d.atUs < until);
    const group = this.world.scenario.consumerGroups.find((g) => g.handler !== undefined && (g.topic === r.to || (g.topics ?? []).includes(r.to)));
    const gapUs = Math.max(1, Math.round(1e6 / Math.max(r.rate, 1e-9)));
    const fromActor = h.actor(r.from, "topic");
    const toActor = h.actor(r.to, "topic");
    picked.forEach((d, i) => {
      this.world.sim.after(i * gapUs, () => {
        h.record(Op.AppRedrive, this.world.sim.nowUs, d.msg, fromActor, d.originalPartition, d.originalOffset, toActor);
        this.redrivenCount++;
        if (!group) return;
        const w = this.worker(h.actorId(group.name) ?? h.actor(group.name, "group"));
        w.handling.process({ msg: d.msg, topic: r.to, partition: d.originalPartition, offset: d.originalOffset }, () => undefined);
      }, undefined, this.k, index);
    });
    const endUs = picked.length * gapUs;
    return { label: `redrive ${r.from} → ${r.to} (${picked.length} record(s))`, actor: fromActor, forUs: Math.max(1, endUs), end: () => undefined };
  }

  // ---------- the end ----------

  finish(): AppRunMetrics {
    const bucketUs = this.world.metrics.bucketUs;
    const perS = (xs: number[]): number[] => xs.map((x) => Math.round((x * 1e6) / bucketUs * 1000) / 1000);
    return {
      services: [...this.services.values()].map((s) => ({
        service: s.name,
        calls: s.calls,
        errors: s.errors,
        bucketUs,
        offeredPerS: perS(s.series.offered),
        okPerS: perS(s.series.ok),
        errorsPerS: perS(s.series.errors),
      })),
      breakers: [...this.breakerLog.values()],
      deadLetters: this.deadLetters.slice(0, 200),
      deadLetterCount: this.deadLetters.length,
      triage: dlqTriage(this.deadLetters),
      skipped: this.skippedCount,
      stalled: this.stalledCount,
      redriven: this.redrivenCount,
    };
  }
}
