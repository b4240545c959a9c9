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
  const slot = new Map<number, number>();
  const names: string[] = [];
  const waits: number[][][] = [];
  const retries: number[][] = [];
  const errors: number[][] = [];
  const inFlightDelta: number[][] = [];
  const slotOf = (actor: number): number => {
    let s = slot.get(actor);
    if (s === undefined) {
      s = names.length;
      slot.set(actor, s);
      names.push(h.actorNames[actor]);
      waits.push(Array.from({ length: bucketCount }, () => []));
      retries.push(new Array(bucketCount).fill(0));
      errors.push(new Array(bucketCount).fill(0));
      inFlightDelta.push(new Array(bucketCount + 1).fill(0));
    }
    return s;
  };
  // 1 = sent, 2 = answered. A message's first answer ends its wait; later acks (duplicates) do not count again.
  const state = new Uint8Array(h.messageCount);
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k !== Op.ProduceAttempt && k !== Op.Ack && k !== Op.ProduceFail && k !== Op.ProduceUnknown && k !== Op.ProduceRetry && k !== Op.ProduceError) continue;
    const m = h.opMsg[i];
    if (m < 0 || m >= h.messageCount) continue;
    const s = slotOf(h.msgProducer[m]);
    const t = h.opTimeUs[i];
    if (k === Op.ProduceAttempt) {
      if (state[m] === 0) {
        state[m] = 1;
        inFlightDelta[s][bucketOf(h.msgCreatedUs[m])]++;
      }
    } else if (k === Op.ProduceRetry) retries[s][bucketOf(t)]++;
    else if (k === Op.ProduceError) errors[s][bucketOf(t)]++;
    else if (state[m] === 1) {
      state[m] = 2;
      inFlightDelta[s][bucketOf(t)]--;
      if (k === Op.Ack) waits[s][bucketOf(t)].push(t - h.msgCreatedUs[m]);
    }
  }
  return names.map((producer, s) => {
    const p50: (number | null)[] = [];
    const p99: (number | null)[] = [];
    const all: number[] = [];
    for (const bucket of waits[s]) {
      if (bucket.length === 0) {
        p50.push(null);
        p99.push(null);
        continue;
      }
      const sorted = Float64Array.from(bucket).sort();
      p50.push(percentile(sorted, 50));
      p99.push(percentile(sorted, 99));
      for (const w of bucket) all.push(w);
    }
    const inFlight: number[] = [];
    let open = 0;
    for (let b = 0; b < bucketCount; b++) inFlight.push((open += inFlightDelta[s][b]));
    const sortedAll = Float64Array.from(all).sort();
    return {
      producer,
      ackWaitP50Us: p50,
      ackWaitP99Us: p99,
      retries: retries[s],
      errors: errors[s],
      inFlight,
      acknowledged: sortedAll.length,
      ackWaitP99UsOverall: sortedAll.length ? percentile(sortedAll, 99) : null,
      maxAckWaitUs: sortedAll.length ? sortedAll[sortedAll.length - 1] : null,
      maxInFlight: Math.max(0, ...inFlight),
    };
  });
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
