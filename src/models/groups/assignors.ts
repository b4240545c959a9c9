// Kafka's built-in partition assignors (semantics.md §3), one file each under assignors/; this module names
// them and runs the one a group is configured with.
import type { Assignment, AssignorMember } from "./assignors/common.ts";
import { rangeAssign } from "./assignors/range.ts";
import { roundRobinAssign } from "./assignors/roundrobin.ts";
import { cooperativeRound, stickyAssign, type PendingMove } from "./assignors/sticky.ts";

export * from "./assignors/common.ts";
export { rangeAssign } from "./assignors/range.ts";
export { roundRobinAssign } from "./assignors/roundrobin.ts";
export { stickyAssign, cooperativeRound, resolveClaims, type PendingMove } from "./assignors/sticky.ts";

export const ASSIGNORS = ["range", "roundrobin", "sticky", "cooperative-sticky"] as const;
export type AssignorName = (typeof ASSIGNORS)[number];

/** Only cooperative-sticky speaks the cooperative protocol; the others are eager (revoke everything first). */
export function isCooperative(name: AssignorName): boolean {
  return name === "cooperative-sticky";
}

/**
 * The assignment the group leader would send in SyncGroup. For cooperative-sticky this is the first round:
 * partitions changing owner are left out and listed in `pending` until their owner has revoked them.
 */
export function assign(
  strategy: AssignorName,
  members: readonly AssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): { assignment: Assignment; pending: PendingMove[] } {
  switch (strategy) {
    case "range":
      return { assignment: rangeAssign(members, partitionsPerTopic), pending: [] };
    case "roundrobin":
      return { assignment: roundRobinAssign(members, partitionsPerTopic), pending: [] };
    case "sticky":
      return { assignment: stickyAssign(members, partitionsPerTopic), pending: [] };
    case "cooperative-sticky":
      return cooperativeRound(members, partitionsPerTopic, stickyAssign(members, partitionsPerTopic));
  }
}
