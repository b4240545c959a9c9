// The shape of result.json. Everything here is deterministic: no wall-clock time, host or absolute path.

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
}

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
}

/** One value drawn in swarm mode; `resolved` above already holds it, this says which fields were drawn. */
export interface SwarmDraw {
  path: string;
  value: unknown;
}
