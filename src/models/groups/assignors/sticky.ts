// StickyAssignor and CooperativeStickyAssignor: (1) balance, (2) keep prior ownership (semantics.md §3).
// Claims on owned partitions carry generations: the higher generation wins a conflict; equal generations both
// lose the partition (a zombie and its replacement cannot both be trusted). With equal subscriptions the quota
// path applies: re-grant owned partitions up to floor/ceil(P/C) (at most P mod C members at the ceiling), then
// fill short members from the free pool. Unequal subscriptions use a general greedy-then-balance pass: keep
// every valid claim, give each free partition to its least-loaded eligible member, then move partitions from
// a member to an eligible one with at least two fewer until none can move (Kafka's "balanced" condition).
import {
  compareStrings,
  compareTopicPartitions,
  emptyAssignment,
  sortAssignment,
  sortMembers,
  subscribedTopics,
  tpKey,
  type AssignorMember,
  type Assignment,
  type TopicPartition,
} from "./common.ts";

/** Valid claims per member: subscribed, existing, and not lost to a higher- or equal-generation rival. */
export function resolveClaims(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const best = new Map<string, { member: string; generation: number; conflict: boolean; tp: TopicPartition }>();
  for (const m of sortMembers(members)) {
    const generation = m.generation ?? 0;
    for (const tp of m.owned ?? []) {
      const count = partitionsPerTopic.get(tp.topic);
      if (count === undefined || tp.partition < 0 || tp.partition >= count || !m.topics.includes(tp.topic)) continue;
      const k = tpKey(tp);
      const b = best.get(k);
      if (b === undefined || generation > b.generation) best.set(k, { member: m.memberId, generation, conflict: false, tp });
      else if (generation === b.generation && b.member !== m.memberId) b.conflict = true;
    }
  }
  const out = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  for (const b of best.values()) if (!b.conflict) out.get(b.member)!.push({ topic: b.tp.topic, partition: b.tp.partition });
  for (const list of out.values()) list.sort(compareTopicPartitions);
  return out;
}

function allPartitions(topics: readonly string[], partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const topic of topics) for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) out.push({ topic, partition });
  return out;
}

function sameSubscriptions(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): boolean {
  const sig = (m: AssignorMember): string => [...new Set(m.topics.filter((t) => partitionsPerTopic.has(t)))].sort(compareStrings).join("\u0000");
  return members.every((m) => sig(m) === sig(members[0]));
}

function equalSubscriptionAssign(ordered: AssignorMember[], owned: Map<string, TopicPartition[]>, all: TopicPartition[], out: Assignment): void {
  const total = all.length;
  const minQuota = Math.floor(total / ordered.length);
  const maxQuota = Math.ceil(total / ordered.length);
  let maxSlots = minQuota === maxQuota ? 0 : total % ordered.length;
  const taken = new Set<string>();
  for (const m of ordered) {
    const own = owned.get(m.memberId)!;
    let keep = Math.min(own.length, minQuota);
    if (own.length >= maxQuota && maxSlots > 0) {
      keep = maxQuota;
      maxSlots--;
    }
    for (const tp of own.slice(0, keep)) {
      out.get(m.memberId)!.push(tp);
      taken.add(tpKey(tp));
    }
  }
  const free = all.filter((tp) => !taken.has(tpKey(tp)));
  let next = 0;
  for (const m of ordered) {
    const list = out.get(m.memberId)!;
    while (list.length < minQuota) list.push(free[next++]);
  }
  for (const m of ordered) {
    if (next >= free.length || maxSlots === 0) break;
    const list = out.get(m.memberId)!;
    if (list.length === minQuota) {
      list.push(free[next++]);
      maxSlots--;
    }
  }
}

function generalAssign(ordered: AssignorMember[], owned: Map<string, TopicPartition[]>, all: TopicPartition[], out: Assignment): void {
  const rank = new Map(ordered.map((m, i) => [m.memberId, i]));
  const eligible = new Map<string, AssignorMember[]>();
  for (const m of ordered) for (const t of m.topics) eligible.set(t, [...(eligible.get(t) ?? []), m]);
  const count = (id: string): number => out.get(id)!.length;
  const wasOwned = new Set<string>();
  for (const m of ordered) for (const tp of owned.get(m.memberId)!) {
    out.get(m.memberId)!.push(tp);
    wasOwned.add(`${m.memberId}\u0001${tpKey(tp)}`);
  }
  const taken = new Set([...owned.values()].flat().map(tpKey));
  // Scarcest partitions first: those few members can take leave the least room for mistakes.
  const free = all
    .filter((tp) => !taken.has(tpKey(tp)))
    .sort((a, b) => eligible.get(a.topic)!.length - eligible.get(b.topic)!.length || compareTopicPartitions(a, b));
  const leastLoaded = (candidates: AssignorMember[]): AssignorMember =>
    candidates.reduce((best, m) => (count(m.memberId) < count(best.memberId) ? m : best));
  for (const tp of free) out.get(leastLoaded(eligible.get(tp.topic)!).memberId)!.push(tp);
  // Each move lowers the sum of squared counts, so this ends.
  for (let moved = true; moved; ) {
    moved = false;
    const byLoad = [...ordered].sort((a, b) => count(b.memberId) - count(a.memberId) || rank.get(a.memberId)! - rank.get(b.memberId)!);
    for (const a of byLoad) {
      const list = out.get(a.memberId)!;
      // Move partitions the member did not own before first, so prior ownership survives where it can.
      const order = list
        .map((tp, i) => ({ tp, i, kept: wasOwned.has(`${a.memberId}\u0001${tpKey(tp)}`) }))
        .sort((x, y) => Number(x.kept) - Number(y.kept) || x.i - y.i);
      for (const { tp } of order) {
        const target = leastLoaded(eligible.get(tp.topic)!);
        if (count(target.memberId) < list.length - 1) {
          list.splice(list.indexOf(tp), 1);
          out.get(target.memberId)!.push(tp);
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
  }
}

export function stickyAssign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out = emptyAssignment(members);
  if (members.length === 0) return out;
  const ordered = sortMembers(members);
  const all = allPartitions(subscribedTopics(members, partitionsPerTopic), partitionsPerTopic);
  const owned = resolveClaims(members, partitionsPerTopic);
  if (sameSubscriptions(members, partitionsPerTopic)) equalSubscriptionAssign(ordered, owned, all, out);
  else generalAssign(ordered, owned, all, out);
  return sortAssignment(out);
}

export interface PendingMove {
  tp: TopicPartition;
  from: string;
  to: string;
}

/**
 * CooperativeStickyAssignor's first round: a partition whose target owner differs from its current (valid)
 * owner is left unassigned, so its owner revokes only it and rejoins; the second round hands it over.
 */
export function cooperativeRound(
  members: readonly AssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  target: Assignment,
): { assignment: Assignment; pending: PendingMove[] } {
  const ownerOf = new Map<string, string>();
  for (const [member, list] of resolveClaims(members, partitionsPerTopic)) for (const tp of list) ownerOf.set(tpKey(tp), member);
  const assignment: Assignment = new Map();
  const pending: PendingMove[] = [];
  for (const [member, list] of target) {
    assignment.set(
      member,
      list.filter((tp) => {
        const owner = ownerOf.get(tpKey(tp));
        if (owner === undefined || owner === member) return true;
        pending.push({ tp, from: owner, to: member });
        return false;
      }),
    );
  }
  pending.sort((a, b) => compareTopicPartitions(a.tp, b.tp));
  return { assignment, pending };
}
