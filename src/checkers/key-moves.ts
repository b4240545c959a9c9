// Keys that moved partition because the topic grew: a producer hashes keys over the partition count its
// metadata holds (murmur2 % count), so after a refresh that sees added partitions most keys land elsewhere.
// Records of one key sent before and after that refresh sit in different partitions, and a group reading
// them in parallel may process them out of send order. Read from partitions-added and metadata-refresh rows.
import { Op, type History } from "../history/history.ts";
import { fmtS } from "./verdict.ts";

interface Refresh {
  timeUs: number;
  topic: number;
  before: number;
  count: number;
}

const cache = new WeakMap<History, { opCount: number; refreshes: Map<number, Refresh[]>; added: Map<number, number[]> }>();

function read(h: History) {
  const hit = cache.get(h);
  if (hit && hit.opCount === h.opCount) return hit;
  const refreshes = new Map<number, Refresh[]>();
  const added = new Map<number, number[]>();
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    if (kind === Op.MetadataRefresh && h.actorKinds[h.opActor[i]] === "producer") {
      let list = refreshes.get(h.opActor[i]);
      if (!list) refreshes.set(h.opActor[i], (list = []));
      list.push({ timeUs: h.opTimeUs[i], topic: h.opAux[i], before: h.opOffset[i], count: h.opPartition[i] });
    } else if (kind === Op.PartitionsAdded) {
      let list = added.get(h.opAux[i]);
      if (!list) added.set(h.opAux[i], (list = []));
      list.push(h.opTimeUs[i]);
    }
  }
  const v = { opCount: h.opCount, refreshes, added };
  cache.set(h, v);
  return v;
}

/**
 * When `older` (sent first, in `olderPartition`) and `newer` (same producer and key, in `newerPartition`) sit in
 * different partitions because the producer's metadata refresh between their sends saw the topic grow: the
 * chain in words and the setting that permits the reorder. Otherwise undefined.
 */
export function keyMoveBetween(h: History, older: number, newer: number, olderPartition: number, newerPartition: number): { story: string; permittedBy: string } | undefined {
  const v = read(h);
  const producer = h.msgProducer[older];
  const topic = h.msgTopic[older];
  const from = h.msgCreatedUs[older];
  const to = h.msgCreatedUs[newer];
  const r = (v.refreshes.get(producer) ?? []).find((x) => x.topic === topic && x.timeUs >= from && x.timeUs <= to);
  if (!r) return undefined;
  const addedAt = (v.added.get(topic) ?? []).filter((t) => t <= r.timeUs).pop();
  const tname = h.actorNames[topic];
  const pname = h.actorNames[producer];
  return {
    story:
      `${tname} grew from ${r.before} to ${r.count} partitions${addedAt !== undefined ? ` at ${fmtS(addedAt)}` : ""}; ${pname}'s metadata refresh at ${fmtS(r.timeUs)} ` +
      `moved key ${h.keyOf(older)} from partition ${olderPartition} to ${newerPartition}, and the group read the two partitions independently`,
    permittedBy: `partitions added to ${tname} at run time (keys move partition)`,
  };
}
