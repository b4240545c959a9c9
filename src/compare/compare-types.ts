// The shape of a comparison (compare-<a>-vs-<b>.json): two sides, the verdicts side by side, the metric
// differences with their direction and size, anomaly counts per kind, and the series the page overlays.
// Deterministic like result.json: no wall-clock time, host or absolute path.

/** What an invariant's verdict was on one side; "absent" when that side did not check it at all. */
export type VerdictState = "holds" | "violated" | "not checked" | "absent";

export interface CompareSide {
  /** How the side is named in tables and legends: the scenario name, or the group name in groups mode. */
  label: string;
  scenario: string;
  /** The consumer group this side is (groups mode only). */
  group?: string;
  seed: number;
  fingerprint: string;
  /** The side's expectations were all met (groups mode: the run's). */
  passed: boolean;
  unmet: string[];
  /** The command that replays this side's run. */
  replay: string;
  /** The side's own run report, relative to the compare page; absent when it is not on disk. */
  reportHref?: string;
}

export interface VerdictPair {
  invariant: string;
  a: VerdictState;
  b: VerdictState;
  aAnomalies: number;
  bAnomalies: number;
  /** The verdicts differ (holds on one side, violated on the other, ...). */
  differs: boolean;
}

/** Which way a metric is better: lower latency, higher throughput; counts of messages are neither. */
export type Better = "lower" | "higher" | "neither";

export interface MetricDiff {
  metric: string;
  unit: "ms" | "s" | "msg/s" | "records" | "messages" | "count";
  a: number | null;
  b: number | null;
  /** b − a, null when either side has no value. */
  delta: number | null;
  /** b / a, null when a is 0 or either side has no value. */
  ratio: number | null;
  better: Better;
  /** "a", "b", "same" or "n/a": which side the difference favours. */
  favours: "a" | "b" | "same" | "n/a";
  /** Why a side has no value (e.g. "no consumer group"). */
  note?: string;
}

export interface KindPair {
  invariant: string;
  kind: string;
  a: number;
  b: number;
}

/** One side's series over simulated time, for overlaid charts. Times in seconds, latencies in ms. */
export interface SideSeries {
  bucketUs: number;
  tS: number[];
  latencyP50Ms: (number | null)[];
  latencyP99Ms: (number | null)[];
  latencyMaxMs: (number | null)[];
  /** Null in groups mode: the groups read the same producers' records. */
  producedPerS: number[] | null;
  consumedPerS: number[];
  lag: { group: string; values: number[] }[];
  faults: { label: string; startS: number; endS: number }[];
  rebalances: { group: string; startS: number; cause: string }[];
}

export interface CompareResult {
  brokersim: string;
  /** "scenarios": two runs (or two result.json files); "groups": two consumer groups of one run. */
  mode: "scenarios" | "groups";
  a: CompareSide;
  b: CompareSide;
  /** Side by side; in groups mode both columns are the one run's verdicts (the checkers judge the run). */
  verdicts: VerdictPair[];
  metrics: MetricDiff[];
  anomalyKinds: KindPair[];
  series: { a: SideSeries; b: SideSeries };
  /** Caveats a reader needs (different seeds, pooled figures); empty when none. */
  notes: string[];
}
