// Metrics fed while the run goes, in bounded memory: an HDR histogram for end-to-end latency over the whole
// run, one reused histogram for the current time bucket (processing ends arrive in time order, so only one
// bucket is ever open), per-bucket produce/consume counts, and lag per group sampled at bucket ends.
import * as hdr from "hdr-histogram-js";
import type { LatencySummaryUs, TimeSeries } from "../report/result-types.ts";

/**
 * A latency summary from an HDR histogram (the percentiles at its 3 significant digits). `sumUs`, when the caller
 * kept the exact sum, gives the exact mean instead of the histogram's bucketed one.
 */
export function histogramSummary(h: hdr.Histogram, sumUs?: number): LatencySummaryUs {
  if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    mean: Math.round(sumUs === undefined ? h.mean : sumUs / h.totalCount),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}

hdr.initWebAssemblySync();

function newHistogram(): hdr.Histogram {
  return hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
}

/** A bucket width near 1/300 of the run, rounded to 1, 2 or 5 × a power of ten, at least 1ms. */
export function chooseBucketUs(totalUs: number): number {
  const raw = Math.max(1000, totalUs / 300);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

export class MetricsCollector {
  private readonly overall = newHistogram();
  private readonly bucketHist = newHistogram();
  private openBucket = 0;
  readonly bucketCount: number;
  private readonly p50: (number | null)[];
  private readonly p99: (number | null)[];
  private readonly max: (number | null)[];
  private readonly produced: Float64Array;
  private readonly consumed: Float64Array;
  /** Last lag value observed per group, and the series of end-of-bucket values. */
  private readonly lagNow: number[];
  private readonly lagSeries: Float64Array[];
  private readonly lagBucket: number[];
  private readonly maxLag: number[];
  producedCount = 0;
  acknowledgedCount = 0;
  consumedCount = 0;
  firstProcessedUs = -1;
  lastProcessedUs = -1;

  constructor(
    readonly totalUs: number,
    readonly groupNames: string[],
    readonly bucketUs = chooseBucketUs(totalUs),
  ) {
    this.bucketCount = Math.max(1, Math.ceil(totalUs / bucketUs));
    this.p50 = new Array(this.bucketCount).fill(null);
    this.p99 = new Array(this.bucketCount).fill(null);
    this.max = new Array(this.bucketCount).fill(null);
    this.produced = new Float64Array(this.bucketCount);
    this.consumed = new Float64Array(this.bucketCount);
    this.lagNow = groupNames.map(() => 0);
    this.lagSeries = groupNames.map(() => new Float64Array(this.bucketCount));
    this.lagBucket = groupNames.map(() => 0);
    this.maxLag = groupNames.map(() => 0);
  }

  private bucketOf(timeUs: number): number {
    return Math.min(this.bucketCount - 1, Math.floor(timeUs / this.bucketUs));
  }

  onProduced(timeUs: number): void {
    this.producedCount++;
    this.produced[this.bucketOf(timeUs)]++;
  }

  onAcknowledged(): void {
    this.acknowledgedCount++;
  }

  onProcessed(timeUs: number, latencyUs: number): void {
    this.consumedCount++;
    if (this.firstProcessedUs < 0) this.firstProcessedUs = timeUs;
    this.lastProcessedUs = timeUs;
    const b = this.bucketOf(timeUs);
    this.consumed[b]++;
    if (b !== this.openBucket) {
      this.closeBucket();
      this.openBucket = b;
    }
    this.overall.recordValue(latencyUs);
    this.bucketHist.recordValue(latencyUs);
  }

  private closeBucket(): void {
    const h = this.bucketHist;
    if (h.totalCount > 0) {
      this.p50[this.openBucket] = h.getValueAtPercentile(50);
      this.p99[this.openBucket] = h.getValueAtPercentile(99);
      this.max[this.openBucket] = h.maxValue;
      h.reset();
    }
  }

  /** Lag of group g is now `records`; buckets since the last observation keep the previous value. */
  onLag(g: number, records: number, timeUs: number): void {
    const b = this.bucketOf(timeUs);
    const series = this.lagSeries[g];
    for (let i = this.lagBucket[g]; i < b; i++) series[i] = this.lagNow[g];
    this.lagBucket[g] = b;
    this.lagNow[g] = records;
    series[b] = records;
    if (records > this.maxLag[g]) this.maxLag[g] = records;
  }

  /** Mean processing rate while the consumers had work: processed messages over the span from first to last. */
  processedPerS(): number {
    const span = this.lastProcessedUs - this.firstProcessedUs;
    return span > 0 ? (this.consumedCount * 1e6) / span : 0;
  }

  latencySummary(): LatencySummaryUs {
    return histogramSummary(this.overall);
  }

  /** Closes the open bucket and returns the series; call once, at the end of the run. */
  finish(): { series: TimeSeries; maxLag: { group: string; records: number }[]; finalLag: { group: string; records: number }[] } {
    this.closeBucket();
    for (let g = 0; g < this.groupNames.length; g++) {
      const series = this.lagSeries[g];
      for (let i = this.lagBucket[g] + 1; i < this.bucketCount; i++) series[i] = this.lagNow[g];
    }
    const perS = 1e6 / this.bucketUs;
    const series: TimeSeries = {
      bucketUs: this.bucketUs,
      t: Array.from({ length: this.bucketCount }, (_, i) => i * this.bucketUs),
      latencyP50Us: this.p50,
      latencyP99Us: this.p99,
      latencyMaxUs: this.max,
      producedPerS: Array.from(this.produced, (c) => c * perS),
      consumedPerS: Array.from(this.consumed, (c) => c * perS),
      lag: this.groupNames.map((group, g) => ({ group, values: Array.from(this.lagSeries[g]) })),
    };
    return {
      series,
      maxLag: this.groupNames.map((group, g) => ({ group, records: this.maxLag[g] })),
      finalLag: this.groupNames.map((group, g) => ({ group, records: this.lagNow[g] })),
    };
  }

  destroy(): void {
    this.overall.destroy();
    this.bucketHist.destroy();
  }
}
