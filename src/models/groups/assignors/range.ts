// RangeAssignor, exact: each topic on its own; its partitions in order, its subscribed members in Kafka's
// order; member i takes floor(P/C) partitions plus one more while i < P mod C. Member 0 therefore gets every
// topic's extra partition, which is why range skews load when a group reads many topics.
import { emptyAssignment, sortMembers, subscribedTopics, type AssignorMember, type Assignment } from "./common.ts";

export function rangeAssign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out = emptyAssignment(members);
  const ordered = sortMembers(members);
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    const subscribed = ordered.filter((m) => m.topics.includes(topic));
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
