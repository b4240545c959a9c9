// Kafka's built-in partition assignors (semantics.md §3). Members are ordered as Kafka orders them: static
// members (group.instance.id) first by that id, then dynamic members by member id, using plain UTF-16
// string comparison (Java String.compareTo), never localeCompare.

export interface AssignorMember {
  memberId: string;
  groupInstanceId?: string;
  /** Topics this member subscribes to. */
  topics: string[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type Assignment = Map<string, TopicPartition[]>;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortMembers<T extends AssignorMember>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => {
    const sa = a.groupInstanceId !== undefined;
    const sb = b.groupInstanceId !== undefined;
    if (sa && sb) return compareStrings(a.groupInstanceId!, b.groupInstanceId!) || compareStrings(a.memberId, b.memberId);
    if (sa !== sb) return sa ? -1 : 1;
    return compareStrings(a.memberId, b.memberId);
  });
}

/**
 * RangeAssignor: each topic independently; partitions in order, subscribed members in Kafka's order;
 * member i takes floor(P/C) partitions plus one more while i < P mod C.
 */
export function rangeAssign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out: Assignment = new Map(members.map((m) => [m.memberId, []]));
  const topics = [...partitionsPerTopic.keys()].sort(compareStrings);
  const ordered = sortMembers(members);
  for (const topic of topics) {
    const subscribed = ordered.filter((m) => m.topics.includes(topic));
    if (subscribed.length === 0) continue;
    const p = partitionsPerTopic.get(topic)!;
    const base = Math.floor(p / subscribed.length);
    const extra = p % subscribed.length;
    let next = 0;
    subscribed.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) out.get(m.memberId)!.push({ topic, partition: next++ });
    });
  }
  return out;
}
