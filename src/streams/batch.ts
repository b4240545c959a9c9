// The batch recomputation a windowed aggregation must agree with: every input record, placed by its event
// time, with nothing late and nothing twice. The window-results-match checker and the property tests use it.
import { flinkWindowsFor, sessionsOf, slidingWindowsOf, timeWindowsFor, windowContains, type Window, type WindowSpec } from "./windows.ts";

export interface BatchRecord {
  key: string;
  ts: number;
  value: number;
}

export interface WindowValue {
  key: string;
  window: Window;
  value: number;
}

export function windowId(key: string, w: Window): string {
  return `${key}@${w.start}:${w.end}`;
}

/**
 * Every window's aggregate over all records, by window id, in (key, start, end) order. `flink` assigns time
 * windows as Flink does (its windows may start before 0, where Kafka Streams' start at 0).
 */
export function batchWindows(spec: WindowSpec, records: readonly BatchRecord[], flink = false): Map<string, WindowValue> {
  const byKey = new Map<string, BatchRecord[]>();
  for (const r of records) {
    let list = byKey.get(r.key);
    if (!list) byKey.set(r.key, (list = []));
    list.push(r);
  }
  const out: WindowValue[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const recs = byKey.get(key)!;
    let windows: Window[];
    if (spec.type === "tumbling" || spec.type === "hopping") {
      const advance = spec.type === "hopping" ? spec.advanceMs : spec.sizeMs;
      const seen = new Map<number, Window>();
      for (const r of recs) for (const w of flink ? flinkWindowsFor(r.ts, spec.sizeMs, advance) : timeWindowsFor(r.ts, spec.sizeMs, advance)) seen.set(w.start, w);
      windows = [...seen.values()];
    } else if (spec.type === "session") windows = sessionsOf(recs.map((r) => r.ts), spec.gapMs);
    else windows = slidingWindowsOf(recs.map((r) => r.ts), spec.differenceMs);
    for (const w of windows) {
      let value = 0;
      for (const r of recs) if (windowContains(spec, w, r.ts)) value += r.value;
      out.push({ key, window: w, value });
    }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.window.start - b.window.start || a.window.end - b.window.end));
  return new Map(out.map((v) => [windowId(v.key, v.window), v]));
}

/** The final emitted result per window from a stream of emits and retractions (the last word wins). */
export function finalResults(events: Iterable<{ key: string; window: Window; value: number | null }>): Map<string, WindowValue> {
  const out = new Map<string, WindowValue>();
  for (const e of events) {
    const id = windowId(e.key, e.window);
    if (e.value === null) out.delete(id);
    else {
      out.delete(id);
      out.set(id, { key: e.key, window: e.window, value: e.value });
    }
  }
  return out;
}

export interface JoinInput {
  msg: number;
  key: string;
  ts: number;
}

/**
 * The batch answer of a stream–stream join with a symmetric window d: every (left, right) pair with the same
 * key and |tLeft − tRight| ≤ d, and the records of each side that have no partner at all.
 */
export function batchJoin(left: readonly JoinInput[], right: readonly JoinInput[], windowMs: number): { pairs: [JoinInput, JoinInput][]; leftAlone: JoinInput[]; rightAlone: JoinInput[] } {
  const rightByKey = new Map<string, JoinInput[]>();
  for (const r of right) {
    let l = rightByKey.get(r.key);
    if (!l) rightByKey.set(r.key, (l = []));
    l.push(r);
  }
  const pairs: [JoinInput, JoinInput][] = [];
  const matchedRight = new Set<number>();
  const leftAlone: JoinInput[] = [];
  for (const l of left) {
    let any = false;
    for (const r of rightByKey.get(l.key) ?? []) {
      if (Math.abs(l.ts - r.ts) > windowMs) continue;
      pairs.push([l, r]);
      matchedRight.add(r.msg);
      any = true;
    }
    if (!any) leftAlone.push(l);
  }
  return { pairs, leftAlone, rightAlone: right.filter((r) => !matchedRight.has(r.msg)) };
}
