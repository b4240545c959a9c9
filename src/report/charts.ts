// The vega-lite specs of the report's time charts: one line chart per metric over simulated time, with fault
// windows shaded and consumer-group rebalances marked. Plain data in, plain JSON specs out; html.ts embeds
// them in the page and vega-embed draws them there.
import type { FaultWindow, RunResult, RebalanceMarker } from "./result-types.ts";
import { queueChartSpecs } from "./queue-charts.ts";
import { appChartSpecs } from "./app-charts.ts";
import { streamChartSpecs } from "./stream-charts.ts";
import { producerChartSpecs } from "./producer-charts.ts";
import { pauseChartSpecs } from "./pause-charts.ts";

// Exported for the page's CSS, so the charts' text and the page's text are set in the same font.
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const FAULT_COLOR = "#d62728";

export interface SeriesField {
  field: string;
  label: string;
  color: string;
}

export interface TimeChartOptions {
  rows: Record<string, number | null>[];
  series: SeriesField[];
  yTitle: string;
  yLog?: boolean;
  tooltipFormat: string;
  faults: FaultWindow[];
  /** Consumer-group rebalances, drawn as rules at their start (optional so other charts need not pass them). */
  rebalances?: RebalanceMarker[];
  totalS: number;
}

function xEncoding(field: string, totalS: number): object {
  return {
    field,
    type: "quantitative",
    title: "simulated time (s)",
    scale: { domain: [0, totalS], nice: false, zero: false },
  };
}

function faultLayers(faults: FaultWindow[], totalS: number): object[] {
  if (faults.length === 0) return [];
  const values = faults.map((f, i) => ({
    label: f.label,
    startS: f.startUs / 1e6,
    endS: Math.min(f.endUs, totalS * 1e6) / 1e6,
    // Stagger labels in three rows so that faults close together stay readable.
    labelY: 10 + (i % 3) * 14,
  }));
  const data = { values };
  return [
    {
      data,
      mark: { type: "rect", clip: true, color: FAULT_COLOR, opacity: 0.12 },
      encoding: { x: xEncoding("startS", totalS), x2: { field: "endS" }, ...FAULT_LEGEND },
    },
    {
      // A rule at the start keeps instantaneous faults (start == end) visible.
      data,
      mark: { type: "rule", clip: true, color: FAULT_COLOR, opacity: 0.6, strokeDash: [4, 3] },
      encoding: { x: xEncoding("startS", totalS) },
    },
    {
      data,
      mark: { type: "text", clip: true, align: "left", baseline: "middle", dx: 4, fontSize: 11, color: "#9b1c1c" },
      encoding: {
        x: xEncoding("startS", totalS),
        y: { field: "labelY", type: "quantitative", scale: null },
        text: { field: "label" },
      },
    },
  ];
}

const REBALANCE_COLOR = "#1f5f99";

// Fault bands and rebalance rules are drawn on every time chart; each gets a legend entry of its own, on a channel
// the series' colour scale does not use (fill, strokeDash), so a reader can tell them from the data lines.
const FAULT_LEGEND = {
  fill: { datum: "fault window", scale: { domain: ["fault window"], range: [FAULT_COLOR] }, legend: { orient: "top", title: null, symbolOpacity: 0.3 } },
};
const REBALANCE_LEGEND = {
  strokeDash: { datum: "rebalance start", scale: { domain: ["rebalance start"], range: [[2, 2]] }, legend: { orient: "top", title: null, symbolStrokeColor: REBALANCE_COLOR } },
};

/** One dotted rule per rebalance start; the tooltip says which group, why, and how long it took. */
function rebalanceLayers(markers: RebalanceMarker[], totalS: number): object[] {
  if (markers.length === 0) return [];
  const values = markers.map((m) => ({
    startS: m.startUs / 1e6,
    group: m.group,
    generation: m.generation,
    cause: m.cause,
    protocol: m.protocol,
    durationMs: Math.round((m.endUs - m.startUs) / 1000),
  }));
  return [
    {
      data: { values },
      mark: { type: "rule", clip: true, color: REBALANCE_COLOR, opacity: 0.55, strokeDash: [2, 2] },
      encoding: {
        x: xEncoding("startS", totalS),
        ...REBALANCE_LEGEND,
        tooltip: [
          { field: "group", title: "rebalance of group" },
          { field: "generation", title: "→ generation" },
          { field: "cause", title: "cause" },
          { field: "protocol", title: "protocol" },
          { field: "durationMs", title: "duration (ms)" },
        ],
      },
    },
  ];
}

export function timeChart(o: TimeChartOptions): object {
  const fields = o.series.map((s) => s.field);
  return {
    width: "container",
    height: 240,
    autosize: { type: "fit-x", contains: "padding" },
    data: { values: o.rows },
    config: {
      font: FONT,
      view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: "#eceff3" },
      legend: { labelFontSize: 12 },
    },
    layer: [
      ...faultLayers(o.faults, o.totalS),
      ...rebalanceLayers(o.rebalances ?? [], o.totalS),
      {
        // Wide rows keep the embedded data small; fold makes them long for one line per series.
        transform: [
          { fold: fields, as: ["key", "value"] },
          {
            lookup: "key",
            from: { data: { values: o.series.map((s) => ({ key: s.field, series: s.label })) }, key: "key", fields: ["series"] },
          },
        ],
        params: [{ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" }],
        mark: { type: "line", clip: true, strokeWidth: 1.6 },
        encoding: {
          x: xEncoding("t", o.totalS),
          y: { field: "value", type: "quantitative", title: o.yTitle, scale: o.yLog ? { type: "log" } : { zero: true } },
          color: {
            field: "series",
            type: "nominal",
            scale: { domain: o.series.map((s) => s.label), range: o.series.map((s) => s.color) },
            legend: { orient: "top", title: null },
          },
        },
      },
      {
        // An invisible rule that follows the pointer and carries the tooltip for all series at that time.
        params: [{ name: "hover", select: { type: "point", encodings: ["x"], nearest: true, on: "pointermove", clear: "pointerout" } }],
        mark: { type: "rule", clip: true, color: "#555" },
        encoding: {
          x: xEncoding("t", o.totalS),
          opacity: { condition: { param: "hover", empty: false, value: 0.5 }, value: 0 },
          tooltip: [
            { field: "t", type: "quantitative", title: "time (s)", format: ".3f" },
            ...o.series.map((s) => ({ field: s.field, type: "quantitative", title: s.label, format: o.tooltipFormat })),
          ],
        },
      },
    ],
  };
}

// A missing or non-finite value becomes null, which the line marks draw as a gap rather than a fake zero.
const round = (v: number | null | undefined, digits: number): number | null =>
  typeof v === "number" && Number.isFinite(v) ? Number(v.toFixed(digits)) : null;
const msOrNull = (us: number | null | undefined): number | null => round(us === null || us === undefined ? null : us / 1000, 3);

/** A run with queues and no stream traffic at all: the stream tiles and charts would only show zeros. */
export function queueOnly(result: RunResult): boolean {
  const m = result.metrics;
  return (m.queues?.length ?? 0) > 0 && m.produced === 0 && m.maxLag.length === 0;
}

/** The vega-lite specs of the report's charts, keyed by the chart's `data-chart` name. */
export function chartSpecs(result: RunResult): Record<string, object> {
  if (queueOnly(result)) return { ...queueChartSpecs(result, timeChart), ...pauseChartSpecs(result, faultLayers) };
  const { series, faults } = result.metrics;
  const rebalances = (result.metrics.groups ?? []).flatMap((g) => g.markers);
  const totalS = result.simulatedUs / 1e6;
  const tS = series.t.map((t) => Number((t / 1e6).toFixed(6)));
  const palette = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];
  return {
    latency: timeChart({
      rows: tS.map((t, i) => ({
        t,
        p50: msOrNull(series.latencyP50Us[i]),
        p99: msOrNull(series.latencyP99Us[i]),
        max: msOrNull(series.latencyMaxUs[i]),
      })),
      series: [
        { field: "p50", label: "p50", color: "#4c78a8" },
        { field: "p99", label: "p99", color: "#f58518" },
        { field: "max", label: "max", color: "#9d755d" },
      ],
      yTitle: "end-to-end latency (ms, log)",
      yLog: true,
      tooltipFormat: ",.3f",
      faults,
      rebalances,
      totalS,
    }),
    throughput: timeChart({
      rows: tS.map((t, i) => ({ t, produced: round(series.producedPerS[i], 3), consumed: round(series.consumedPerS[i], 3) })),
      series: [
        { field: "produced", label: "produced", color: "#4c78a8" },
        { field: "consumed", label: "consumed", color: "#54a24b" },
      ],
      yTitle: "throughput (msg/s)",
      tooltipFormat: ",.1f",
      faults,
      rebalances,
      totalS,
    }),
    lag: timeChart({
      // Group names become labels, not field names: a name with a dot would read as a nested field.
      rows: tS.map((t, i) => Object.fromEntries([["t", t], ...series.lag.map((g, j) => [`g${j}`, round(g.values[i], 0)])])),
      series: series.lag.map((g, j) => ({ field: `g${j}`, label: g.group, color: palette[j % palette.length] })),
      yTitle: "consumer lag (records)",
      tooltipFormat: ",d",
      faults,
      rebalances,
      totalS,
    }),
    ...partitionLagSpec(result, tS, palette, { faults, rebalances, totalS }),
    ...queueChartSpecs(result, timeChart),
    ...appChartSpecs(result, timeChart),
    ...streamChartSpecs(result, timeChart),
    ...producerChartSpecs(result, timeChart),
    ...pauseChartSpecs(result, faultLayers),
  };
}

/** Most partitions a per-partition lag chart draws (the ones with the highest peak lag); more lines read as noise. */
const MAX_PARTITION_LINES = 24;

/** Lag per partition over time, for runs whose groups record it: where a rebalance or fault left lag behind. */
function partitionLagSpec(
  result: RunResult,
  tS: number[],
  palette: string[],
  common: { faults: RunResult["metrics"]["faults"]; rebalances: RebalanceMarker[]; totalS: number },
): Record<string, object> {
  const lines = (result.metrics.groups ?? []).flatMap((g) =>
    (g.partitionLag ?? []).map((pl) => ({ label: `${g.group} ${pl.topic}/${pl.partition}`, values: pl.values, peak: Math.max(0, ...pl.values) })),
  );
  if (lines.length === 0) return {};
  const shown = [...lines].sort((a, b) => b.peak - a.peak || (a.label < b.label ? -1 : 1)).slice(0, MAX_PARTITION_LINES);
  return {
    partitionLag: timeChart({
      rows: tS.map((t, i) => Object.fromEntries([["t", t], ...shown.map((l, j) => [`p${j}`, round(l.values[i] ?? 0, 0)])])),
      series: shown.map((l, j) => ({ field: `p${j}`, label: l.label, color: palette[j % palette.length] })),
      yTitle: "lag (records)",
      tooltipFormat: ",d",
      ...common,
    }),
  };
}

/** Each chart's caption in the page, keyed like chartSpecs (queue charts have theirs in queue-charts.ts). */
export const CHART_TITLES: Record<string, string> = {
  latency: "End-to-end latency (p50, p99, max)",
  throughput: "Produced vs consumed throughput",
  lag: "Consumer lag per group",
  partitionLag: `Consumer lag per partition (up to ${MAX_PARTITION_LINES} with the highest peak)`,
};
