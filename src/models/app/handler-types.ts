// What the handler runner and the error handling share with the consumers they serve and with each other.

/** The consumer a handler runs in: its name and actor, its process timers, and its incarnation. */
export interface HandlerHost {
  readonly name: string;
  readonly actorId: number;
  /** The consumer group's or queue's actor: effects and failures are owed by it. */
  readonly ownerActor: number;
  /** A timer of the consumer process (a crash drops it, a pause holds it). */
  after<T>(delayUs: number, fn: (arg: T) => void, arg: T): number;
  /** Bumped by crash and restart: an answer for an older incarnation is dropped. */
  incarnation(): number;
}

/** One record as the handler sees it. */
export interface AppRecord {
  msg: number;
  /** The topic (or queue) it was read from. */
  topic: string;
  partition: number;
  offset: number;
}

/** Why a handler attempt failed: the step, the exception, and whether retrying can help. */
export interface FailureCause {
  step: number;
  stepKind: string;
  error: string;
  /** Deserialization and conversion errors are not retryable: straight to the recoverer (semantics.md §11). */
  retryable: boolean;
}

export type HandlerResult = { ok: true } | { ok: false; cause: FailureCause };

export const enum DedupMissReason {
  Absent = 0,
  Expired = 1,
}

export const enum EffectDedup {
  None = 0,
  Atomic = 1,
  CheckThenAct = 2,
}
