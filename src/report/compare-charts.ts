// The compare page's charts: latency, throughput and lag of both sides OVERLAID on one time axis, so a
// difference reads at a glance. Colour names the series (its legend entry carries the side's label), the dash
// names the side (solid: the first, dashed: the second, with its own legend); each side's rebalances are thin
// rules in its colour family. Plain vega-lite specs, drawn by vega-embed in the page.
import type { CompareResult, SideSeries } from "../compare/compare-types.ts";
import { FONT } from "./charts.ts";

// Two colour families, one per side, so "which side" survives when the dash is hard to see.
const COLOURS_A = ["#1f5f99", "#4c78a8", "#72b7b2", "#2f7d6d", "#5e8fbf", "#88a9d0"];
const COLOURS_B = ["#c44e14", "#f58518", "#e45756", "#b279a2", "#d6a03c", "#9d755d"];

interface Line {
  label: string;
  side: string;
  colour: string;
  tS: number[];
  values: (number | null)[];
}

export const COMPARE_CHART_TITLES: Record<string, string> = {
  "compare-latency": "End-to-end latency, both sides (p50 and p99, log scale)",
  "compare-throughput": "Throughput, both sides (processed, and produced where the side has its own producers)",
  "compare-lag": "Consumer lag, both sides",
};

function lines(c: CompareResult, pick: (s: SideSeries) => { name: string; values: (number | null)[] }[]): Line[] {
  const out: Line[] = [];
  const sides: [string, SideSeries, string[]][] = [
    [c.a.label, c.series.a, COLOURS_A],
    [c.b.label, c.series.b, COLOURS_B],
  ];
  for (const [label, series, colours] of sides) {
    pick(series).forEach((p, i) => out.push({ label: `${label} · ${p.name}`, side: label, colour: colours[i % colours.length], tS: series.tS, values: p.values }));
  }
  return out;
}

function overlay(c: CompareResult, ls: Line[], yTitle: string, opts: { log?: boolean; format: string }): object {
  const values: { t: number; value: number; series: string; side: string }[] = [];
  for (const l of ls) {
    l.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v) || (opts.log && v <= 0)) return;
      values.push({ t: l.tS[i], value: v, series: l.label, side: l.side });
    });
  }
  const totalS = Math.max(c.series.a.tS.at(-1) ?? 0, c.series.b.tS.at(-1) ?? 0) + Math.max(c.series.a.bucketUs, c.series.b.bucketUs) / 1e6;
  const x = { field: "t", type: "quantitative", title: "simulated time (s)", scale: { domain: [0, Number(totalS.toFixed(6))], nice: false, zero: false } };
  // One rule layer per side with a fixed colour: an encoded colour would join the series' legend and scale.
  const markerLayer = (side: string, list: SideSeries["rebalances"], colour: string): object[] =>
    list.length === 0
      ? []
      : [
          {
            data: { values: list.map((m) => ({ ...m, side })) },
            mark: { type: "rule", clip: true, opacity: 0.45, strokeDash: [2, 2], color: colour },
            encoding: {
              x: { ...x, field: "startS" },
              tooltip: [
                { field: "side", title: "rebalance of" },
                { field: "group", title: "group" },
                { field: "cause", title: "cause" },
                { field: "startS", type: "quantitative", title: "at (s)", format: ".3f" },
              ],
            },
          },
        ];
  // Fault windows of each side as shaded bands with a legend entry per side (one set in groups mode: one run).
  const faultSets: [string, SideSeries["faults"], string][] = [[`faults of ${c.a.label}`, c.series.a.faults, "#d62728"]];
  if (c.mode === "scenarios") faultSets.push([`faults of ${c.b.label}`, c.series.b.faults, "#9467bd"]);
  const shown = faultSets.filter(([, list]) => list.length > 0);
  const faultLayer: object[] =
    shown.length === 0
      ? []
      : [
          {
            data: { values: shown.flatMap(([who, list]) => list.map((f) => ({ who, label: f.label, startS: f.startS, endS: Math.max(f.endS, f.startS + 0.001) }))) },
            mark: { type: "rect", clip: true, opacity: 0.1 },
            encoding: {
              x: { ...x, field: "startS" },
              x2: { field: "endS" },
              fill: { field: "who", type: "nominal", scale: { domain: shown.map(([who]) => who), range: shown.map(([, , colour]) => colour) }, legend: { orient: "top", title: null, symbolOpacity: 0.3 } },
              tooltip: [
                { field: "who", title: "side" },
                { field: "label", title: "fault" },
              ],
            },
          },
        ];
  return {
    width: "container",
    height: 260,
    autosize: { type: "fit-x", contains: "padding" },
    config: { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eceff3" }, legend: { labelFontSize: 12, labelLimit: 360 } },
    layer: [
      ...faultLayer,
      ...markerLayer(c.a.label, c.series.a.rebalances, COLOURS_A[0]),
      ...markerLayer(c.b.label, c.series.b.rebalances, COLOURS_B[0]),
      {
        data: { values },
        params: [{ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" }],
        mark: { type: "line", clip: true, strokeWidth: 1.6, point: false },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: yTitle, scale: opts.log ? { type: "log" } : { zero: true } },
          color: {
            field: "series",
            type: "nominal",
            scale: { domain: ls.map((l) => l.label), range: ls.map((l) => l.colour) },
            legend: { orient: "top", title: null, columns: 2 },
          },
          strokeDash: {
            field: "side",
            type: "nominal",
            scale: { domain: [c.a.label, c.b.label], range: [[1, 0], [6, 3]] },
            legend: { orient: "top", title: "side" },
          },
          tooltip: [
            { field: "series", title: "series" },
            { field: "t", type: "quantitative", title: "time (s)", format: ".3f" },
            { field: "value", type: "quantitative", title: yTitle, format: opts.format },
          ],
        },
      },
    ],
  };
}

/** The overlaid charts, keyed by their `data-chart` name; a chart neither side has data for is left out. */
export function compareChartSpecs(c: CompareResult): Record<string, object> {
  const specs: Record<string, object> = {};
  const latency = lines(c, (s) => [
    { name: "p50", values: s.latencyP50Ms },
    { name: "p99", values: s.latencyP99Ms },
  ]);
  if (latency.some((l) => l.values.some((v) => v !== null && v > 0))) specs["compare-latency"] = overlay(c, latency, "latency (ms, log)", { log: true, format: ",.3f" });
  const throughput = lines(c, (s) => [
    { name: "processed", values: s.consumedPerS },
    ...(s.producedPerS ? [{ name: "produced", values: s.producedPerS }] : []),
  ]);
  if (throughput.some((l) => l.values.some((v) => v !== null && v > 0))) specs["compare-throughput"] = overlay(c, throughput, "msg/s", { format: ",.1f" });
  const lag = lines(c, (s) => s.lag.map((g) => ({ name: g.group, values: g.values })));
  if (lag.length > 0) specs["compare-lag"] = overlay(c, lag, "lag (records)", { format: ",d" });
  return specs;
}
