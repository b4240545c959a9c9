// One pass over the consumers' deliveries and position rows serves both no-poll-skip (a delivery past the
// member's expected position) and monotonic-poll (a delivery at or below the member's previous one): they read
// the same rows keyed the same way. Cached per history (and its length), like kafka-log.ts.
import { Op, type History } from "../../history/history.ts";
import { isPositionRow, PartMap, topicOfRow } from "./rows.ts";

export interface PollView {
  /** Deliveries checked. */
  checked: number;
  /** (row, expected offset) of each delivery past its member's expected position. */
  jumps: number[];
  /** (row, previous offset, its time) of each delivery at or below the member's previous one, with no position row between. */
  rewinds: number[];
}

const cache = new WeakMap<History, { opCount: number; view: PollView }>();

export function readPolls(h: History): PollView {
  const hit = cache.get(h);
  if (hit && hit.opCount === h.opCount) return hit.view;
  const jumps: number[] = [];
  const rewinds: number[] = [];
  const checked = scanPolls(h, jumps, rewinds);
  const view = { checked, jumps, rewinds };
  cache.set(h, { opCount: h.opCount, view });
  return view;
}

// The scan over every row, apart from the explanations so a sweep thread compiles a small loop once.
function scanPolls(h: History, jumps: number[], rewinds: number[]): number {
  /** Next expected offset per (group, member, topic, partition); absent = unknown (no position row yet). */
  const expected = new PartMap();
  /** The member's last delivery row per (group, member, topic, partition) since its position was last set. */
  const last = new PartMap();
  const opKind = h.opKind;
  const count = h.opCount;
  let checked = 0;
  for (let i = 0; i < count; i++) {
    const kind = opKind[i];
    if (kind !== Op.Deliver && !isPositionRow(kind)) continue;
    const group = h.opAux[i];
    const topic = topicOfRow(h, i);
    const partition = h.opPartition[i];
    const member = h.opActor[i];
    if (kind !== Op.Deliver) {
      if (kind === Op.FetchPosition || kind === Op.OffsetReset) expected.set(group, topic, partition, member, h.opOffset[i]);
      else expected.delete(group, topic, partition, member);
      last.delete(group, topic, partition, member);
      continue;
    }
    checked++;
    const offset = h.opOffset[i];
    const want = expected.get(group, topic, partition, member);
    expected.set(group, topic, partition, member, offset + 1);
    if (want !== undefined && offset > want) jumps.push(i, want);
    const prev = last.get(group, topic, partition, member);
    last.set(group, topic, partition, member, i);
    if (prev !== undefined && offset <= h.opOffset[prev]) rewinds.push(i, h.opOffset[prev], h.opTimeUs[prev]);
  }
  return checked;
}
