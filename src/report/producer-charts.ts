// Producer-side charts: how long each producer waited for its acknowledgements (p50 and p99 per time bucket),
// its retries and errors, and how many records it had sent without an answer yet. A producer that stalls
// (a leader died, the ISR is below min.insync.replicas, acks=all waits on a dead follower) shows here where it
// happens, while the consumer-lag chart stays flat because nothing new reached the log. The numbers are
// computed once from the history in the runner and stored in result.json, so the report needs no history.
import { Op, type History } from "../history/history.ts";
import type { RunResult } from "./result-types.ts";
import type { TimeChartOptions } from "./charts.ts";

export interface ProducerRunMetrics {
  producer: string;
  /** Send (the application's call) → acknowledgement, for records acknowledged in each bucket; null: none. */
  ackWaitP50Us: (number | null)[];
  ackWaitP99Us: (number | null)[];
  /** Re-sends after a retriable error or timeout, per bucket. */
  retries: number[];
  /** Produce errors (per record attempt), per bucket. */
  errors: number[];
  /** Records sent and not yet answered (ack, failure or unknown outcome) at the end of each bucket. */
  inFlight: number[];
  acknowledged: number;
  ackWaitP99UsOverall: number | null;
  maxAckWaitUs: number | null;
  maxInFlight: number;
}

/** Most producers drawn; the rest are left out of the charts (the page says so). Chosen by peak in-flight. */
export const MAX_PRODUCERS_CHARTED = 6;

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/**
 * Per Kafka producer, from the history: ack waits, retries, errors and records in flight per bucket. Buckets
 * match the run's time series (same width, same count). Empty when no producer sent a record.
 */
export function producerMetrics(h: History, bucketUs: number, bucketCount: number): ProducerRunMetrics[] {
  const bucketOf = (t: number): number => Math.min(bucketCount - 1, Math.max(0, Math.floor(t / bucketUs)));
  // Dense per-producer index, in the order producers first appear (deterministic).
  const slot = new Int32Array(h.actorNames.length).fill(-1);
  const acc: Acc[] = [];
  const slotOf = (actor: number): Acc => {
    let s = slot[actor];
    if (s < 0) {
      s = slot[actor] = acc.length;
      acc.push(new Acc(h.actorNames[actor], bucketCount));
    }
    return acc[s];
  };
  // 1 = sent, 2 = answered. A message's first answer ends its wait; later acks (duplicates) do not count again.
  const state = new Uint8Array(h.messageCount);
  const kinds = h.opKind, msgs = h.opMsg, times = h.opTimeUs, producerOf = h.msgProducer, created = h.msgCreatedUs;
  for (let i = 0, n = h.opCount; i < n; i++) {
    const k = kinds[i];
    // Producer rows are 1-5, 20 and 29; everything else is skipped by this one test first.
    if (k > Op.ProduceError || (k > Op.ProduceUnknown && k !== Op.ProduceRetry && k !== Op.ProduceError)) continue;
    const m = msgs[i];
    if (m < 0 || m >= h.messageCount) continue;
    const a = slotOf(producerOf[m]);
    const t = times[i];
    if (k === Op.ProduceAttempt) {
      if (state[m] === 0) {
        state[m] = 1;
        a.inFlightDelta[bucketOf(created[m])]++;
      }
    } else if (k === Op.ProduceRetry) a.retries[bucketOf(t)]++;
    else if (k === Op.ProduceError) a.errors[bucketOf(t)]++;
    else if (k !== Op.Append && state[m] === 1) {
      state[m] = 2;
      const b = bucketOf(t);
      a.inFlightDelta[b]--;
      if (k === Op.Ack) a.wait(b, t - created[m]);
    }
  }
  return acc.map((a) => a.finish());
}

/** One producer's accumulators. Acks come in time order, so one bucket of waits is open at a time. */
class Acc {
  readonly retries: number[];
  readonly errors: number[];
  readonly inFlightDelta: Int32Array;
  private readonly p50: (number | null)[];
  private readonly p99: (number | null)[];
  private all = new Float64Array(1024);
  private count = 0;
  private openBucket = -1;
  private openStart = 0;

  constructor(readonly producer: string, readonly bucketCount: number) {
    this.retries = new Array(bucketCount).fill(0);
    this.errors = new Array(bucketCount).fill(0);
    this.inFlightDelta = new Int32Array(bucketCount);
    this.p50 = new Array(bucketCount).fill(null);
    this.p99 = new Array(bucketCount).fill(null);
  }

  wait(bucket: number, us: number): void {
    if (bucket !== this.openBucket) {
      this.close();
      this.openBucket = bucket;
      this.openStart = this.count;
    }
    if (this.count === this.all.length) {
      const next = new Float64Array(this.all.length * 2);
      next.set(this.all);
      this.all = next;
    }
    this.all[this.count++] = us;
  }

  private close(): void {
    if (this.openBucket < 0 || this.count === this.openStart) return;
    const slice = this.all.subarray(this.openStart, this.count).sort();
    this.p50[this.openBucket] = percentile(slice, 50);
    this.p99[this.openBucket] = percentile(slice, 99);
  }

  finish(): ProducerRunMetrics {
    this.close();
    const inFlight: number[] = [];
    let open = 0;
    for (let b = 0; b < this.bucketCount; b++) inFlight.push((open += this.inFlightDelta[b]));
    const sorted = this.all.subarray(0, this.count).sort();
    return {
      producer: this.producer,
      ackWaitP50Us: this.p50,
      ackWaitP99Us: this.p99,
      retries: this.retries,
      errors: this.errors,
      inFlight,
      acknowledged: this.count,
      ackWaitP99UsOverall: this.count ? percentile(sorted, 99) : null,
      maxAckWaitUs: this.count ? sorted[this.count - 1] : null,
      maxInFlight: Math.max(0, ...inFlight),
    };
  }
}

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];

export const PRODUCER_CHART_TITLES: Record<string, string> = {
  "producer-ack-wait": "Producer: time from send to acknowledgement (p50 and p99 of the acks in each bucket)",
  "producer-retries": "Producer: retries and errors per second",
  "producer-in-flight": "Producer: records sent and not yet answered (a stall climbs here)",
};

/** The producers the charts draw: the ones with the highest peak in flight, then by name. */
export function chartedProducers(list: readonly ProducerRunMetrics[]): ProducerRunMetrics[] {
  return [...list]
    .sort((a, b) => b.maxInFlight - a.maxInFlight || (a.producer < b.producer ? -1 : a.producer > b.producer ? 1 : 0))
    .slice(0, MAX_PRODUCERS_CHARTED)
    .sort((a, b) => list.indexOf(a) - list.indexOf(b));
}

const ms = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : Math.round(us) / 1000);

export function producerChartSpecs(result: RunResult, chart: (o: TimeChartOptions) => object): Record<string, object> {
  const all = result.metrics.producers ?? [];
  if (all.length === 0) return {};
  const producers = chartedProducers(all);
  const { series, faults } = result.metrics;
  const totalS = result.simulatedUs / 1e6;
  const bucketS = series.bucketUs / 1e6;
  const tS = series.t.map((t) => Number((t / 1e6).toFixed(6)));
  const n = Math.min(tS.length, producers[0].inFlight.length);
  const color = (j: number, k = 0): string => PALETTE[(j * 2 + k) % PALETTE.length];
  const rows = (cols: (p: ProducerRunMetrics, i: number, j: number) => [string, number | null][]) =>
    tS.slice(0, n).map((t, i) => Object.fromEntries([["t", t], ...producers.flatMap((p, j) => cols(p, i, j))]));
  const rebalances = (result.metrics.groups ?? []).flatMap((g) => g.markers);
  return {
    "producer-ack-wait": chart({
      rows: rows((p, i, j) => [[`a${j}`, ms(p.ackWaitP50Us[i])], [`b${j}`, ms(p.ackWaitP99Us[i])]]),
      series: producers.flatMap((p, j) => [
        { field: `a${j}`, label: `${p.producer} p50`, color: color(j, 1) },
        { field: `b${j}`, label: `${p.producer} p99`, color: color(j) },
      ]),
      yTitle: "send → ack (ms)",
      yLog: true,
      tooltipFormat: ",.3f",
      faults,
      rebalances,
      totalS,
    }),
    "producer-retries": chart({
      rows: rows((p, i, j) => [[`r${j}`, Number((p.retries[i] / bucketS).toFixed(3))], [`e${j}`, Number((p.errors[i] / bucketS).toFixed(3))]]),
      series: producers.flatMap((p, j) => [
        { field: `r${j}`, label: `${p.producer} retries`, color: color(j) },
        { field: `e${j}`, label: `${p.producer} errors`, color: color(j, 1) },
      ]),
      yTitle: "per second",
      tooltipFormat: ",.1f",
      faults,
      rebalances,
      totalS,
    }),
    "producer-in-flight": chart({
      rows: rows((p, i, j) => [[`f${j}`, p.inFlight[i] ?? 0]]),
      series: producers.map((p, j) => ({ field: `f${j}`, label: p.producer, color: PALETTE[j % PALETTE.length] })),
      yTitle: "records awaiting an answer",
      tooltipFormat: ",d",
      faults,
      rebalances,
      totalS,
    }),
  };
}
