// What the latency breakdown puts in result.json: per consumer group and per queue, the end-to-end latency
// summary, where the time went (phases), a p99 series over time, and, for every latency bound that failed,
// the explanation (top phases, partitions, keys, window and the faults or rebalances behind them).
import type { LatencySummaryUs } from "../report/result-types.ts";

/**
 * A record's life from send to processed, cut at monotone boundaries so the phases sum to its end-to-end latency:
 * created → appended by the leader → acknowledged (or fetched, if a consumer had it first) → fetched → processing
 * start → processing end. The accumulator's linger and the produce request are one phase: the history records the
 * send and the append, not the moment a batch left the producer.
 */
export const KAFKA_PHASES = ["to-leader", "acks", "log", "consumer", "processing"] as const;
/** A queue message: created → stored → first receive → last receive → acknowledged (deleted). */
export const QUEUE_PHASES = ["send", "queued", "redeliveries", "in-flight"] as const;
export type PhaseName = (typeof KAFKA_PHASES)[number] | (typeof QUEUE_PHASES)[number];

export const PHASE_LABELS: Record<PhaseName, string> = {
  "to-leader": "producer to leader (batching, request, retries)",
  acks: "waiting for acks (replication to the ISR)",
  log: "in the log before fetch",
  consumer: "fetched, waiting in the consumer",
  processing: "processing",
  send: "send to the queue",
  queued: "in the queue before the first receive",
  redeliveries: "earlier deliveries and redelivery waits",
  "in-flight": "in flight (last receive to ack)",
};

export interface PhaseSummary {
  phase: PhaseName;
  meanUs: number;
  p99Us: number;
  /** The phase's part of the summed latency of every record (0..1, 3 decimals). */
  share: number;
}

export interface LatencySubject {
  kind: "group" | "queue";
  name: string;
  summary: LatencySummaryUs;
  phases: PhaseSummary[];
  /** p99 per time bucket of the processing end (aligned with metrics.series.t); null where nothing finished. */
  p99Us: (number | null)[];
}

export interface TailShare {
  name: string;
  /** Slow records that have it, and its share of the slow records and of every record (0..1, 3 decimals). */
  count: number;
  tailShare: number;
  allShare: number;
}

export interface LatencyExplanation {
  /** "all groups", "group billing", "queue jobs". */
  subject: string;
  /** The bound that failed, e.g. "p99 <= 2s". */
  bound: string;
  actualUs: number;
  boundUs: number;
  /** Records slower than the bound, out of all records of the subject. */
  slow: number;
  total: number;
  /** Phases by their part of the slow records' latency, largest first. */
  phases: { phase: PhaseName; share: number; meanUs: number }[];
  partitions: TailShare[];
  keys: TailShare[];
  /** Creation time of the slow records (first and last) and when the last of them finished. */
  window: { fromUs: number; toUs: number; lastDoneUs: number };
  /** Faults, ISR changes, elections, rebalances and retries in the window, in time order. */
  causes: string[];
  /** One line: the number, the top phase, the hot spot and the first cause. */
  summary: string;
}

export interface LatencyBreakdown {
  subjects: LatencySubject[];
  explanations: LatencyExplanation[];
}
