// One task's stream–table join (KStream.join / leftJoin with a KTable), Kafka Streams style. The table side is
// a topic read as a table: each of its records is the key's new value (a compacted topic keeps the latest per
// key), materialised in a key-value store whose changes go to the store's changelog. Table records only change
// the store; only stream records trigger output, each joined with the value its key holds in the store when the
// stream record is processed (a plain, unversioned KTable: no event-time lookup, no grace, nothing dropped as
// late). inner: a stream record whose key has no value yet produces nothing; left: it goes out with a null value.
import type { StoreChange, StoreEntry } from "./window-aggregation.ts";
import type { JoinEvent, JoinResult, JoinSide } from "./stream-join.ts";

export interface TableEntry {
  kind: "table";
  key: string;
  /** The table record that set the value (its message id) and its timestamp. */
  msg: number;
  ts: number;
}

export class StreamTableJoin {
  streamTimeMs = -1;
  readonly store = new Map<string, TableEntry>();

  constructor(readonly type: "inner" | "left" | "outer") {}

  /** `left` is a stream record, `right` a table update. */
  process(side: JoinSide, key: string, ts: number, msg: number): JoinResult {
    const out: JoinResult = { events: [], changes: [] };
    this.streamTimeMs = Math.max(this.streamTimeMs, ts);
    if (side === "right") {
      const entry: TableEntry = { kind: "table", key, msg, ts };
      this.store.set(key, entry);
      out.changes.push({ storeKey: key, entry: { ...entry } as unknown as StoreEntry, streamTimeMs: this.streamTimeMs });
      return out;
    }
    const value = this.store.get(key);
    // The output record carries the stream record's timestamp (Kafka Streams: the triggering record's).
    if (value) out.events.push({ kind: "pair", left: msg, right: value.msg, key, ts } satisfies JoinEvent);
    else if (this.type !== "inner") out.events.push({ kind: "unmatched", side: "left", msg, key, ts });
    return out;
  }

  restore(changes: Iterable<StoreChange>, fresh = true): void {
    if (fresh) {
      this.store.clear();
      this.streamTimeMs = -1;
    }
    for (const c of changes) {
      this.streamTimeMs = Math.max(this.streamTimeMs, c.streamTimeMs);
      if (c.entry) this.store.set(c.storeKey, { ...(c.entry as unknown as TableEntry) });
      else this.store.delete(c.storeKey);
    }
  }
}
