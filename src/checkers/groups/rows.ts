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

/**
 * Numbers per (group, topic, partition[, member]), the tuple partKey names, without building a string per row:
 * a map per (group, member) of maps keyed by topic and partition, all small integers. A tuple outside those
 * ranges (none in a scenario: actor ids and partitions are small) falls back to its partKey string.
 */
export class PartMap {
  private readonly byOwner = new Map<number, Map<number, number>>();
  private readonly other = new Map<string, number>();

  get(group: number, topic: number, partition: number, member = -1): number | undefined {
    const inner = PartMap.fits(group, topic, partition, member) ? this.byOwner.get(group * 65536 + member + 1) : undefined;
    return inner !== undefined ? inner.get((topic + 1) * 65536 + partition) : this.other.get(partKey(group, topic, partition, member));
  }

  set(group: number, topic: number, partition: number, member: number, value: number): void {
    if (!PartMap.fits(group, topic, partition, member)) {
      this.other.set(partKey(group, topic, partition, member), value);
      return;
    }
    const owner = group * 65536 + member + 1;
    let inner = this.byOwner.get(owner);
    if (inner === undefined) this.byOwner.set(owner, (inner = new Map()));
    inner.set((topic + 1) * 65536 + partition, value);
  }

  delete(group: number, topic: number, partition: number, member = -1): void {
    if (PartMap.fits(group, topic, partition, member)) this.byOwner.get(group * 65536 + member + 1)?.delete((topic + 1) * 65536 + partition);
    else this.other.delete(partKey(group, topic, partition, member));
  }

  /** Both packed keys stay small integers (below 2^31). */
  private static fits(group: number, topic: number, partition: number, member: number): boolean {
    return group >= 0 && group < 32000 && member >= -1 && member < 65535 && topic >= -1 && topic < 32000 && partition >= 0 && partition < 65536;
  }
}
