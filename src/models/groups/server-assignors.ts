// The broker-side assignors of the consumer rebalance protocol (KIP-848, `group.protocol=consumer`), as the
// group coordinator runs them when the group epoch moves past the target assignment epoch. Both take the
// previous target assignment and keep as much of it as balance allows (group-coordinator assignor/
// UniformHomogeneousAssignmentBuilder and RangeAssignor):
//
// - uniform (the default): all partitions of the subscribed topics pooled; every member gets floor(P/C) or
//   ceil(P/C) (balance first), and keeps what it had up to that quota (stickiness second); the rest, in topic
//   then partition order, fill the members below quota. Kafka hands the ceil quotas out in its member map's
//   order; we give them to the members already holding the most, ties by member id (the stickiest choice,
//   and deterministic). Members with different subscriptions: the general path below keeps owned partitions,
//   gives each free one to the least-loaded subscribed member, then moves partitions from the most to the
//   least loaded member while that narrows the gap (properties, not Kafka's exact output).
// - range: each topic on its own, like the client RangeAssignor (floor(P/C), P mod C members one more), but
//   sticky across epochs: a member first keeps its lowest-numbered partitions of the topic up to its quota, so
//   co-partitioned topics keep the same partition numbers together; the free ones go out in ranges.
import { compareStrings, compareTopicPartitions, tpKey, type Assignment, type TopicPartition } from "./assignors/common.ts";

export const SERVER_ASSIGNORS = ["uniform", "range"] as const;
export type ServerAssignorName = (typeof SERVER_ASSIGNORS)[number];

export interface ServerAssignorMember {
  memberId: string;
  topics: readonly string[];
}

/** The target assignment for `members`, given the previous target (by member id; absent = new member). */
export function serverAssign(
  name: ServerAssignorName,
  members: readonly ServerAssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  previous: ReadonlyMap<string, readonly TopicPartition[]>,
): Assignment {
  const sorted = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const out = name === "range" ? stickyRange(sorted, partitionsPerTopic, previous) : uniform(sorted, partitionsPerTopic, previous);
  for (const list of out.values()) list.sort(compareTopicPartitions);
  return out;
}

function existingTopics(topics: readonly string[], partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  return [...new Set(topics)].filter((t) => partitionsPerTopic.has(t)).sort(compareStrings);
}

function uniform(members: ServerAssignorMember[], ppt: ReadonlyMap<string, number>, previous: ReadonlyMap<string, readonly TopicPartition[]>): Assignment {
  const out: Assignment = new Map(members.map((m) => [m.memberId, []]));
  if (members.length === 0) return out;
  const subs = members.map((m) => existingTopics(m.topics, ppt).join("\u0000"));
  if (subs.some((s) => s !== subs[0])) return uniformGeneral(members, ppt, previous, out);
  const topics = existingTopics(members[0].topics, ppt);
  const all: TopicPartition[] = topics.flatMap((topic) => Array.from({ length: ppt.get(topic)! }, (_, partition) => ({ topic, partition })));
  const valid = new Set(all.map(tpKey));
  const claimed = new Set<string>();
  // What each member held and may keep: still subscribed, still existing, not claimed twice.
  const held = new Map<string, TopicPartition[]>();
  for (const m of members) {
    const mine: TopicPartition[] = [];
    for (const tp of [...(previous.get(m.memberId) ?? [])].sort(compareTopicPartitions)) {
      const k = tpKey(tp);
      if (!valid.has(k) || claimed.has(k)) continue;
      claimed.add(k);
      mine.push(tp);
    }
    held.set(m.memberId, mine);
  }
  const min = Math.floor(all.length / members.length);
  let extra = all.length % members.length;
  const byHeld = [...members].sort((a, b) => held.get(b.memberId)!.length - held.get(a.memberId)!.length || compareStrings(a.memberId, b.memberId));
  const quota = new Map<string, number>();
  for (const m of byHeld) quota.set(m.memberId, min + (extra-- > 0 ? 1 : 0));
  const free: TopicPartition[] = [];
  for (const m of members) {
    const mine = held.get(m.memberId)!;
    const q = quota.get(m.memberId)!;
    out.get(m.memberId)!.push(...mine.slice(0, q));
    free.push(...mine.slice(q));
  }
  for (const tp of all) if (!claimed.has(tpKey(tp))) free.push(tp);
  free.sort(compareTopicPartitions);
  let next = 0;
  for (const m of members) {
    const list = out.get(m.memberId)!;
    const q = quota.get(m.memberId)!;
    while (list.length < q && next < free.length) list.push(free[next++]);
  }
  return out;
}

/** Unequal subscriptions: keep, fill the least loaded, then even out one partition at a time. */
function uniformGeneral(
  members: ServerAssignorMember[],
  ppt: ReadonlyMap<string, number>,
  previous: ReadonlyMap<string, readonly TopicPartition[]>,
  out: Assignment,
): Assignment {
  const subscribers = new Map<string, string[]>();
  for (const m of members) for (const t of existingTopics(m.topics, ppt)) subscribers.set(t, [...(subscribers.get(t) ?? []), m.memberId]);
  const owner = new Map<string, string>();
  for (const m of members) {
    for (const tp of previous.get(m.memberId) ?? []) {
      const k = tpKey(tp);
      if (owner.has(k) || !(subscribers.get(tp.topic) ?? []).includes(m.memberId) || tp.partition >= ppt.get(tp.topic)!) continue;
      owner.set(k, m.memberId);
      out.get(m.memberId)!.push(tp);
    }
  }
  const load = (id: string): number => out.get(id)!.length;
  const leastLoaded = (ids: string[]): string => ids.reduce((best, id) => (load(id) < load(best) ? id : best));
  for (const topic of [...subscribers.keys()].sort(compareStrings)) {
    for (let partition = 0; partition < ppt.get(topic)!; partition++) {
      const tp = { topic, partition };
      if (owner.has(tpKey(tp))) continue;
      const to = leastLoaded(subscribers.get(topic)!);
      owner.set(tpKey(tp), to);
      out.get(to)!.push(tp);
    }
  }
  // Even out: move a partition from a member to a subscribed member with at least two fewer, while one exists.
  for (let moved = true; moved; ) {
    moved = false;
    for (const from of [...members].sort((a, b) => load(b.memberId) - load(a.memberId) || compareStrings(a.memberId, b.memberId))) {
      const list = out.get(from.memberId)!;
      for (let i = list.length - 1; i >= 0 && !moved; i--) {
        const tp = list[i];
        const to = leastLoaded(subscribers.get(tp.topic)!);
        if (load(to) + 1 >= list.length) continue;
        list.splice(i, 1);
        out.get(to)!.push(tp);
        moved = true;
      }
      if (moved) break;
    }
  }
  return out;
}

function stickyRange(members: ServerAssignorMember[], ppt: ReadonlyMap<string, number>, previous: ReadonlyMap<string, readonly TopicPartition[]>): Assignment {
  const out: Assignment = new Map(members.map((m) => [m.memberId, []]));
  const topics = existingTopics(
    members.flatMap((m) => m.topics),
    ppt,
  );
  for (const topic of topics) {
    const subscribed = members.filter((m) => m.topics.includes(topic));
    const p = ppt.get(topic)!;
    const min = Math.floor(p / subscribed.length);
    let extra = p % subscribed.length;
    const taken = new Set<number>();
    const unfilled: { id: string; remaining: number }[] = [];
    for (const m of subscribed) {
      const had = [...new Set((previous.get(m.memberId) ?? []).filter((tp) => tp.topic === topic && tp.partition < p).map((tp) => tp.partition))]
        .filter((n) => !taken.has(n))
        .sort((a, b) => a - b);
      const keep = had.slice(0, min);
      let remaining = min - had.length;
      // A member above the minimum keeps one more while extra slots remain.
      if (remaining < 0 && extra > 0) {
        extra--;
        keep.push(had[min]);
        remaining = 0;
      } else unfilled.push({ id: m.memberId, remaining });
      for (const n of keep) {
        taken.add(n);
        out.get(m.memberId)!.push({ topic, partition: n });
      }
    }
    const free = Array.from({ length: p }, (_, n) => n).filter((n) => !taken.has(n));
    let next = 0;
    for (const u of unfilled) {
      let remaining = u.remaining;
      if (extra > 0) {
        remaining++;
        extra--;
      }
      for (let k = 0; k < remaining && next < free.length; k++) out.get(u.id)!.push({ topic, partition: free[next++] });
    }
  }
  return out;
}
