// One task's stream–stream join (KStream.join / leftJoin / outerJoin with JoinWindows), Kafka Streams style.
// Both sides share one stream time (the largest timestamp seen on either). A left record at t matches right
// records with timestamp in [t − before, t + after], both ends inclusive (mirrored for a right record); each
// match is emitted at once. A record arriving when t + window + grace < stream time is dropped as late. For
// left/outer joins a record still unmatched when its window + grace has closed is emitted alone. Both sides
// are kept in window stores whose changes are returned for the changelog, like the windowed aggregation's.
import type { StoreChange, StoreEntry } from "./window-aggregation.ts";

export type JoinSide = "left" | "right";
export type JoinType = "inner" | "left" | "outer";

export interface JoinRecordEntry {
  kind: "join";
  side: JoinSide;
  key: string;
  ts: number;
  msg: number;
  /** Matched at least once (an outer/left record then never goes out alone). */
  matched: boolean;
  /** Already emitted alone (its window closed unmatched); kept only while a late partner could still arrive. */
  emittedAlone: boolean;
}

export type JoinEvent =
  | { kind: "pair"; left: number; right: number; key: string; ts: number }
  | { kind: "unmatched"; side: JoinSide; msg: number; key: string; ts: number }
  | { kind: "drop"; msg: number; key: string; ts: number; streamTimeMs: number };

export interface JoinResult {
  events: JoinEvent[];
  changes: StoreChange[];
}

export class StreamStreamJoin {
  streamTimeMs = -1;
  private readonly store = new Map<string, JoinRecordEntry>();

  constructor(
    readonly type: JoinType,
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {}

  /** Whether records at tLeft and tRight join: tRight ∈ [tLeft − before, tLeft + after]. */
  matches(tLeft: number, tRight: number): boolean {
    return tRight >= tLeft - this.beforeMs && tRight <= tLeft + this.afterMs;
  }

  /** How long after its own timestamp a record's side of the window stays open. */
  private windowAfter(side: JoinSide): number {
    return side === "left" ? this.afterMs : this.beforeMs;
  }

  process(side: JoinSide, key: string, ts: number, msg: number): JoinResult {
    const out: JoinResult = { events: [], changes: [] };
    this.streamTimeMs = Math.max(this.streamTimeMs, ts);
    if (ts + this.windowAfter(side) + this.graceMs < this.streamTimeMs) {
      out.events.push({ kind: "drop", msg, key, ts, streamTimeMs: this.streamTimeMs });
      return out;
    }
    let matched = false;
    for (const [k, e] of this.store) {
      if (e.side === side || e.key !== key) continue;
      const ok = side === "left" ? this.matches(ts, e.ts) : this.matches(e.ts, ts);
      if (!ok) continue;
      matched = true;
      out.events.push(side === "left" ? { kind: "pair", left: msg, right: e.msg, key, ts: Math.max(ts, e.ts) } : { kind: "pair", left: e.msg, right: msg, key, ts: Math.max(ts, e.ts) });
      if (!e.matched) this.put(out, k, { ...e, matched: true });
    }
    this.put(out, `${side}:${msg}`, { kind: "join", side, key, ts, msg, matched, emittedAlone: false });
    this.expire(out);
    return out;
  }

  private put(out: JoinResult, storeKey: string, entry: JoinRecordEntry | null): void {
    if (entry) this.store.set(storeKey, entry);
    else this.store.delete(storeKey);
    out.changes.push({ storeKey, entry: entry && ({ ...entry } as unknown as StoreEntry), streamTimeMs: this.streamTimeMs });
  }

  /**
   * A record whose own window + grace closed unmatched is emitted alone if the join type wants it; it is
   * forgotten only once no partner could still be accepted (ts + before + after + grace behind stream time).
   */
  private expire(out: JoinResult): void {
    const gone: string[] = [];
    const updates: [string, JoinRecordEntry][] = [];
    for (const [k, e] of this.store) {
      if (e.ts + this.beforeMs + this.afterMs + this.graceMs < this.streamTimeMs) gone.push(k);
      if (e.matched || e.emittedAlone || e.ts + this.windowAfter(e.side) + this.graceMs >= this.streamTimeMs) continue;
      if (this.type === "outer" || (this.type === "left" && e.side === "left")) {
        out.events.push({ kind: "unmatched", side: e.side, msg: e.msg, key: e.key, ts: e.ts });
        updates.push([k, { ...e, emittedAlone: true }]);
      }
    }
    for (const [k, e] of updates) this.put(out, k, e);
    for (const k of gone) this.put(out, k, null);
  }

  restore(changes: Iterable<StoreChange>, fresh = true): void {
    if (fresh) {
      this.store.clear();
      this.streamTimeMs = -1;
    }
    for (const c of changes) {
      this.streamTimeMs = Math.max(this.streamTimeMs, c.streamTimeMs);
      if (c.entry) this.store.set(c.storeKey, { ...(c.entry as unknown as JoinRecordEntry) });
      else this.store.delete(c.storeKey);
    }
  }
}
