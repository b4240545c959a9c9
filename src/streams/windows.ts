// Window assignment, the pure rules (semantics.md §7). Times are Kafka record timestamps: integer
// milliseconds. Kafka Streams time windows are [start, end) (end exclusive); sliding windows and session
// windows are [start, end] with BOTH ends inclusive. Flink windows are [start, end) with maxTimestamp = end − 1.

export type WindowSpec =
  | { type: "tumbling"; sizeMs: number }
  | { type: "hopping"; sizeMs: number; advanceMs: number }
  | { type: "sliding"; differenceMs: number }
  | { type: "session"; gapMs: number };

export interface Window {
  start: number;
  /** Exclusive for tumbling/hopping (and Flink), inclusive for sliding and session windows. */
  end: number;
}

/** Kafka Streams TimeWindows.windowsFor: every epoch-aligned window [start, start + size) holding ts. */
export function timeWindowsFor(ts: number, sizeMs: number, advanceMs: number): Window[] {
  const out: Window[] = [];
  let start = Math.floor(Math.max(0, ts - sizeMs + advanceMs) / advanceMs) * advanceMs;
  for (; start <= ts; start += advanceMs) if (ts < start + sizeMs) out.push({ start, end: start + sizeMs });
  return out;
}

/** Whether a record at ts lies in the window, with the window type's own end rule. */
export function windowContains(spec: WindowSpec, w: Window, ts: number): boolean {
  return spec.type === "tumbling" || spec.type === "hopping" ? w.start <= ts && ts < w.end : w.start <= ts && ts <= w.end;
}

/** A time window (tumbling, hopping) accepts a record only while windowEnd > streamTime − grace. */
export function timeWindowOpen(w: Window, streamTimeMs: number, graceMs: number): boolean {
  return w.end > streamTimeMs - graceMs;
}

/** A sliding window's end is inclusive: it accepts while end ≥ streamTime − grace. */
export function slidingWindowOpen(w: Window, streamTimeMs: number, graceMs: number): boolean {
  return w.end >= streamTimeMs - graceMs;
}

/** A sliding-window record is dropped when ts + difference < streamTime − grace. */
export function slidingRecordLate(ts: number, differenceMs: number, streamTimeMs: number, graceMs: number): boolean {
  return ts + differenceMs < streamTimeMs - graceMs;
}

/** A session (after merging) is dropped when its end < streamTime − grace − gap. */
export function sessionLate(mergedEnd: number, streamTimeMs: number, graceMs: number, gapMs: number): boolean {
  return mergedEnd < streamTimeMs - graceMs - gapMs;
}

/**
 * suppress(untilWindowCloses): a window's final result is due once streamTime − grace ≥ windowEnd (the
 * suppression buffer evicts keys whose window end ≤ streamTime − grace). For session windows Streams takes
 * grace + gap as the suppression grace, since a session can still grow by `gap`.
 */
export function windowClosed(spec: WindowSpec, w: Window, streamTimeMs: number, graceMs: number): boolean {
  const waitMs = spec.type === "session" ? graceMs + spec.gapMs : graceMs;
  // An inclusive end e is the exclusive end e + 1 of the time-window rule.
  return streamTimeMs - waitMs >= (spec.type === "sliding" ? w.end + 1 : w.end);
}

/** Sessions a record at ts merges with: end ≥ ts − gap and start ≤ ts + gap, both inclusive. */
export function sessionMerges(sessions: readonly Window[], ts: number, gapMs: number): Window[] {
  return sessions.filter((s) => s.end >= ts - gapMs && s.start <= ts + gapMs);
}

/** Batch sessionization of one key's timestamps: records at most `gap` apart share a session. */
export function sessionsOf(timestamps: readonly number[], gapMs: number): Window[] {
  const ts = [...timestamps].sort((a, b) => a - b);
  const out: Window[] = [];
  for (const t of ts) {
    const last = out[out.length - 1];
    if (last && t - last.end <= gapMs) last.end = t;
    else out.push({ start: t, end: t });
  }
  return out;
}

/**
 * The sliding windows Kafka Streams materialises for one key's records: a left window [t − d, t] per record,
 * and a right window [t + 1, t + 1 + d] for each record that has a later record within d.
 */
export function slidingWindowsOf(timestamps: readonly number[], differenceMs: number): Window[] {
  const ts = [...new Set(timestamps)].sort((a, b) => a - b);
  const seen = new Set<string>();
  const out: Window[] = [];
  const add = (w: Window): void => {
    const k = `${w.start}:${w.end}`;
    if (!seen.has(k)) seen.add(k), out.push(w);
  };
  for (let i = 0; i < ts.length; i++) {
    add({ start: ts[i] - differenceMs, end: ts[i] });
    if (i + 1 < ts.length && ts[i + 1] <= ts[i] + differenceMs) add({ start: ts[i] + 1, end: ts[i] + 1 + differenceMs });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

// ---------- Flink ----------

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** TimeWindow.getWindowStartWithOffset: start = ts − ((ts − offset + size) mod size). */
export function flinkWindowStart(ts: number, offsetMs: number, sizeMs: number): number {
  return ts - mod(ts - offsetMs + sizeMs, sizeMs);
}

/** Flink's windows for ts: tumbling when slide = size, else sliding ("hopping") windows [start, start + size). */
export function flinkWindowsFor(ts: number, sizeMs: number, slideMs: number, offsetMs = 0): Window[] {
  const out: Window[] = [];
  const last = flinkWindowStart(ts, offsetMs, slideMs);
  for (let start = last; start > ts - sizeMs; start -= slideMs) out.unshift({ start, end: start + sizeMs });
  return out;
}

/** forBoundedOutOfOrderness(B): the watermark is maxTs − B − 1 ("no more events with ts ≤ W"). */
export function flinkWatermark(maxTsMs: number, outOfOrdernessMs: number): number {
  return maxTsMs - outOfOrdernessMs - 1;
}

/** EventTimeTrigger fires once the watermark reaches maxTimestamp = end − 1. */
export function flinkWindowFires(w: Window, watermarkMs: number): boolean {
  return watermarkMs >= w.end - 1;
}

/** WindowOperator.isWindowLate: maxTimestamp + allowedLateness ≤ watermark; its elements are late. */
export function flinkWindowLate(w: Window, watermarkMs: number, allowedLatenessMs: number): boolean {
  return w.end - 1 + allowedLatenessMs <= watermarkMs;
}
