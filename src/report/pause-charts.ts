// The pauses chart: one row per consumer that stood paused at its in-flight limit (a group member's
// consumer.pause, an SQS consumer that stopped receiving), a band for each pause, with the run's fault windows
// shaded as on every chart, so a pause can be read against the outage or burst that caused it.
import type { FaultWindow, RunResult } from "./result-types.ts";
import { FONT } from "./charts.ts";

export const PAUSE_CHART_TITLES: Record<string, string> = { pauses: "Consumers paused at their in-flight limit (backpressure)" };

const PAUSE_COLOR = "#f58518";
/** Rows the chart draws (members with the most paused time first); more would not be readable. */
const MAX_MEMBERS = 32;

export function pauseChartSpecs(result: RunResult, faultLayers: (faults: FaultWindow[], totalS: number) => object[]): Record<string, object> {
  const all = result.metrics.memberPauses ?? [];
  if (all.length === 0) return {};
  const shown = [...all].sort((a, b) => b.pausedUs - a.pausedUs || (a.member < b.member ? -1 : 1)).slice(0, MAX_MEMBERS);
  const rows = new Set(shown.map((m) => m.member));
  const members = all.filter((m) => rows.has(m.member)).map((m) => `${m.member} (${m.owner})`);
  const totalS = result.simulatedUs / 1e6;
  const values = all
    .filter((m) => rows.has(m.member))
    .flatMap((m) =>
      m.windows.map(([from, to]) => ({
        member: `${m.member} (${m.owner})`,
        fromS: from / 1e6,
        toS: to / 1e6,
        ms: Math.round((to - from) / 100) / 10,
        pauses: m.pauses,
        totalMs: Math.round(m.pausedUs / 1000),
      })),
    );
  const x = { field: "fromS", type: "quantitative", title: "simulated time (s)", scale: { domain: [0, totalS], nice: false, zero: false } };
  return {
    pauses: {
      width: "container",
      height: Math.max(60, 22 * members.length),
      autosize: { type: "fit-x", contains: "padding" },
      config: { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: "#eceff3" } },
      layer: [
        ...faultLayers(result.metrics.faults, totalS),
        {
          data: { values },
          params: [{ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" }],
          // A pause of a few microseconds still shows as a sliver.
          mark: { type: "rect", clip: true, color: PAUSE_COLOR, opacity: 0.7, minWidth: 1 } as object,
          encoding: {
            x,
            x2: { field: "toS" },
            y: { field: "member", type: "nominal", title: null, sort: members, scale: { domain: members, paddingInner: 0.25 } },
            tooltip: [
              { field: "member", title: "consumer" },
              { field: "fromS", type: "quantitative", title: "paused at (s)", format: ".3f" },
              { field: "ms", type: "quantitative", title: "for (ms)", format: ",.1f" },
              { field: "pauses", type: "quantitative", title: "pauses in the run" },
              { field: "totalMs", type: "quantitative", title: "paused in all (ms)", format: ",d" },
            ],
          },
        },
      ],
    },
  };
}
