// What a consumer does with a record it cannot deserialize. This is the one entry point for that decision. A
// group with application error handling (`errorHandling:`, the stand-in for Spring's ErrorHandlingDeserializer)
// gets the record delivered with its decode error, and the application's failure entry point decides (dead-letter
// topic, skip, stop: a deserialization error is not retryable). Without it, the local policy decides.
import { Op } from "../history/history.ts";
import type { World } from "../runner/world.ts";
import type { UndecodablePolicy } from "../scenario/schema-registry.ts";
import type { AppConsumer } from "../models/app/app-system.ts";
import type { DecodeError } from "./wire-format.ts";

/** What the fetch loop does next: hand the record over, move past it, or stop at it (position unchanged). */
export const enum DeserializeVerdict {
  Deliver = 0,
  Skip = 1,
  Halt = 2,
}

/** CrashLoopBackOff's cap (Kubernetes): restarts are never further apart than this. */
const MAX_RESTART_BACKOFF_US = 300_000_000;

export interface UndecodableRecord {
  world: World;
  groupActor: number;
  member: { name: string; actorId: number };
  msg: number;
  error: DecodeError;
  /** "application": the group's error handling takes the record (see `withDecodeFailures`). */
  policy: UndecodablePolicy | "application";
  restartBackoffUs: number;
  /** How many times this member has crashed on undecodable records in a row (1 for the first). */
  crashesInARow: number;
  /** The kernel event kind for the restart timer. */
  restartKind: number;
}

/**
 * The consumer's poll() failed to deserialize `msg`. crash-loop: no handler, the exception kills the process;
 * it is restarted after a back-off that doubles, rejoins, fetches the same offset and fails again. skip: the
 * record is logged and passed over (lost to the application). stop: the process dies and stays down.
 */
export function handleUndecodable(r: UndecodableRecord): DeserializeVerdict {
  const { world } = r;
  const code = r.policy === "crash-loop" ? 0 : r.policy === "skip" ? 1 : r.policy === "stop" ? 2 : 3;
  world.history.record(Op.UndecodableHandled, world.sim.nowUs, r.msg, r.member.actorId, code, -1, r.groupActor);
  // poll() returns it (no exception); the handler's turn for it becomes the application's failure entry point.
  if (r.policy === "application") return DeserializeVerdict.Deliver;
  if (r.policy === "skip") return DeserializeVerdict.Skip;
  const target = world.targets.get(r.member.name);
  if (target === undefined) throw new Error(`consumer ${r.member.name} is not a fault target`);
  target.crash({ loseUnflushed: false });
  if (r.policy === "crash-loop") {
    const delay = Math.min(MAX_RESTART_BACKOFF_US, r.restartBackoffUs * 2 ** Math.min(20, r.crashesInARow - 1));
    world.sim.after(delay, () => target.restart(), undefined, r.restartKind, r.member.actorId);
  }
  return DeserializeVerdict.Halt;
}

/** The decode errors of records delivered to the application undecoded, by message, until their turn comes. */
export interface DecodeFailureSource {
  takeFailure(msg: number): DecodeError | undefined;
}

/**
 * A group member's application consumer that sends a record delivered undecoded to `failRecord` as a
 * deserialization error (not retryable: straight to the recoverer) instead of running the handler on it.
 * The group's deserializer is looked up at each record, as the schema runtime may be built after the member.
 */
export function withDecodeFailures(app: AppConsumer | undefined, failures: () => DecodeFailureSource | undefined): AppConsumer | undefined {
  if (app === undefined) return undefined;
  return {
    process(rec, finished) {
      const error = failures()?.takeFailure(rec.msg);
      if (error === undefined) return app.process(rec, finished);
      app.failRecord(rec, { step: -1, stepKind: "deserialize", error: `DeserializationException (${error.code}): ${error.message}`, retryable: false }, finished);
    },
    failRecord: (rec, cause, finished) => app.failRecord(rec, cause, finished),
    crashed: () => app.crashed?.(),
  };
}
