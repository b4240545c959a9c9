// What a consumer does with a record it cannot deserialize. This is the one entry point for that decision: the
// local policies below stand in until the application layer's error handling (dead-letter topic, skip, stop)
// takes the decision, at which point this function hands the record to it instead.
import { Op } from "../history/history.ts";
import type { World } from "../runner/world.ts";
import type { UndecodablePolicy } from "../scenario/schema-registry.ts";
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
  policy: UndecodablePolicy;
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
  const code = r.policy === "crash-loop" ? 0 : r.policy === "skip" ? 1 : 2;
  world.history.record(Op.UndecodableHandled, world.sim.nowUs, r.msg, r.member.actorId, code, -1, r.groupActor);
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
