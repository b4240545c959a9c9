// RoundRobinAssignor, exact: every partition of every subscribed topic, topics by name then partition
// number, dealt to the sorted members on one circular cursor. For each partition the cursor advances past
// members not subscribed to its topic, assigns, then advances once more; the cursor is NOT reset between
// topics, which is what makes t1's first partition go to whoever follows t0's last owner.
import { emptyAssignment, sortMembers, subscribedTopics, type AssignorMember, type Assignment } from "./common.ts";

export function roundRobinAssign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out = emptyAssignment(members);
  const ordered = sortMembers(members);
  if (ordered.length === 0) return out;
  let cursor = 0;
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    const count = partitionsPerTopic.get(topic)!;
    for (let partition = 0; partition < count; partition++) {
      // subscribedTopics guarantees someone subscribes, so this loop ends within one lap.
      while (!ordered[cursor].topics.includes(topic)) cursor = (cursor + 1) % ordered.length;
      out.get(ordered[cursor].memberId)!.push({ topic, partition });
      cursor = (cursor + 1) % ordered.length;
    }
  }
  return out;
}
