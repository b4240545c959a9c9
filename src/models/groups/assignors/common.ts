// Types and member ordering shared by Kafka's built-in partition assignors (semantics.md §3). Members are
// ordered as Kafka orders them: static members (group.instance.id) first by that id, then dynamic members by
// member id, using plain UTF-16 string comparison (Java String.compareTo), never localeCompare.

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface AssignorMember {
  memberId: string;
  groupInstanceId?: string;
  /** Topics this member subscribes to. */
  topics: string[];
  /** Partitions the member owned before this rebalance (sticky assignors; cooperative members report them). */
  owned?: TopicPartition[];
  /** Generation of the `owned` claim: on a conflict the higher generation wins, equal generations both lose. */
  generation?: number;
}

export type Assignment = Map<string, TopicPartition[]>;

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * Keys built so far, by topic then partition. Consumers look partitions up by key on every record (positions,
 * processed offsets, commits), and building the string each time allocated it and hashed it afresh in each Map;
 * a key made once keeps its hash. Bounded: a process running many scenarios starts over past MAX_KEYED_TOPICS.
 */
const keysByTopic = new Map<string, string[]>();
const MAX_KEYED_TOPICS = 4096;
const MAX_KEYED_PARTITION = 1 << 16;

export function tpKey(tp: TopicPartition): string {
  const partition = tp.partition;
  if (!(partition >= 0 && partition < MAX_KEYED_PARTITION && (partition | 0) === partition)) return `${tp.topic}\u0000${partition}`;
  let keys = keysByTopic.get(tp.topic);
  if (keys === undefined) {
    if (keysByTopic.size >= MAX_KEYED_TOPICS) keysByTopic.clear();
    keysByTopic.set(tp.topic, (keys = []));
  }
  return (keys[partition] ??= `${tp.topic}\u0000${partition}`);
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

/** Topics some member subscribes to that exist, sorted by name. */
export function subscribedTopics(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  const set = new Set<string>();
  for (const m of members) for (const t of m.topics) if (partitionsPerTopic.has(t)) set.add(t);
  return [...set].sort(compareStrings);
}

/** An empty assignment with every member present, in input order. */
export function emptyAssignment(members: readonly AssignorMember[]): Assignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

/** Sorts each member's list by topic then partition, for stable output. */
export function sortAssignment(a: Assignment): Assignment {
  for (const list of a.values()) list.sort(compareTopicPartitions);
  return a;
}
