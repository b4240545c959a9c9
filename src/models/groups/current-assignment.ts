// The coordinator's side of a member's reconciliation under the consumer rebalance protocol (KIP-848; the
// group coordinator's CurrentAssignmentBuilder): given what the coordinator last gave a member, the member's
// target at the target epoch, and the partitions its heartbeat says it still owns, the next step.
// - STABLE at an older epoch, or UNRELEASED_PARTITIONS: move toward the target.
// - UNREVOKED_PARTITIONS: nothing happens until the heartbeat no longer lists the partitions pending
//   revocation; then the member advances (one epoch at most, never past the target).
// Moving toward the target: keep assigned ∩ target; what else it holds must be revoked first, at the current
// epoch, with nothing new given meanwhile; once nothing is left to revoke, the member jumps to the target
// epoch and gets the target partitions no other member still holds (the rest stay unreleased for later).
import { tpKey, type TopicPartition } from "./assignors/common.ts";

export type MemberState = "stable" | "unrevoked" | "unreleased";

export interface MemberAssignment {
  state: MemberState;
  epoch: number;
  assigned: TopicPartition[];
  pendingRevocation: TopicPartition[];
}

/** The member's next assignment state, or undefined when it stays as it is. */
export function reconcileMember(
  member: MemberAssignment & { memberId: string },
  target: readonly TopicPartition[],
  targetEpoch: number,
  owned: readonly TopicPartition[],
  holderOf: (tp: TopicPartition) => string | undefined,
): MemberAssignment | undefined {
  const ownedKeys = new Set(owned.map(tpKey));
  const stillOwns = (list: readonly TopicPartition[]): boolean => list.some((tp) => ownedKeys.has(tpKey(tp)));
  let epoch: number;
  if (member.state === "unrevoked") {
    if (stillOwns(member.pendingRevocation)) return undefined;
    epoch = Math.min(member.epoch + 1, targetEpoch);
  } else if (member.state === "unreleased" || member.epoch !== targetEpoch) epoch = member.epoch;
  else return undefined;

  const targetKeys = new Set(target.map(tpKey));
  const kept = member.assigned.filter((tp) => targetKeys.has(tpKey(tp)));
  const keptKeys = new Set(kept.map(tpKey));
  const revoke = member.assigned.filter((tp) => !keptKeys.has(tpKey(tp)));
  if (revoke.length > 0 && stillOwns(revoke)) return { state: "unrevoked", epoch, assigned: kept, pendingRevocation: revoke };
  const wanted = target.filter((tp) => !keptKeys.has(tpKey(tp)));
  const free = wanted.filter((tp) => {
    const holder = holderOf(tp);
    return holder === undefined || holder === member.memberId;
  });
  return { state: free.length < wanted.length ? "unreleased" : "stable", epoch: targetEpoch, assigned: [...kept, ...free], pendingRevocation: [] };
}
