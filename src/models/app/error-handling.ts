// What a stream consumer does with a record whose handler failed (semantics.md §11, Spring for Apache Kafka):
// blocking retries in place with FixedBackOff (default 0 ms, 9 retries = 10 delivery attempts) and then the
// DeadLetterPublishingRecoverer (`<topic>.DLT`, same partition, headers) before the offset is committed; retry
// topics (`<topic>-retry-0..n` with growing delays, then `<topic>-dlt`) that let the partition flow; stop (the
// container stops at the record and the partition stalls); skip (logged, lost by policy).
//
// `failRecord` is the one entry point for a record that failed, whatever failed: the handler's steps, or a
// record the consumer could not even decode (pass retryable: false to go straight to the recoverer).
import { Op } from "../../history/history.ts";
import type { AppRecord, FailureCause, HandlerHost } from "./handler-types.ts";
import type { HandlerRunner } from "./handler-runner.ts";
import type { AppSystem, ErrorHandlingSpec } from "./app-system.ts";

export const SPRING_DEFAULT_ERROR_HANDLING: ErrorHandlingSpec = {
  mode: "blocking",
  backOff: { interval: 0, maxRetries: 9 },
  deadLetter: true,
  retryTopics: { attempts: 3, delay: 1_000_000, multiplier: 2 },
};

/** Per failed record: how often it failed and when (the dead-letter headers carry it). */
export interface FailureTrail {
  attempts: number;
  firstFailureUs: number;
  lastFailureUs: number;
}

export class ConsumerErrorHandling {
  constructor(
    private readonly app: AppSystem,
    private readonly spec: ErrorHandlingSpec,
    private readonly runner: HandlerRunner,
    private readonly host: HandlerHost,
  ) {}

  /** Handles one record: `finished` runs once the consumer may move past it (success, DLT, skip, retry topic). */
  process(rec: AppRecord, finished: () => void): void {
    const trail: FailureTrail = { attempts: 0, firstFailureUs: -1, lastFailureUs: -1 };
    const attempt = (): void =>
      this.runner.run(rec, trail.attempts + 1, (r) => {
        trail.attempts++;
        if (r.ok) return finished();
        this.failRecord(rec, r.cause, trail, attempt, finished);
      });
    attempt();
  }

  /**
   * A record failed (its handler threw, or it could not be decoded). Retries in place while the back-off
   * allows and the cause is retryable, then recovers by the configured mode. `retry` re-runs the handler.
   */
  failRecord(rec: AppRecord, cause: FailureCause, trail: FailureTrail, retry: (() => void) | undefined, finished: () => void): void {
    const now = this.app.world.sim.nowUs;
    if (trail.firstFailureUs < 0) trail.firstFailureUs = now;
    trail.lastFailureUs = now;
    if (trail.attempts === 0) trail.attempts = 1;
    const s = this.spec;
    const h = this.app.world.history;
    const member = this.host.actorId;
    const inPlace = s.mode === "blocking" || s.mode === "stop";
    if (inPlace && cause.retryable && retry && trail.attempts <= s.backOff.maxRetries) {
      this.host.after(s.backOff.interval, retry, undefined);
      return;
    }
    if (s.mode === "stop") {
      // The container stops: nothing after this record is processed, its offset is never committed.
      h.record(Op.AppStalled, now, rec.msg, member, rec.partition, rec.offset, this.host.ownerActor);
      this.app.stalled(rec, cause, trail, this.host.name);
      return;
    }
    if (s.mode === "retry-topics" && cause.retryable) {
      this.app.toRetryTopic(rec, 0, cause, trail, this.host);
      return finished();
    }
    if (s.mode === "skip" || (s.mode === "blocking" && !s.deadLetter)) {
      h.record(Op.AppSkipped, now, rec.msg, member, rec.partition, trail.attempts, this.host.ownerActor);
      this.app.skipped(rec, cause, trail, this.host.name);
      return finished();
    }
    const dlt = s.mode === "retry-topics" ? `${rec.topic}-dlt` : `${rec.topic}.DLT`;
    this.app.deadLetter(rec, dlt, cause, trail, this.host);
    finished();
  }
}
