// Reading consumer-group rows of the history: which topic a row is about (Deliver/Process rows name it
// through the message; commit, assignment and position rows carry it as -2 - topic actor in msg).
import { Op, type History } from "../../history/history.ts";

export function topicOfRow(h: History, i: number): number {
  const msg = h.opMsg[i];
  if (msg >= 0) return h.msgTopic[msg];
  return msg <= -2 ? -2 - msg : -1;
}

/** "group:member:topic:partition" or "group:topic:partition" keys, for maps keyed by a partition. */
export function partKey(group: number, topic: number, partition: number, member = -1): string {
  return `${group}:${member}:${topic}:${partition}`;
}

/** Rows where a member's position in a partition is (re)set: the next delivery starts from a new place. */
export function isPositionRow(kind: number): boolean {
  return kind === Op.FetchPosition || kind === Op.OffsetReset || kind === Op.PartitionAssigned || kind === Op.PartitionRevoked || kind === Op.PartitionLost;
}

export function tpName(h: History, topic: number, partition: number): string {
  return `${topic >= 0 ? h.actorNames[topic] : "?"}/${partition}`;
}
