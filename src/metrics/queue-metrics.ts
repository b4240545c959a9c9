// Per-queue metrics fed while the run goes: depth (messages waiting) and in-flight counts integrated over
// time (so time averages are exact, which Little's law needs), per-bucket time averages for the charts, the
// age of the oldest message at bucket ends, queue wait (ready → delivered) apart from processing time, and
// counters for redeliveries and dead-lettering. Means are exact sums; percentiles come from HDR histograms.
import * as hdr from "hdr-histogram-js";
import type { LatencySummaryUs } from "../report/result-types.ts";
import { chooseBucketUs, histogramSummary } from "./collector.ts";

hdr.initWebAssemblySync();

export interface QueueSeries {
  queue: string;
  /** Time-averaged messages waiting, per bucket. */
  depth: number[];
  /** Time-averaged messages in flight (delivered, not yet acked), per bucket. */
  inFlight: number[];
  /** Age of the oldest message held (waiting or in flight) at the end of each bucket, µs (0 when empty). */
  oldestAgeUs: number[];
  /** Deliveries of a message that had been delivered before, per second. */
  redeliveriesPerS: number[];
  /** Mean queue wait of the deliveries in the bucket, µs (null: none). */
  queueWaitMeanUs: (number | null)[];
  /** Mean processing time of the handlers that finished in the bucket, µs (null: none). */
  processingMeanUs: (number | null)[];
}

/** One dead letter still held at the end of the run, with its x-death as RabbitMQ would show it. */
export interface DeadLetterSample {
  msg: number;
  key: string;
  xDeath: string;
}

export interface QueueStats {
  queue: string;
  kind: string;
  sent: number;
  enqueued: number;
  deduplicated: number;
  deliveries: number;
  redeliveries: number;
  acked: number;
  deadLettered: number;
  dropped: number;
  /** Enqueue (or return) → delivery, per delivery. */
  queueWaitUs: LatencySummaryUs;
  /** The exact mean queue wait in µs (queueWaitUs.mean is rounded). */
  waitMeanExactUs: number;
  /** Handler start → end. */
  processingUs: LatencySummaryUs;
  /** Producer send → its answer (SendMessage response / publisher confirm). */
  confirmLatencyUs: LatencySummaryUs;
  /** RabbitMQ: messages held at the end that carry dead-letter headers (the first few), for triage in the report. */
  deadLetters?: DeadLetterSample[];
  /** Time-averaged number of messages waiting over the whole run, and in flight. */
  timeAvgDepth: number;
  timeAvgInFlight: number;
  maxDepth: number;
  /** Little's law check: deliveries per second × mean wait, next to the measured time-averaged depth. */
  littlesLaw: { arrivalRatePerS: number; meanWaitS: number; predictedDepth: number; measuredDepth: number };
}

export class QueueMetrics {
  readonly bucketUs: number;
  readonly bucketCount: number;
  private readonly waitHist = hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
  private readonly procHist = hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
  private readonly confirmHist = hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
  confirmSumUs = 0;
  /** Filled by the queue's end-of-run census (at most DEAD_LETTER_SAMPLES). */
  readonly deadLetters: DeadLetterSample[] = [];
  /** Exact sums (µs): the mean must not carry the histogram's rounding, the theory tests compare it. */
  waitSumUs = 0;
  procSumUs = 0;
  sent = 0;
  enqueued = 0;
  deduplicated = 0;
  deliveries = 0;
  redeliveries = 0;
  acked = 0;
  deadLettered = 0;
  dropped = 0;
  maxDepth = 0;
  private depth = 0;
  private inFlight = 0;
  private lastUs = 0;
  private depthAreaUs = 0;
  private inFlightAreaUs = 0;
  private readonly depthArea: Float64Array;
  private readonly inFlightArea: Float64Array;
  private readonly oldestAge: Float64Array;
  private readonly redeliveryCount: Float64Array;
  private readonly waitSum: Float64Array;
  private readonly waitCount: Float64Array;
  private readonly procSum: Float64Array;
  private readonly procCount: Float64Array;
  /** When the oldest message now held entered the queue; -1 when empty. Kept current by the queue. */
  oldestSinceUs = -1;

  constructor(
    readonly queue: string,
    readonly kind: string,
    readonly totalUs: number,
  ) {
    this.bucketUs = chooseBucketUs(totalUs);
    this.bucketCount = Math.max(1, Math.ceil(totalUs / this.bucketUs));
    const n = this.bucketCount;
    this.depthArea = new Float64Array(n);
    this.inFlightArea = new Float64Array(n);
    this.oldestAge = new Float64Array(n);
    this.redeliveryCount = new Float64Array(n);
    this.waitSum = new Float64Array(n);
    this.waitCount = new Float64Array(n);
    this.procSum = new Float64Array(n);
    this.procCount = new Float64Array(n);
  }

  private bucketOf(t: number): number {
    return Math.min(this.bucketCount - 1, Math.floor(t / this.bucketUs));
  }

  /** Integrates the current levels up to `nowUs`, bucket by bucket. Call before every level change. */
  advance(nowUs: number): void {
    let t = this.lastUs;
    if (nowUs <= t) return;
    this.depthAreaUs += this.depth * (nowUs - t);
    this.inFlightAreaUs += this.inFlight * (nowUs - t);
    while (t < nowUs) {
      const b = this.bucketOf(t);
      const end = b === this.bucketCount - 1 ? nowUs : Math.min(nowUs, (b + 1) * this.bucketUs);
      this.depthArea[b] += this.depth * (end - t);
      this.inFlightArea[b] += this.inFlight * (end - t);
      // Nothing changed between the last event and now, so the oldest message at a bucket's end is known.
      if (end === (b + 1) * this.bucketUs) this.oldestAge[b] = this.oldestSinceUs < 0 ? 0 : end - this.oldestSinceUs;
      t = end;
    }
    this.lastUs = nowUs;
  }

  setLevels(nowUs: number, depth: number, inFlight: number): void {
    this.advance(nowUs);
    this.depth = depth;
    this.inFlight = inFlight;
    if (depth > this.maxDepth) this.maxDepth = depth;
  }

  onDelivered(nowUs: number, waitUs: number, redelivery: boolean): void {
    this.deliveries++;
    const b = this.bucketOf(nowUs);
    if (redelivery) {
      this.redeliveries++;
      this.redeliveryCount[b]++;
    }
    this.waitSumUs += waitUs;
    this.waitHist.recordValue(waitUs);
    this.waitSum[b] += waitUs;
    this.waitCount[b]++;
  }

  onProcessed(nowUs: number, processingUs: number): void {
    const b = this.bucketOf(nowUs);
    this.procSumUs += processingUs;
    this.procHist.recordValue(processingUs);
    this.procSum[b] += processingUs;
    this.procCount[b]++;
  }

  /** A producer got its answer `latencyUs` after sending. */
  onConfirmed(latencyUs: number): void {
    this.confirmSumUs += latencyUs;
    this.confirmHist.recordValue(latencyUs);
  }

  stats(endUs: number): QueueStats {
    this.advance(endUs);
    const span = Math.max(1, endUs);
    const timeAvgDepth = this.depthAreaUs / span;
    const wait = histogramSummary(this.waitHist, this.waitSumUs);
    const rate = this.deliveries / (span / 1e6);
    const meanWaitS = this.deliveries > 0 ? this.waitSumUs / this.deliveries / 1e6 : 0;
    return {
      queue: this.queue,
      kind: this.kind,
      sent: this.sent,
      enqueued: this.enqueued,
      deduplicated: this.deduplicated,
      deliveries: this.deliveries,
      redeliveries: this.redeliveries,
      acked: this.acked,
      deadLettered: this.deadLettered,
      dropped: this.dropped,
      queueWaitUs: wait,
      waitMeanExactUs: this.deliveries > 0 ? round6(this.waitSumUs / this.deliveries) : 0,
      processingUs: histogramSummary(this.procHist, this.procSumUs),
      confirmLatencyUs: histogramSummary(this.confirmHist, this.confirmSumUs),
      ...(this.deadLetters.length > 0 ? { deadLetters: this.deadLetters } : {}),
      timeAvgDepth: round6(timeAvgDepth),
      timeAvgInFlight: round6(this.inFlightAreaUs / span),
      maxDepth: this.maxDepth,
      littlesLaw: {
        arrivalRatePerS: round6(rate),
        meanWaitS: round6(meanWaitS),
        predictedDepth: round6(rate * meanWaitS),
        measuredDepth: round6(timeAvgDepth),
      },
    };
  }

  series(endUs: number): QueueSeries {
    this.advance(endUs);
    const perS = 1e6 / this.bucketUs;
    const width = (b: number): number => Math.max(1, Math.min(this.bucketUs, endUs - b * this.bucketUs));
    const idx = Array.from({ length: this.bucketCount }, (_, b) => b);
    return {
      queue: this.queue,
      depth: idx.map((b) => round6(this.depthArea[b] / width(b))),
      inFlight: idx.map((b) => round6(this.inFlightArea[b] / width(b))),
      oldestAgeUs: Array.from(this.oldestAge),
      redeliveriesPerS: Array.from(this.redeliveryCount, (c) => c * perS),
      queueWaitMeanUs: idx.map((b) => (this.waitCount[b] > 0 ? Math.round(this.waitSum[b] / this.waitCount[b]) : null)),
      processingMeanUs: idx.map((b) => (this.procCount[b] > 0 ? Math.round(this.procSum[b] / this.procCount[b]) : null)),
    };
  }

  destroy(): void {
    this.waitHist.destroy();
    this.procHist.destroy();
    this.confirmHist.destroy();
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
