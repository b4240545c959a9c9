// One task's windowed aggregation, Kafka Streams style: stream time is the largest record timestamp seen (never
// the wall clock); each record updates the windows its timestamp falls in unless grace has closed them; with
// suppress(untilWindowCloses) each window emits once, when stream time − grace passes its end, otherwise every
// update is emitted. The store is a map of entries; every change is returned so the runtime can write it to
// the store's changelog topic, and `restore` rebuilds the store from what the changelog holds.
import {
  sessionLate,
  sessionMerges,
  slidingRecordLate,
  slidingWindowOpen,
  slidingWindowsOf,
  timeWindowOpen,
  timeWindowsFor,
  windowClosed,
  windowContains,
  type Window,
  type WindowSpec,
} from "./windows.ts";

export interface WindowEntry {
  kind: "window";
  key: string;
  start: number;
  end: number;
  value: number;
  /** The final result went downstream (suppress): the entry only waits to be purged. */
  emitted: boolean;
}
/** Sliding windows are built from the records themselves, so those are part of the store. */
export interface RecordEntry {
  kind: "record";
  key: string;
  ts: number;
  value: number;
}
export type StoreEntry = WindowEntry | RecordEntry;

export type AggEvent =
  | { kind: "emit"; key: string; window: Window; value: number; final: boolean }
  | { kind: "tombstone"; key: string; window: Window }
  | { kind: "drop"; key: string; ts: number; window: Window | undefined; streamTimeMs: number };

export interface StoreChange {
  storeKey: string;
  entry: StoreEntry | null;
  /** Stream time when written: a restore takes the largest as the task's stream time. */
  streamTimeMs: number;
}

export interface AggResult {
  events: AggEvent[];
  changes: StoreChange[];
}

const windowKey = (key: string, w: Window): string => `${key}@${w.start}:${w.end}`;

export class WindowedAggregation {
  /** ConsumerRecord.NO_TIMESTAMP: no record seen yet. */
  streamTimeMs = -1;
  readonly store = new Map<string, StoreEntry>();
  /** Sessions per key, kept beside the store for the merge search. */
  private readonly sessions = new Map<string, Set<string>>();

  constructor(
    readonly spec: WindowSpec,
    readonly graceMs: number,
    readonly suppress: boolean,
  ) {}

  process(key: string, ts: number, value: number): AggResult {
    const out: AggResult = { events: [], changes: [] };
    this.streamTimeMs = Math.max(this.streamTimeMs, ts);
    const spec = this.spec;
    if (spec.type === "tumbling" || spec.type === "hopping") {
      const advance = spec.type === "hopping" ? spec.advanceMs : spec.sizeMs;
      for (const w of timeWindowsFor(ts, spec.sizeMs, advance)) {
        if (!timeWindowOpen(w, this.streamTimeMs, this.graceMs)) {
          out.events.push({ kind: "drop", key, ts, window: w, streamTimeMs: this.streamTimeMs });
          continue;
        }
        const prev = this.store.get(windowKey(key, w)) as WindowEntry | undefined;
        this.putWindow(out, key, w, (prev?.value ?? 0) + value);
      }
    } else if (spec.type === "session") {
      this.processSession(out, key, ts, value, spec.gapMs);
    } else {
      if (slidingRecordLate(ts, spec.differenceMs, this.streamTimeMs, this.graceMs)) {
        out.events.push({ kind: "drop", key, ts, window: undefined, streamTimeMs: this.streamTimeMs });
      } else this.processSliding(out, key, ts, value, spec.differenceMs);
    }
    this.closeAndPurge(out);
    return out;
  }

  private put(out: AggResult, storeKey: string, entry: StoreEntry | null): void {
    if (entry) this.store.set(storeKey, entry);
    else this.store.delete(storeKey);
    out.changes.push({ storeKey, entry: entry && { ...entry }, streamTimeMs: this.streamTimeMs });
  }

  private putWindow(out: AggResult, key: string, w: Window, value: number): void {
    this.put(out, windowKey(key, w), { kind: "window", key, start: w.start, end: w.end, value, emitted: false });
    if (!this.suppress) out.events.push({ kind: "emit", key, window: w, value, final: false });
  }

  private processSession(out: AggResult, key: string, ts: number, value: number, gapMs: number): void {
    let keys = this.sessions.get(key);
    if (!keys) this.sessions.set(key, (keys = new Set()));
    const current = [...keys].map((k) => this.store.get(k) as WindowEntry);
    const merging = sessionMerges(current, ts, gapMs) as WindowEntry[];
    const merged: Window = { start: Math.min(ts, ...merging.map((s) => s.start)), end: Math.max(ts, ...merging.map((s) => s.end)) };
    if (sessionLate(merged.end, this.streamTimeMs, this.graceMs, gapMs)) {
      out.events.push({ kind: "drop", key, ts, window: merged, streamTimeMs: this.streamTimeMs });
      return;
    }
    let total = value;
    for (const s of merging) {
      total += s.value;
      const k = windowKey(key, s);
      keys.delete(k);
      this.put(out, k, null);
      // A replaced session is retracted downstream, unless it was only ever buffered by suppress.
      if (!this.suppress || s.emitted) out.events.push({ kind: "tombstone", key, window: { start: s.start, end: s.end } });
    }
    keys.add(windowKey(key, merged));
    this.putWindow(out, key, merged, total);
  }

  private processSliding(out: AggResult, key: string, ts: number, value: number, d: number): void {
    const recKey = `${key}#${ts}`;
    const rec = this.store.get(recKey) as RecordEntry | undefined;
    this.put(out, recKey, { kind: "record", key, ts, value: (rec?.value ?? 0) + value });
    const recs: RecordEntry[] = [];
    for (const e of this.store.values()) if (e.kind === "record" && e.key === key) recs.push(e);
    for (const w of slidingWindowsOf(recs.map((r) => r.ts), d)) {
      const k = windowKey(key, w);
      const existing = this.store.get(k) as WindowEntry | undefined;
      if (existing && !windowContains(this.spec, w, ts)) continue;
      if (!slidingWindowOpen(w, this.streamTimeMs, this.graceMs)) {
        if (windowContains(this.spec, w, ts)) out.events.push({ kind: "drop", key, ts, window: w, streamTimeMs: this.streamTimeMs });
        continue;
      }
      let sum = 0;
      for (const r of recs) if (windowContains(this.spec, w, r.ts)) sum += r.value;
      if (existing?.value === sum) continue;
      this.putWindow(out, key, w, sum);
    }
  }

  /** Emits what suppress was holding once its window closed, and forgets what can no longer change. */
  private closeAndPurge(out: AggResult): void {
    const st = this.streamTimeMs;
    const spec = this.spec;
    const purge: string[] = [];
    for (const [k, e] of this.store) {
      if (e.kind === "record") {
        if (spec.type === "sliding" && e.ts < st - this.graceMs - 2 * spec.differenceMs) purge.push(k);
        continue;
      }
      if (!windowClosed(spec, e, st, this.graceMs)) continue;
      if (this.suppress && !e.emitted) {
        out.events.push({ kind: "emit", key: e.key, window: { start: e.start, end: e.end }, value: e.value, final: true });
      }
      // Sessions can still merge until end + gap passes the close time.
      if (spec.type === "session" && !sessionLate(e.end + spec.gapMs, st, this.graceMs, spec.gapMs)) {
        if (this.suppress && !e.emitted) this.put(out, k, { ...e, emitted: true });
        continue;
      }
      purge.push(k);
    }
    for (const k of purge) {
      const e = this.store.get(k)!;
      if (e.kind === "window") this.sessions.get(e.key)?.delete(k);
      this.put(out, k, null);
    }
  }

  /** Rebuilds the store from changelog records in log order (the last value per store key wins). */
  restore(changes: Iterable<StoreChange>, fresh = true): void {
    if (fresh) {
      this.store.clear();
      this.sessions.clear();
      this.streamTimeMs = -1;
    }
    for (const c of changes) {
      this.streamTimeMs = Math.max(this.streamTimeMs, c.streamTimeMs);
      if (c.entry) this.store.set(c.storeKey, { ...c.entry });
      else this.store.delete(c.storeKey);
    }
    if (this.spec.type !== "session") return;
    for (const [k, e] of this.store) {
      if (e.kind !== "window") continue;
      let keys = this.sessions.get(e.key);
      if (!keys) this.sessions.set(e.key, (keys = new Set()));
      keys.add(k);
    }
  }
}
