// The stream-processing part of the report, per processor: each task's stream time against simulated time
// (restore periods shaded beside the faults), late records dropped over time, every window's emitted result
// minus the batch recomputation (0 everywhere when the processor is exact), and changelog records per task.
// charts.ts passes its time-chart builder in, so there is no import cycle.
import type { RunResult } from "./result-types.ts";
import type { TimeChartOptions } from "./charts.ts";

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];

export const STREAM_CHART_TITLES: Record<string, string> = {};

function title(key: string, text: string): string {
  STREAM_CHART_TITLES[key] = text;
  return key;
}

export function streamChartSpecs(result: RunResult, chart: (o: TimeChartOptions) => object): Record<string, object> {
  const out: Record<string, object> = {};
  const totalS = result.simulatedUs / 1e6;
  (result.metrics.processors ?? []).forEach((p, i) => {
    const app = p.applicationId;
    const n = p.lateDrops.length;
    const tS = Array.from({ length: n }, (_, b) => Number(((b * p.bucketUs) / 1e6).toFixed(6)));
    const restores = p.restores.map((r) => ({
      label: `${r.fromStandby ? "standby takeover" : "restore"} ${r.instance} task ${r.partition} (${r.records} records)`,
      startUs: r.startUs,
      endUs: Math.max(r.endUs, r.startUs + 1),
    }));
    const faults = [...result.metrics.faults, ...restores];
    out[title(`stream-time-${i}`, `${app}: stream time per task (largest event time seen) against simulated time; faults and restores shaded`)] = chart({
      rows: tS.map((t, b) => Object.fromEntries([["t", t], ...p.streamTimeMs.map((row, k) => [`s${k}`, row[b] === null ? null : row[b]! / 1000])])),
      series: p.streamTimeMs.map((_, k) => ({ field: `s${k}`, label: `task ${k}`, color: PALETTE[k % PALETTE.length] })),
      yTitle: "stream time (s)",
      tooltipFormat: ",.3f",
      faults,
      totalS,
    });
    out[title(`late-drops-${i}`, `${app}: records dropped as late, per time bucket`)] = chart({
      rows: tS.map((t, b) => ({ t, drops: p.lateDrops[b] })),
      series: [{ field: "drops", label: "dropped as late", color: "#e45756" }],
      yTitle: "late records dropped",
      tooltipFormat: ",d",
      faults,
      totalS,
    });
    out[title(`window-diff-${i}`, `${app}: each window's emitted result minus the batch recomputation (${p.windowsDiffering} of ${p.windowsCompared} differ)`)] = windowDiffChart(p.windows);
    out[title(`changelog-${i}`, `${app}: changelog records per task at the end of the run`)] = barChart(
      p.changelogRecords.map((records, k) => ({ task: `task ${k}`, records })),
    );
  });
  return out;
}

const BASE = {
  width: "container",
  height: 220,
  autosize: { type: "fit-x", contains: "padding" },
  config: { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: "#eceff3" } },
};

function windowDiffChart(windows: NonNullable<RunResult["metrics"]["processors"]>[number]["windows"]): object {
  const values = windows.map((w) => ({
    startS: w.window.start / 1000,
    key: w.key,
    window: `[${w.window.start}, ${w.window.end}] ms`,
    expected: w.expected,
    emitted: w.emitted,
    // A window never emitted counts as emitting 0; a window the batch does not know as expecting 0.
    diff: (w.emitted ?? 0) - (w.expected ?? 0),
    cause: w.emitted === null ? "never emitted" : w.expected === null ? "not in the batch" : w.emitted > w.expected ? "counted twice" : w.emitted < w.expected ? "missing (late drops)" : "exact",
  }));
  return {
    ...BASE,
    data: { values },
    mark: { type: "point", filled: true, size: 40 },
    encoding: {
      x: { field: "startS", type: "quantitative", title: "window start (event time, s)" },
      y: { field: "diff", type: "quantitative", title: "emitted − batch" },
      color: {
        field: "cause",
        type: "nominal",
        scale: { domain: ["exact", "missing (late drops)", "counted twice", "never emitted", "not in the batch"], range: ["#54a24b", "#e45756", "#f58518", "#7f7f7f", "#b279a2"] },
        legend: { orient: "top", title: null },
      },
      tooltip: [
        { field: "key", title: "key" },
        { field: "window", title: "window" },
        { field: "expected", title: "batch" },
        { field: "emitted", title: "emitted" },
        { field: "cause", title: "cause" },
      ],
    },
  };
}

function barChart(values: { task: string; records: number }[]): object {
  return {
    ...BASE,
    height: 160,
    data: { values },
    mark: { type: "bar", color: "#4c78a8" },
    encoding: {
      x: { field: "task", type: "nominal", title: null, sort: null },
      y: { field: "records", type: "quantitative", title: "changelog records" },
      color: { datum: "changelog records", scale: { range: ["#4c78a8"] }, legend: { orient: "top", title: null } },
      tooltip: [{ field: "task" }, { field: "records", format: ",d" }],
    },
  };
}
