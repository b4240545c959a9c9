// Flink's event-time window operator for one task (timeModel: flink): a bounded-out-of-orderness watermark
// generator (maxTs − B − 1, emitted every autoWatermarkInterval of processing time), tumbling or sliding
// ("hopping") windows [start, end) assigned with TimeWindow.getWindowStartWithOffset, EventTimeTrigger firing
// once the watermark reaches end − 1, allowed lateness L (a late-but-allowed element fires its window again),
// and elements whose windows are all late dropped or sent to the late side output. The result and store
// change shapes are the Kafka Streams aggregation's, so the runtime and changelog treat both alike.
import type { AggEvent, AggResult, StoreChange, WindowEntry } from "./window-aggregation.ts";
import { flinkWatermark, flinkWindowFires, flinkWindowLate, flinkWindowsFor } from "./windows.ts";

/** Long.MIN_VALUE stands for "no watermark yet"; -Infinity keeps the arithmetic exact in doubles. */
const NO_WATERMARK = -Infinity;

export class FlinkWindowOperator {
  /** The largest event time this task's input partition (its source split) has delivered. */
  maxTsMs = NO_WATERMARK;
  /** The watermark the window operator acts on: its own split's, or the minimum over every split (advanceWatermark). */
  watermarkMs = NO_WATERMARK;
  /** Processing time of the split's last record: withIdleness marks the split idle once it is idleness old. */
  lastRecordUs = 0;
  private readonly windows = new Map<string, WindowEntry>();

  constructor(
    readonly sizeMs: number,
    readonly slideMs: number,
    readonly outOfOrdernessMs: number,
    readonly allowedLatenessMs: number,
  ) {}

  /** What the report plots for this task: the watermark (the Kafka Streams model plots stream time). */
  get streamTimeMs(): number {
    return this.watermarkMs === NO_WATERMARK ? -1 : this.watermarkMs;
  }

  /** A record of the split reached the source: it moves the split's watermark and ends any idleness. */
  observe(ts: number, nowUs: number): void {
    this.maxTsMs = Math.max(this.maxTsMs, ts);
    this.lastRecordUs = nowUs;
  }

  process(key: string, ts: number, value: number): AggResult {
    const out: AggResult = { events: [], changes: [] };
    this.maxTsMs = Math.max(this.maxTsMs, ts);
    const windows = flinkWindowsFor(ts, this.sizeMs, this.slideMs);
    const open = windows.filter((w) => !flinkWindowLate(w, this.watermarkMs, this.allowedLatenessMs));
    if (open.length === 0) {
      out.events.push({ kind: "drop", key, ts, window: undefined, streamTimeMs: this.streamTimeMs });
      return out;
    }
    for (const w of open) {
      const id = `${key}@${w.start}:${w.end}`;
      const prev = this.windows.get(id);
      const entry: WindowEntry = { kind: "window", key, start: w.start, end: w.end, value: (prev?.value ?? 0) + value, emitted: prev?.emitted ?? false };
      // A late-but-allowed element fires its (already fired) window again at once: an update downstream.
      if (flinkWindowFires(w, this.watermarkMs)) {
        out.events.push({ kind: "emit", key, window: w, value: entry.value, final: false });
        entry.emitted = true;
      }
      this.put(out, id, entry);
    }
    return out;
  }

  /** The watermark this task's split generates (maxTs − B − 1), -Infinity before its first record. */
  get splitWatermarkMs(): number {
    return this.maxTsMs === NO_WATERMARK ? NO_WATERMARK : flinkWatermark(this.maxTsMs, this.outOfOrdernessMs);
  }

  /**
   * A periodic watermark emission: fires windows the watermark passed, forgets windows past their lateness.
   * `w` is the watermark that reaches the window operator: the minimum over its input splits (a keyed window
   * operator hears from every source split), by default this task's own split's. It never moves back.
   */
  advanceWatermark(w = this.splitWatermarkMs): AggResult {
    const out: AggResult = { events: [], changes: [] };
    if (w === NO_WATERMARK || !Number.isFinite(w)) return out;
    if (w <= this.watermarkMs) return out;
    this.watermarkMs = w;
    out.changes.push({ storeKey: "watermark", entry: null, streamTimeMs: w });
    const events: AggEvent[] = [];
    for (const [id, e] of this.windows) {
      if (!e.emitted && flinkWindowFires(e, w)) {
        events.push({ kind: "emit", key: e.key, window: { start: e.start, end: e.end }, value: e.value, final: true });
        this.put(out, id, { ...e, emitted: true });
      }
    }
    for (const [id, e] of [...this.windows]) if (flinkWindowLate(e, w, this.allowedLatenessMs)) this.put(out, id, null);
    out.events.push(...events);
    return out;
  }

  private put(out: AggResult, id: string, entry: WindowEntry | null): void {
    if (entry) this.windows.set(id, entry);
    else this.windows.delete(id);
    out.changes.push({ storeKey: id, entry: entry && { ...entry }, streamTimeMs: this.streamTimeMs });
  }

  /** Rebuilds window state from the changelog; the watermark restarts from the largest one recorded. */
  restore(changes: Iterable<StoreChange>, fresh = true): void {
    if (fresh) {
      this.windows.clear();
      this.watermarkMs = NO_WATERMARK;
      this.maxTsMs = NO_WATERMARK;
    }
    for (const c of changes) {
      if (c.streamTimeMs >= 0) {
        this.watermarkMs = Math.max(this.watermarkMs, c.streamTimeMs);
        this.maxTsMs = Math.max(this.maxTsMs, c.streamTimeMs + this.outOfOrdernessMs + 1);
      }
      if (c.storeKey === "watermark") continue;
      if (c.entry && c.entry.kind === "window") this.windows.set(c.storeKey, { ...c.entry });
      else this.windows.delete(c.storeKey);
    }
  }
}

/**
 * The watermark a keyed window operator receives: the minimum over every input partition's (each split's
 * bounded-out-of-orderness watermark), so one partition that delivers nothing holds every window back.
 * withIdleness(idleUs): a partition whose last record is at least idleUs old (processing time; a partition that
 * never delivered one counts from the start) is idle and left out until its next record. Undefined when there
 * is nothing to advance to: every input idle, or an active input with no watermark yet.
 */
export function combinedWatermark(tasks: readonly { processor: unknown }[], nowUs: number, idleUs: number | undefined): number | undefined {
  let min = Infinity;
  for (const t of tasks) {
    const p = t.processor;
    if (!(p instanceof FlinkWindowOperator)) continue;
    if (idleUs !== undefined && nowUs - p.lastRecordUs >= idleUs) continue;
    min = Math.min(min, p.splitWatermarkMs);
  }
  return Number.isFinite(min) ? min : undefined;
}
