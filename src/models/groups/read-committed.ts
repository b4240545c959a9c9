// The read_committed side of a fetch (isolation.level, semantics.md §1): records strictly below the last
// stable offset, in offset order; control markers and records of aborted transactions are passed over — they
// come back as SKIPPED entries so the consumer's position moves past them (offset gaps are normal), but poll()
// never returns them. Non-transactional records after an open transaction wait for it too.
import type { Partition } from "../kafka/partition.ts";
import { SKIPPED } from "../kafka/partition.ts";
import type { TopicPartition } from "./assignors.ts";

export interface FetchedEntry {
  tp: TopicPartition;
  offset: number;
  msg: number;
}

/** Appends what a read_committed fetch returns from `offset` (at most `max` entries); returns the next offset. */
export function readCommittedInto(p: Partition, tp: TopicPartition, offset: number, max: number, out: FetchedEntry[]): number {
  const lso = p.lastStableOffset;
  while (offset < lso && out.length < max) {
    const msg = p.readCommitted(offset);
    if (msg === -1) break;
    out.push({ tp, offset, msg });
    offset++;
  }
  return offset;
}
