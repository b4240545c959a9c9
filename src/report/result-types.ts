// The shape of result.json. Everything here is deterministic: no wall-clock time, host or absolute path.
import type { ProcessorRunMetrics } from "../streams/runtime.ts";
import type { QueueSeries, QueueStats } from "../metrics/queue-metrics.ts";
import type { QueueLedger } from "../checkers/queue-accounting.ts";
import type { PartialRun } from "../runner/run-budget.ts";
import type { AppRunMetrics } from "../models/app/app-metrics.ts";
import type { LatencyBreakdown } from "../latency/types.ts";
import type { MemberPauseWindows } from "../models/app/member-pauses.ts";

/** One thing that went wrong, with enough evidence for a person to follow it. */
export interface Anomaly {
  /** Vocabulary: lost-write, unseen, duplicate, reorder-within-key, poll-skip, nonmonotonic-poll, latency-bound, ... */
  kind: string;
  /** One line a person can read: what happened and why. */
  explanation: string;
  messageIds: number[];
  keys?: string[];
  partition?: number;
  offsets?: number[];
  timesUs?: number[];
  /**
   * The root cause, as a label shared by every anomaly it produced in any invariant (see checkers/causes.ts).
   * Optional: anomalies without one are grouped through the messages they share with labelled ones.
   */
  cause?: string;
}

export interface Verdict {
  invariant: string;
  holds: boolean;
  /** How many things the checker looked at (messages, keys...), so "holds" is never vacuous without saying so. */
  checked: number;
  anomalyCount: number;
  /** At most a bounded sample, first by time. */
  anomalies: Anomaly[];
  summary: string;
  /** Config-aware verdicts (Kafka replication checkers): the scenario settings that permit the anomalies found. */
  permittedBy?: string[];
  /** Config-aware verdicts: how many anomalies no setting permits (a contract violation when > 0). */
  unpermitted?: number;
  /** The run stopped at a budget before its end: this verdict covers only the simulated time that ran. */
  partial?: true;
  /** Exact number of anomalies per kind, most frequent first (every anomaly is in anomalies.jsonl). */
  anomalyKinds?: { kind: string; count: number }[];
  /** Set when the checker had nothing to look at, with the reason: the verdict is "not checked", not "holds". */
  notChecked?: string;
}

export interface ExpectationOutcome {
  /** e.g. "hold: per-key-order", "violate: no-loss", "latency p99 <= 200ms" */
  expectation: string;
  met: boolean;
  detail: string;
}

export interface LatencySummaryUs {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface TimeSeries {
  /** Bucket width in microseconds; t[i] is the start of bucket i. */
  bucketUs: number;
  t: number[];
  latencyP50Us: (number | null)[];
  latencyP99Us: (number | null)[];
  latencyMaxUs: (number | null)[];
  producedPerS: number[];
  consumedPerS: number[];
  /** Lag (records not yet processed+committed, summed over partitions) sampled at the end of each bucket, per group. */
  lag: { group: string; values: number[] }[];
}

/** A span of simulated time during which a fault was active; drawn as a shaded band. */
export interface FaultWindow {
  label: string;
  startUs: number;
  endUs: number;
}

/** A consumer-group rebalance, drawn as a marker on the time charts. */
export interface RebalanceMarker {
  group: string;
  /** The generation the rebalance produced. */
  generation: number;
  startUs: number;
  endUs: number;
  cause: string;
  protocol: "eager" | "cooperative" | "consumer";
}

/** Per consumer group: rebalances, how long it could not consume, recovery after faults, lag per partition. */
export interface GroupRunMetrics {
  group: string;
  protocol: "eager" | "cooperative" | "consumer";
  rebalances: number;
  /** Summed duration of the rebalances (start of PreparingRebalance → SyncGroup done). */
  rebalanceUs: number;
  /** Time no partition of the group had an owner (the whole group stood still). */
  notConsumingUs: number;
  /** Partition-time without an owner, summed over partitions (cooperative rebalancing keeps this small). */
  partitionUnownedUs: number;
  /** Members that paused fetching at their in-flight limit (processing.maxInFlight): how often and for how long. */
  memberPauses?: { member: string; pauses: number; pausedUs: number }[];
  markers: RebalanceMarker[];
  lagThreshold: number;
  /** Per fault: time until the group lag was back at or under lagThreshold (null: not by the end of the run). */
  recovery: { fault: string; atUs: number; recoveredAfterUs: number | null }[];
  /** Lag per partition at the end of each bucket (omitted beyond 64 partitions). */
  partitionLag?: { topic: string; partition: number; values: number[] }[];
}

export interface RunMetrics {
  endToEndLatencyUs: LatencySummaryUs;
  produced: number;
  acknowledged: number;
  /** Processings completed, summed over consumer groups (a message read by two groups counts twice). */
  consumed: number;
  /** Messages produced per second of the producing window (the scenario's duration). */
  producedPerS: number;
  /** Processings per second over the span from the first to the last processing (all groups together). */
  consumedPerS: number;
  maxLag: { group: string; records: number }[];
  finalLag: { group: string; records: number }[];
  series: TimeSeries;
  faults: FaultWindow[];
  /** Per queue (SQS, RabbitMQ, Pulsar): wait vs processing, time-averaged depth, the ledger, series. Absent without queues. */
  queues?: QueueRunMetrics[];
  /** Consumer-group detail (rebalances, pause time, recovery, per-partition lag), one entry per group. */
  groups?: GroupRunMetrics[];
  /** Application layer: downstream services' load, circuit breakers, dead letters. Absent without one. */
  app?: AppRunMetrics;
  /** End-to-end latency per group and per queue: phases, p99 over time, and why a latency bound failed (src/latency/). */
  latencyBreakdown?: LatencyBreakdown;
  /** Consumers that stood paused at their in-flight limit: when, per member (the report draws them as bands). */
  memberPauses?: MemberPauseWindows[];
  /** Per stream processor: stream time, late drops, restores, changelog size, windows against the batch answer. */
  processors?: ProcessorRunMetrics[];
  /** The flow from publishing services to consumer groups and DLTs, with counts (src/report/flow-graph.ts). */
  flow?: import("./flow-graph.ts").FlowGraph;
  /** Per Kafka producer: send → ack wait, retries, errors, records in flight per bucket (producer-charts.ts). */
  producers?: import("./producer-charts.ts").ProducerRunMetrics[];
  /** Leaders and ISR over time of the partitions that changed (isr-timeline.ts). Absent without topics. */
  leadership?: import("./isr-timeline.ts").LeadershipTimeline;
  /** Swimlanes of the first messages the anomalies name (lineage-svg.ts). */
  lineages?: import("./lineage-svg.ts").MessageLineage[];
  /** Space-time histories of keys named by order and duplicate anomalies (key-spacetime.ts). */
  keyHistories?: import("./key-spacetime.ts").KeyHistory[];
}

/** One queue's numbers: see src/metrics/queue-metrics.ts and the accounting ledger in src/checkers/queue-accounting.ts. */
export type QueueRunMetrics = QueueStats & { ledger: QueueLedger | null; series: QueueSeries };

export interface RunResult {
  brokersim: string;
  scenario: {
    name: string;
    description: string;
    /** Path as the user gave it, relative to the working directory when possible. */
    file: string;
    /** The scenario with defaults filled and units resolved (durations in µs, rates per second). */
    resolved: unknown;
  };
  seed: number;
  fingerprint: string;
  events: number;
  simulatedUs: number;
  verdicts: Verdict[];
  expectations: ExpectationOutcome[];
  passed: boolean;
  metrics: RunMetrics;
  /** The exact command that replays this run. */
  replay: string;
  /** Swarm mode only: the value drawn for each `{oneOf}` / `{range}` in the scenario file, by field path. */
  swarm?: SwarmDraw[];
  /** Present when the run stopped at its event or memory budget before the end (see src/runner/run-budget.ts). */
  partial?: PartialRun;
  /** Anomalies of every invariant grouped by root cause, largest first (checkers/root-causes.ts). */
  causes?: RootCause[];
  /** The code the run came from (set by the CLI): version, git commit when run from a checkout, modified files. */
  code?: { version: string; commit?: string; modified?: boolean };
}

/** One value drawn in swarm mode; `resolved` above already holds it, this says which fields were drawn. */
export interface SwarmDraw {
  path: string;
  value: unknown;
}

/** One root cause and everything it produced across invariants. */
export interface RootCause {
  cause: string;
  /** Distinct messages involved. */
  messages: number;
  anomalies: number;
  /** Per invariant and kind, in the order the verdicts are listed. */
  symptoms: { invariant: string; kind: string; count: number }[];
  firstUs: number | null;
  lastUs: number | null;
  /** Up to five message ids, to start a `replay --message` from. */
  exampleMessages: number[];
}
