// Per group and per queue: the latency summary, the phases and a p99 series (for the report and result.json), and
// the bounds of expect.latency.groups / .queues (latency and lag) with an explanation of every failed one. The
// pooled bound (expect.latency.p99 …) is evaluated in checkers/expectations.ts; a failed one gets its
// explanation appended here, from every group's records together.
import * as hdr from "hdr-histogram-js";
import type { History } from "../history/history.ts";
import type { ExpectationOutcome, FaultWindow, LatencySummaryUs } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { PERCENTILE_KEYS } from "../scenario/schema-latency.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { collectLatencyRecords, newSubjectRecords, recordsTruncate, retriesPerMessage, scanLatencyRecords, type RecordSink, type SubjectRecords } from "./phases.ts";
import { explainTail } from "./explain.ts";
import { HdrTally } from "./hdr-tally.ts";
import { histogramSummary } from "../metrics/collector.ts";
import { KAFKA_PHASES, QUEUE_PHASES, type LatencyBreakdown, type LatencyExplanation, type LatencySubject } from "./types.ts";

hdr.initWebAssemblySync();
const newHistogram = () => hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
const PERCENTILES: Record<(typeof PERCENTILE_KEYS)[number], number> = { p50: 50, p90: 90, p99: 99, p999: 99.9, max: 100 };

/**
 * Summary, phases and p99 per bucket of one subject, fed its records as the log is read (they come in
 * processing-end order), so a run that keeps no record still gets every figure. Destroy it when done.
 */
class SubjectSummary implements RecordSink {
  private readonly all = new HdrTally();
  /**
   * The open time bucket's latencies, recorded one by one: a bucket holds a few hundred records, mostly in
   * distinct slots, so counting them first would save nothing.
   */
  private readonly bucket = newHistogram();
  private readonly phaseTally: HdrTally[];
  private readonly phaseSum: Float64Array;
  private readonly p99Us: (number | null)[];
  private open = -1;
  // In a typed array, not a field: a field that starts as a small integer and turns into a double changes the
  // object's shape mid-scan and sends the optimised scan back to the interpreter.
  private readonly latencySum = new Float64Array(1);
  private n = 0;

  constructor(
    readonly kind: "group" | "queue",
    readonly name: string,
    private readonly phaseCount: number,
    private readonly bucketUs: number,
    private readonly bucketCount: number,
    /** Store values as an Int32 record column would (see recordsTruncate). */
    private readonly truncate: boolean,
  ) {
    this.phaseTally = Array.from({ length: phaseCount }, () => new HdrTally());
    this.phaseSum = new Float64Array(phaseCount);
    this.p99Us = new Array(bucketCount).fill(null);
  }

  add(_msg: number, endUs: number, latencyUs: number, phases: Float64Array): void {
    if (this.truncate) {
      endUs |= 0;
      latencyUs |= 0;
      for (let p = 0; p < this.phaseCount; p++) phases[p] = phases[p] | 0;
    }
    const b = Math.min(this.bucketCount - 1, Math.floor(endUs / this.bucketUs));
    if (b !== this.open) {
      this.closeBucket();
      this.open = b;
    }
    this.n++;
    this.all.record(latencyUs);
    this.bucket.recordValue(latencyUs);
    this.latencySum[0] += latencyUs;
    for (let p = 0; p < this.phaseCount; p++) {
      const v = phases[p];
      this.phaseSum[p] += v;
      this.phaseTally[p].record(v);
    }
  }

  private closeBucket(): void {
    if (this.open >= 0 && this.bucket.totalCount > 0) this.p99Us[this.open] = this.bucket.getValueAtPercentile(99);
    this.bucket.reset();
  }

  finish(): LatencySubject {
    this.closeBucket();
    const names = this.kind === "group" ? KAFKA_PHASES : QUEUE_PHASES;
    const { n, phaseSum } = this;
    const latencySum = this.latencySum[0];
    const p99 = (t: HdrTally) => withHistogram(t, (h) => h.getValueAtPercentile(99));
    return {
      kind: this.kind,
      name: this.name,
      summary: withHistogram(this.all, histogramSummary),
      phases: names.map((phase, p) => ({
        phase,
        meanUs: n > 0 ? Math.round(phaseSum[p] / n) : 0,
        p99Us: n > 0 ? p99(this.phaseTally[p]) : 0,
        share: latencySum > 0 ? Math.round((phaseSum[p] / latencySum) * 1000) / 1000 : 0,
      })),
      p99Us: this.p99Us,
    };
  }

  destroy(): void {
    this.bucket.destroy();
  }
}

/** `read` of a histogram holding the tally's values. */
function withHistogram<T>(t: HdrTally, read: (h: hdr.Histogram) => T): T {
  const h = newHistogram();
  try {
    t.addTo(h);
    return read(h);
  } finally {
    h.destroy();
  }
}

/** The breakdown of every subject, from one reading of the log (no record is kept). */
function summariseSubjects(h: History, bucketUs: number, bucketCount: number): LatencySubject[] {
  const truncate = recordsTruncate(h);
  const made: SubjectSummary[] = [];
  try {
    scanLatencyRecords(h, (kind, name) => {
      const s = new SubjectSummary(kind, name, kind === "group" ? KAFKA_PHASES.length : QUEUE_PHASES.length, bucketUs, bucketCount, truncate);
      made.push(s);
      return s;
    });
    return made.map((s) => s.finish());
  } finally {
    for (const s of made) s.destroy();
  }
}

/** Every group's records as one subject: what the pooled bound covers. */
function pooled(subjects: SubjectRecords[]): SubjectRecords {
  const groups = subjects.filter((s) => s.kind === "group");
  const out = newSubjectRecords("group", "all groups", -1, groups.reduce((a, s) => a + s.msg.length, 0));
  let at = 0;
  for (const s of groups) {
    out.msg.set(s.msg, at);
    out.endUs.set(s.endUs, at);
    out.latencyUs.set(s.latencyUs, at);
    out.phases.set(s.phases, at * out.phaseCount);
    out.partition.set(s.partition, at);
    at += s.msg.length;
  }
  return out;
}

export interface LatencyAnalysisInput {
  bucketUs: number;
  bucketCount: number;
  faults: FaultWindow[];
  /** The pooled summary the collector measured (what expect.latency.p99 … is checked against). */
  pooledSummary: LatencySummaryUs;
  maxLag: { group: string; records: number }[];
  finalLag: { group: string; records: number }[];
}

export interface LatencyAnalysis {
  breakdown: LatencyBreakdown;
  /** One outcome per expect.latency.groups / .queues entry. */
  expectations: ExpectationOutcome[];
  /** The explanation of a failed pooled bound (undefined when it held or was not set). */
  pooled?: LatencyExplanation;
}

type Bounds = Partial<Record<(typeof PERCENTILE_KEYS)[number], number>>;

/** The broken percentile bounds of one subject and the explanation of the loosest of them. */
function checkPercentiles(h: History, records: () => SubjectRecords | undefined, summary: LatencySummaryUs | undefined, bounds: Bounds, subject: string, ctx: { faults: FaultWindow[]; retries: () => Uint16Array }) {
  const broken: string[] = [];
  const parts: string[] = [];
  let worst: { key: string; boundUs: number; actualUs: number } | undefined;
  for (const k of PERCENTILE_KEYS) {
    const b = bounds[k];
    if (b === undefined) continue;
    const actual = summary?.[k] ?? 0;
    const ok = summary !== undefined && summary.count > 0 && actual <= b;
    const text = `${k} ${formatDurationUs(actual)} ${ok ? "<=" : ">"} ${formatDurationUs(b)}`;
    parts.push(text);
    if (ok) continue;
    broken.push(summary === undefined || summary.count === 0 ? `${k}: no record was processed` : text);
    if (summary !== undefined && summary.count > 0 && (worst === undefined || b > worst.boundUs)) worst = { key: k, boundUs: b, actualUs: actual };
  }
  const rec = worst !== undefined ? records() : undefined;
  const explanation =
    worst !== undefined && rec !== undefined
      ? explainTail({ h, records: rec, subject, bound: `${worst.key} <= ${formatDurationUs(worst.boundUs)}`, actualUs: worst.actualUs, boundUs: worst.boundUs, faults: ctx.faults, retries: ctx.retries() })
      : undefined;
  return { broken, parts, explanation };
}

export function analyseLatency(h: History, scenario: Scenario, input: LatencyAnalysisInput): LatencyAnalysis {
  const subjects = summariseSubjects(h, input.bucketUs, input.bucketCount);
  // The records themselves are read again only to explain a failed bound.
  let kept: SubjectRecords[] | undefined;
  const records = () => (kept ??= collectLatencyRecords(h));
  let retries: Uint16Array | undefined;
  const ctx = { faults: input.faults, retries: () => (retries ??= retriesPerMessage(h)) };
  const explanations: LatencyExplanation[] = [];
  const expectations: ExpectationOutcome[] = [];
  const spec = scenario.expect.latency;

  let pooledExplanation: LatencyExplanation | undefined;
  if (spec && PERCENTILE_KEYS.some((k) => spec[k] !== undefined)) {
    const pooledBounds: Bounds = {};
    for (const k of PERCENTILE_KEYS) if (spec[k] !== undefined) pooledBounds[k] = spec[k];
    // Copying every group's records into one is only worth it when the pooled bound failed and needs explaining.
    const r = checkPercentiles(h, () => pooled(records()), input.pooledSummary, pooledBounds, "all groups", ctx);
    pooledExplanation = r.explanation;
    if (r.explanation) explanations.push(r.explanation);
  }

  const entry = (kind: "group" | "queue", name: string, bounds: Bounds & { violated: boolean; maxLag?: number; lagAtEnd?: number }) => {
    const i = subjects.findIndex((r) => r.kind === kind && r.name === name);
    const subject = `${kind} ${name}`;
    const r = checkPercentiles(h, () => (i >= 0 ? records()[i] : undefined), i >= 0 ? subjects[i].summary : undefined, bounds, subject, ctx);
    const labels = PERCENTILE_KEYS.filter((k) => bounds[k] !== undefined).map((k) => `${k} <= ${formatDurationUs(bounds[k]!)}`);
    const lagCheck = (what: "maxLag" | "lagAtEnd", list: { group: string; records: number }[]) => {
      const b = bounds[what];
      if (b === undefined) return;
      labels.push(`${what} <= ${b}`);
      const actual = list.find((g) => g.group === name)?.records ?? 0;
      const text = `${what} ${actual} ${actual <= b ? "<=" : ">"} ${b}`;
      r.parts.push(text);
      if (actual > b) r.broken.push(text);
    };
    lagCheck("maxLag", input.maxLag);
    lagCheck("lagAtEnd", input.finalLag);
    if (r.explanation) explanations.push(r.explanation);
    const met = bounds.violated ? r.broken.length > 0 : r.broken.length === 0;
    const detail =
      r.broken.length > 0 ? `exceeded: ${r.broken.join("; ")}${r.explanation ? ` — ${withoutNumber(r.explanation.summary)}` : ""}` : `within bounds: ${r.parts.join("; ")}`;
    expectations.push({ expectation: `latency ${subject}: ${labels.join(", ")}${bounds.violated ? " (expected to be exceeded)" : ""}`, met, detail });
  };
  for (const [name, b] of Object.entries(spec?.groups ?? {})) entry("group", name, b);
  for (const [name, b] of Object.entries(spec?.queues ?? {})) entry("queue", name, b);
  return { breakdown: { subjects, explanations }, expectations, ...(pooledExplanation ? { pooled: pooledExplanation } : {}) };
}

/** Appends the pooled explanation to the pooled latency outcome's detail (its label starts "latency p…"). */
export function explainPooledOutcome(outcomes: ExpectationOutcome[], pooled: LatencyExplanation | undefined): void {
  if (pooled === undefined) return;
  const o = outcomes.find((e) => /^latency (p50|p90|p99|p999|max) /.test(e.expectation));
  if (o && o.detail.startsWith("exceeded")) o.detail += ` — ${withoutNumber(pooled.summary)}`;
}

/** The summary after its leading "p99 30s > 2s: ", which the outcome's detail already states. */
function withoutNumber(summary: string): string {
  const i = summary.indexOf(": ");
  return i >= 0 ? summary.slice(i + 2) : summary;
}
